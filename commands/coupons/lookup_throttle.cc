#include "commands/coupons/lookup_throttle.h"

namespace tally::commands::coupons {

std::optional<std::chrono::microseconds> LookupThrottle::refused(std::string_view key,
                                                                 Timestamp now) {
  std::lock_guard lock(mutex_);
  auto it = keys_.find(std::string(key));
  if (it == keys_.end() || !it->second.refused_until) return std::nullopt;
  if (now < *it->second.refused_until) return *it->second.refused_until - now;
  keys_.erase(it);  // the refusal is over: the key starts afresh
  return std::nullopt;
}

void LookupThrottle::failed(std::string_view key, Timestamp now) {
  std::lock_guard lock(mutex_);
  if (++calls_ % 4096 == 0) forget_stale(now);
  auto& record = keys_[std::string(key)];
  if (record.refused_until && now < *record.refused_until) return;  // refused: not counted
  record.refused_until.reset();
  while (!record.failures.empty() && now - record.failures.front() >= options_.window)
    record.failures.pop_front();
  record.failures.push_back(now);
  if (record.failures.size() >= options_.failures) {
    record.refused_until = now + options_.refusal;
    record.failures.clear();
  }
}

// Keys whose failures all left the window and that are not refused take no memory.
void LookupThrottle::forget_stale(Timestamp now) {
  for (auto it = keys_.begin(); it != keys_.end();) {
    const auto& r = it->second;
    const bool refusing = r.refused_until && now < *r.refused_until;
    const bool counting = !r.failures.empty() && now - r.failures.back() < options_.window;
    it = refusing || counting ? std::next(it) : keys_.erase(it);
  }
}

}  // namespace tally::commands::coupons
