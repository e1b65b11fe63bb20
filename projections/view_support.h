// Small pieces the domain read models share: payloads parsed by their protobuf message (read
// models decode events themselves: they never include commands/, design.md), ids from stream
// names, and times as keys that sort as numbers.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/numbers.h"
#include "core/result.h"
#include "eventstore/event.h"

namespace tally::projections::views {

// The event's payload as message M; Code::corruption when the bytes do not parse.
template <class M>
Result<M> payload_as(const eventstore::RecordedEvent& event) {
  M m;
  if (!m.ParseFromArray(event.payload.data(), static_cast<int>(event.payload.size())))
    return tally::fail(Code::corruption, "bad " + event.type + " payload at position " +
                                             std::to_string(event.position.value));
  return m;
}

// "coupon-7Hq2" -> "7Hq2": everything after the first '-' (api.md stream names).
inline std::string id_of(std::string_view stream) {
  const auto dash = stream.find('-');
  return std::string(dash == std::string_view::npos ? std::string_view() : stream.substr(dash + 1));
}

inline std::string_view category_of(std::string_view stream) {
  return stream.substr(0, stream.find('-'));
}

// 16 hex digits of the microseconds offset by 2^63: sorts as the time does, also before 1970.
inline std::string time_key(Timestamp t) {
  const auto biased = static_cast<std::uint64_t>(t.time_since_epoch().count()) ^ (1ULL << 63);
  return fmt::format("{:016x}", biased);
}
// The time a time_key names; nullopt for anything else.
inline std::optional<Timestamp> parse_time_key(std::string_view text) {
  const auto biased = parse_number<std::uint64_t>(text, 16);
  if (!biased || text.size() != 16) return std::nullopt;
  return Timestamp(std::chrono::microseconds(static_cast<std::int64_t>(*biased ^ (1ULL << 63))));
}

// A log position as 16 hex digits: sorts as positions do, so rows keyed by it list in log order.
inline std::string position_key(Position position) {
  return fmt::format("{:016x}", position.value);
}

inline std::int64_t micros(Timestamp t) {
  return t.time_since_epoch().count();
}
inline Timestamp from_micros(std::int64_t us) {
  return Timestamp(std::chrono::microseconds(us));
}

// Bytes as lowercase hex, for binary fields (sealed codes) inside JSON rows.
inline std::string hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

inline std::optional<std::string> unhex(std::string_view text) {
  if (text.size() % 2) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    auto byte = parse_number<unsigned>(text.substr(i, 2), 16);
    if (!byte) return std::nullopt;
    out.push_back(static_cast<char>(*byte));
  }
  return out;
}

// A row as JSON; Code::corruption when it is not.
inline Result<nlohmann::json> parse_row(std::string_view row, std::string_view what) {
  auto json = nlohmann::json::parse(row, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    return tally::fail(Code::corruption, "bad row of " + std::string(what));
  return json;
}

}  // namespace tally::projections::views
