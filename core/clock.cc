#include "core/clock.h"

#include <fmt/format.h>

#include <algorithm>

namespace tally {

Timestamp SystemClock::now() const {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

TestClock::TestClock(Timestamp start) : micros_(start.time_since_epoch().count()) {}

Timestamp TestClock::now() const {
  return Timestamp(std::chrono::microseconds(micros_.load()));
}

Timestamp TestClock::advance(std::chrono::microseconds step) {
  // The value fetch_add saw, plus the step: another thread's advance cannot slip in between.
  const auto forward = std::max<std::int64_t>(step.count(), 0);
  return Timestamp(std::chrono::microseconds(micros_.fetch_add(forward) + forward));
}

Timestamp first_writable_time() {
  using namespace std::chrono;
  return Timestamp(sys_days(year(1) / January / 1).time_since_epoch());
}

Timestamp end_of_writable_time() {
  using namespace std::chrono;
  return Timestamp(sys_days(year(10000) / January / 1).time_since_epoch());
}

std::string format_rfc3339(Timestamp t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", int(ymd.year()),
                                unsigned(ymd.month()), unsigned(ymd.day()), hms.hours().count(),
                                hms.minutes().count(), hms.seconds().count());
  if (const auto us = hms.subseconds().count(); us != 0) out += fmt::format(".{:06}", us);
  out += 'Z';
  return out;
}

}  // namespace tally
