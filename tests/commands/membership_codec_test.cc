// Membership events through their protobuf payloads, and the payloads as JSON.
#include <doctest/doctest.h>

#include "commands/membership/membership.h"
#include "core/payload_json.h"

namespace tally::commands::membership {
namespace {

const Timestamp kNow = Timestamp(std::chrono::hours(24 * 20000 + 12));

MembershipEvent round_trip(const MembershipEvent& in) {
  const auto encoded = Membership::encode(in);
  eventstore::RecordedEvent r;
  r.type = encoded.type;
  r.payload = encoded.payload;
  r.event_id = encoded.event_id;
  CHECK_MESSAGE(payload_json(r.type, r.payload), r.type);
  auto out = Membership::decode(r);
  REQUIRE_MESSAGE(out, r.type);
  return *out;
}

TEST_CASE("membership events survive encode and decode, and render as JSON") {
  const auto reg = std::get<CustomerRegistered>(
      round_trip(CustomerRegistered{"e1", "C9", "sn", "se", "sp", kNow}));
  CHECK(reg.event_id == "e1");
  CHECK(reg.sealed_email == "se");
  CHECK(reg.registered_at == kNow);
  CHECK(std::get<PointsEarned>(round_trip(PointsEarned{5, "r", 5, kNow})).balance_after == 5);
  const auto spent = std::get<PointsSpent>(round_trip(PointsSpent{3, "purchase", 2, "P1", kNow}));
  CHECK(spent.purchase_id == "P1");
  CHECK(spent.amount == 3);
  CHECK(std::get<PointsForfeited>(round_trip(PointsForfeited{2, kNow})).amount == 2);
  const PurchaseRecorded p{"P1", {{"p1", "Tea", 2, 600}, {"p2", "Cake", 1, 0}}, 1200, 3, kNow};
  const auto purchase = std::get<PurchaseRecorded>(round_trip(p));
  CHECK(purchase.items == p.items);
  CHECK(purchase.points_used == 3);
  const auto c = std::get<CustomerCancelled>(
      round_trip(CustomerCancelled{kNow, kNow + std::chrono::hours(1), 7}));
  CHECK(c.history_visible_until == kNow + std::chrono::hours(1));
  CHECK(c.points_forfeited == 7);
  CHECK(std::get<PurchasesBlocked>(round_trip(PurchasesBlocked{kNow})).blocked_at == kNow);
  CHECK(std::get<HistoryExpired>(round_trip(HistoryExpired{kNow, true})).on_request);
  const auto erased =
      std::get<SubjectErased>(round_trip(SubjectErased{"customer:C9", "asked", kNow}));
  CHECK(erased.subject == "customer:C9");
  CHECK(erased.reason == "asked");
  CHECK(erased.erased_at == kNow);
}

TEST_CASE("a cancellation that forfeits nothing still says so in its JSON: amount 0") {
  // api.md: "The cancellation's points.forfeited event carries the points as amount".
  const auto forfeited = Membership::encode(PointsForfeited{0, kNow});
  auto json = payload_json(forfeited.type, forfeited.payload);
  REQUIRE(json);
  CHECK((*json)["amount"] == 0);
  const auto cancelled = Membership::encode(CustomerCancelled{kNow, kNow, 0});
  json = payload_json(cancelled.type, cancelled.payload);
  REQUIRE(json);
  CHECK((*json)["points_forfeited"] == 0);
  const auto spent = Membership::encode(PointsSpent{3, "", 0, "", kNow});
  json = payload_json(spent.type, spent.payload);
  REQUIRE(json);
  CHECK((*json)["balance_after"] == 0);
  CHECK_FALSE(json->contains("purchase_id"));  // an empty text is "none"
}

TEST_CASE("a payload that is not a membership event is corruption, not a crash") {
  eventstore::RecordedEvent r;
  for (std::string type : {"points.earned", "purchase.recorded", "customer.cancelled"}) {
    r.type = type;
    r.payload.assign(1, '\x08');  // a truncated varint
    CHECK(Membership::decode(r).error().code == Code::corruption);
  }
  r.type = "points.doubled";
  r.payload = "";
  CHECK(Membership::decode(r).error().code == Code::corruption);
}

}  // namespace
}  // namespace tally::commands::membership
