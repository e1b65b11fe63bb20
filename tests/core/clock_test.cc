#include "core/clock.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

namespace tally {
namespace {

using namespace std::chrono_literals;
using std::chrono::sys_days;

Timestamp at(sys_days day, std::chrono::microseconds since_midnight) {
  return Timestamp(day) + since_midnight;
}

const Timestamp kStart = at(sys_days{2026y / 11 / 25}, 9h + 30min);

TEST_CASE("a test clock starts at the time it is given and stays there") {
  const TestClock clock(kStart);
  CHECK(clock.now() == kStart);
  CHECK(clock.now() == kStart);
}

TEST_CASE("advancing a test clock moves it forward and returns the new time") {
  TestClock clock(kStart);
  CHECK(clock.advance(1500us) == kStart + 1500us);
  CHECK(clock.now() == kStart + 1500us);
  CHECK(clock.advance(2h) == kStart + 2h + 1500us);
  CHECK(clock.now() == kStart + 2h + 1500us);
}

TEST_CASE("a test clock never goes back: a negative or zero step is ignored") {
  TestClock clock(kStart);
  CHECK(clock.advance(-1s) == kStart);
  CHECK(clock.now() == kStart);
  CHECK(clock.advance(0us) == kStart);
  CHECK(clock.now() == kStart);
}

TEST_CASE("the system clock reads the operating system's time in microseconds") {
  using std::chrono::floor;
  const auto before = floor<std::chrono::microseconds>(std::chrono::system_clock::now());
  const Timestamp now = SystemClock().now();
  const auto after = floor<std::chrono::microseconds>(std::chrono::system_clock::now());
  CHECK(before <= now);
  CHECK(now <= after);
}

TEST_CASE("format_rfc3339 gives whole seconds without a fraction") {
  CHECK(format_rfc3339(kStart) == "2026-11-25T09:30:00Z");
  CHECK(format_rfc3339(at(sys_days{2026y / 1 / 2}, 3h + 4min + 5s)) == "2026-01-02T03:04:05Z");
}

TEST_CASE("format_rfc3339 gives six digits of microseconds when they are not zero") {
  CHECK(format_rfc3339(kStart + 125us) == "2026-11-25T09:30:00.000125Z");
  CHECK(format_rfc3339(kStart + 59s + 123456us) == "2026-11-25T09:30:59.123456Z");
  CHECK(format_rfc3339(kStart + 100ms) == "2026-11-25T09:30:00.100000Z");
}

TEST_CASE("format_rfc3339 handles the unix epoch and the instants around it") {
  CHECK(format_rfc3339(Timestamp{}) == "1970-01-01T00:00:00Z");
  CHECK(format_rfc3339(Timestamp{} + 1us) == "1970-01-01T00:00:00.000001Z");
  CHECK(format_rfc3339(Timestamp{} - 1us) == "1969-12-31T23:59:59.999999Z");
}

TEST_CASE("format_rfc3339 handles a leap day") {
  const sys_days leap_day{2028y / 2 / 29};
  CHECK(format_rfc3339(at(leap_day, 12h)) == "2028-02-29T12:00:00Z");
  CHECK(format_rfc3339(at(leap_day, 24h - 1us)) == "2028-02-29T23:59:59.999999Z");
  CHECK(format_rfc3339(at(leap_day, 24h)) == "2028-03-01T00:00:00Z");
}

}  // namespace
}  // namespace tally
