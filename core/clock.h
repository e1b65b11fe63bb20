// The one source of time. Domain code never reads a clock: time arrives inside commands, taken
// from a Clock at the edge. Tests use TestClock and move time by hand.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace tally {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp now() const override;
};

// Starts where it is told and moves only forward, only when told to.
class TestClock final : public Clock {
 public:
  explicit TestClock(Timestamp start);
  Timestamp now() const override;
  // Moves the clock forward; a negative step is ignored, so time never goes back.
  Timestamp advance(std::chrono::microseconds step);

 private:
  std::atomic<std::int64_t> micros_;
};

// The instants RFC 3339 (and a protobuf Timestamp) can write, the years 0001-9999: from the
// first up to, not including, the end.
Timestamp first_writable_time();
Timestamp end_of_writable_time();

// RFC 3339 in UTC with microseconds when they are not zero: "2026-11-25T09:30:00Z",
// "2026-11-25T09:30:00.000125Z".
std::string format_rfc3339(Timestamp t);

}  // namespace tally
