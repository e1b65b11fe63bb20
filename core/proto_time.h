// Timestamp <-> google.protobuf.Timestamp, for every schema that carries a time.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <cstdint>

#include "core/clock.h"

namespace tally {

// A time as google.protobuf.Timestamp's seconds and nanos.
struct ProtoTime {
  std::int64_t seconds = 0;
  std::int32_t nanos = 0;
};

inline ProtoTime to_proto_time(Timestamp t) {
  const auto us = t.time_since_epoch().count();
  // Floor division keeps nanos in [0, 1e9) for times before the epoch too.
  auto seconds = us / 1'000'000, rest = us % 1'000'000;
  if (rest < 0) --seconds, rest += 1'000'000;
  return {seconds, static_cast<std::int32_t>(rest * 1000)};
}

inline void set_proto_time(google::protobuf::Timestamp& out, Timestamp t) {
  const ProtoTime p = to_proto_time(t);
  out.set_seconds(p.seconds);
  out.set_nanos(p.nanos);
}

inline Timestamp from_proto_time(std::int64_t seconds, std::int32_t nanos) {
  return Timestamp(std::chrono::microseconds(seconds * 1'000'000 + nanos / 1000));
}

inline Timestamp from_proto_time(const google::protobuf::Timestamp& t) {
  return from_proto_time(t.seconds(), t.nanos());
}

}  // namespace tally
