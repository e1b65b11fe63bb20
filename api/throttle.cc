#include "api/throttle.h"

namespace tally::api {

std::optional<std::chrono::seconds> FailureWindow::refused(const Principal& caller,
                                                           std::string_view action) {
  std::lock_guard lock(mutex_);
  const auto it = by_caller_.find({caller.key_id, std::string(action)});
  if (it == by_caller_.end() || !it->second.closed_at) return std::nullopt;
  const auto open_at = *it->second.closed_at + window_;
  const auto now = clock_.now();
  if (now >= open_at) {
    by_caller_.erase(it);  // the window has passed: a fresh count
    return std::nullopt;
  }
  // Rounded up, so a client waiting Retry-After seconds is let in.
  return std::chrono::ceil<std::chrono::seconds>(open_at - now);
}

void FailureWindow::record_failure(const Principal& caller, std::string_view action) {
  std::lock_guard lock(mutex_);
  Tally& t = by_caller_[{caller.key_id, std::string(action)}];
  if (t.closed_at) return;  // refused while closed: does not extend the window
  if (++t.failures >= max_failures_) t.closed_at = clock_.now();
}

}  // namespace tally::api
