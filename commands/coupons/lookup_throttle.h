// Guessing coupon codes is throttled per API key (domain.md §1): a key that makes 20 failed
// look-ups (coupon_not_found) within 60 s is refused with too_many_attempts for the next 60 s,
// counted from the 20th failure; refused look-ups neither count nor extend the refusal.
//
// Not a log-backed rule: the count lives in memory, on the server's clock (api.md), so it is
// a small value type the edge keeps one of, told the time on every call. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"

namespace tally::commands::coupons {

class LookupThrottle {
 public:
  struct Options {
    std::size_t failures = 20;         // failed look-ups that trigger the refusal
    std::chrono::seconds window{60};   // within this long
    std::chrono::seconds refusal{60};  // refused this long after the last of them
  };
  LookupThrottle() : LookupThrottle(Options{}) {}
  explicit LookupThrottle(Options options) : options_(options) {}

  // Before a look-up: the time left when the key is refused now (for Retry-After).
  std::optional<std::chrono::microseconds> refused(std::string_view key, Timestamp now);
  // After a look-up that found no coupon.
  void failed(std::string_view key, Timestamp now);

 private:
  struct Record {
    std::deque<Timestamp> failures;  // within the window, oldest first
    std::optional<Timestamp> refused_until;
  };
  void forget_stale(Timestamp now);

  const Options options_;
  std::mutex mutex_;
  std::unordered_map<std::string, Record> keys_;
  std::size_t calls_ = 0;
};

}  // namespace tally::commands::coupons
