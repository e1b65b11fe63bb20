// Payloads render as JSON by their type's message, integers as numbers, times as RFC 3339.
#include "core/payload_json.h"

#include <doctest/doctest.h>

#include "core/proto_time.h"
#include "tally/v1/events/counter.pb.h"

namespace tally {
namespace {

TEST_CASE("an event type names its payload message: words split at '.' and '_', capitalised") {
  CHECK(payload_message_name("counter.incremented") == "tally.v1.events.CounterIncremented");
  CHECK(payload_message_name("coupon.redemption_refunded") ==
        "tally.v1.events.CouponRedemptionRefunded");
  CHECK(payload_message_name("points.forfeited") == "tally.v1.events.PointsForfeited");
}

TEST_CASE("a payload renders with its field names, 64-bit integers as numbers, times as RFC 3339") {
  tally::v1::events::CounterIncremented m;
  m.set_by(9'007'199'254'740'993);  // past 2^53: still exact as a JSON integer
  set_proto_time(*m.mutable_reset_due(),
                 Timestamp(std::chrono::sys_days(std::chrono::year(2026) / 11 / 25)) +
                     std::chrono::hours(9) + std::chrono::minutes(30));
  auto json = payload_json("counter.incremented", m.SerializeAsString());
  REQUIRE(json);
  CHECK((*json)["by"].get<std::int64_t>() == 9'007'199'254'740'993);
  CHECK((*json)["reset_due"] == "2026-11-25T09:30:00Z");
}

TEST_CASE("a number at 0 is shown; an empty text, an unset time are left out") {
  auto json = payload_json("counter.incremented", "");
  REQUIRE(json);
  CHECK(*json == nlohmann::json{{"by", 0}});  // no reset_due
}

TEST_CASE("a type without a message is not_found; bytes that do not parse are corruption") {
  CHECK(payload_json("counter.doubled", "").error().code == Code::not_found);
  CHECK(payload_json("counter.incremented", "{not protobuf").error().code == Code::corruption);
}

}  // namespace
}  // namespace tally
