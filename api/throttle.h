// The per-caller failure window behind the Throttle hook (api/auth.h): after `max_failures`
// failures of one caller at one action, the caller is refused for `window`, measured from the
// failure that closed it; refused attempts do not extend it (api.md, Coupons). Time comes from
// the server's one clock, so the test clock moves it.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "api/auth.h"
#include "core/clock.h"

namespace tally::api {

class FailureWindow final : public Throttle {
 public:
  FailureWindow(const Clock& clock, std::size_t max_failures = 20,
                std::chrono::seconds window = std::chrono::seconds(60))
      : clock_(clock), max_failures_(max_failures), window_(window) {}

  std::optional<std::chrono::seconds> refused(const Principal& caller,
                                              std::string_view action) override;
  void record_failure(const Principal& caller, std::string_view action) override;

 private:
  struct Tally {
    std::size_t failures = 0;
    std::optional<Timestamp> closed_at;
  };
  const Clock& clock_;
  const std::size_t max_failures_;
  const std::chrono::seconds window_;
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, Tally> by_caller_;
};

}  // namespace tally::api
