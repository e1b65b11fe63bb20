// Strong types for the log's coordinates and ids: a raw integer never passes where a
// position is expected, and a position never passes where a stream version is.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace tally {

template <class Tag>
struct Counter {
  std::uint64_t value = 0;

  constexpr Counter() = default;
  constexpr explicit Counter(std::uint64_t v) : value(v) {}
  constexpr Counter next() const { return Counter(value + 1); }
  constexpr auto operator<=>(const Counter&) const = default;
};

// Global position of an event in the log: 1, 2, 3… gap-free over the whole log; 0 = none yet.
using Position = Counter<struct PositionTag>;
// Version of an event inside its stream: 1, 2, 3…; 0 = the stream has no events.
using StreamVersion = Counter<struct StreamVersionTag>;

// A new random UUID in the version 7 layout (48-bit Unix milliseconds, then random bits), as
// 36 lowercase characters: time-ordered ids keep index inserts local.
std::string new_uuid_v7(std::uint64_t unix_millis);

}  // namespace tally
