// The membership rules of domain.md §4 on pure decide/evolve: no log, no clock. Each error
// code has a test that fails if its rule is removed.
#include "commands/membership/membership.h"

#include <doctest/doctest.h>

#include <limits>
#include <nlohmann/json.hpp>

namespace tally::commands::membership {
namespace {

using namespace std::chrono_literals;
using std::chrono::sys_days;
using namespace std::chrono;

const Timestamp kNow = Timestamp(sys_days(2026y / November / 25) + 9h + 30min);

RegisterCustomer registration() {
  return RegisterCustomer{"C9", "e1", "n", "e", "p", kNow};
}
EarnPoints earn(std::int64_t amount) {
  return EarnPoints{"C9", amount, "welcome", kNow};
}
SpendPoints spend(std::int64_t amount) {
  return SpendPoints{"C9", amount, "gift", kNow};
}
RecordPurchase buy(std::string id, std::int64_t amount = 1200, std::int64_t points_used = 0) {
  return RecordPurchase{"C9", std::move(id), {{"p1", "Tea", 2, 600}}, amount, points_used, kNow};
}
CancelMembership cancel(Timestamp at = kNow + 1h) {
  return CancelMembership{"C9", at};
}

MembershipState accept(MembershipState state, const MembershipCommand& command) {
  auto events = Membership::decide(state, command);
  REQUIRE_MESSAGE(events, (events ? "" : events.error().code));
  for (const auto& e : *events) state = Membership::evolve(std::move(state), e);
  return state;
}

std::string rejection(const MembershipState& state, const MembershipCommand& command) {
  auto r = Membership::decide(state, command);
  REQUIRE_FALSE(r);
  return r.error().code;
}

const MembershipState& member_with_100() {
  static const MembershipState state = accept(accept({}, registration()), earn(100));
  return state;
}

nlohmann::json answer(const MembershipState& after, const MembershipCommand& command) {
  return nlohmann::json::parse(Membership::answer(after, command));
}

TEST_CASE("a customer id is registered once: customer_exists") {
  const auto state = accept({}, registration());
  CHECK(state.registered);
  CHECK(rejection(state, registration()) == "customer_exists");
  auto events = Membership::decide({}, registration());
  CHECK(Membership::encode(events->front()).event_id == "e1");  // the sealed fields' event
}

TEST_CASE("commands for a customer never registered are customer_not_found") {
  const std::vector<MembershipCommand> commands{earn(1),
                                                spend(1),
                                                buy("P1"),
                                                cancel(),
                                                ExpireHistory{"C9", kNow, {}},
                                                BlockPurchases{"C9", kNow},
                                                EraseCustomer{"C9", "asked", kNow}};
  for (const auto& c : commands) CHECK(rejection({}, c) == "customer_not_found");
}

TEST_CASE("points are earned and spent, and the answer is the balance") {
  auto state = accept(member_with_100(), spend(30));
  CHECK(state.points == 70);
  CHECK(answer(state, spend(30))["points"] == 70);
}

TEST_CASE("points never go below zero: insufficient_points") {
  CHECK(rejection(member_with_100(), spend(101)) == "insufficient_points");
  CHECK(accept(member_with_100(), spend(100)).points == 0);
}

TEST_CASE("earning or spending zero or less is invalid_field") {
  CHECK(rejection(member_with_100(), earn(0)) == "invalid_field");
  CHECK(rejection(member_with_100(), spend(-1)) == "invalid_field");
}

TEST_CASE("an earn past the largest balance is invalid_field, never a wrapped balance") {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  CHECK(rejection(member_with_100(), earn(kMax - 99)) == "invalid_field");
  CHECK(accept(member_with_100(), earn(kMax - 100)).points == kMax);
}

TEST_CASE("a purchase spends its points_used in the same command") {
  auto events = Membership::decide(member_with_100(), buy("P1", 1200, 40));
  REQUIRE(events);
  REQUIRE(events->size() == 2);
  CHECK(std::get<PointsSpent>(events->back()).purchase_id == "P1");
  auto state = accept(member_with_100(), buy("P1", 1200, 40));
  CHECK(state.points == 60);
  CHECK(answer(state, buy("P1", 1200, 40))["points"] == 60);
  // Points are never earned implicitly.
  CHECK(accept(member_with_100(), buy("P2")).points == 100);
}

TEST_CASE("a purchase using more points than the customer has is insufficient_points") {
  CHECK(rejection(member_with_100(), buy("P1", 1200, 101)) == "insufficient_points");
}

TEST_CASE("a purchase with no amount or a bad item is invalid_field") {
  CHECK(rejection(member_with_100(), buy("P1", 0)) == "invalid_field");
  auto bad = buy("P1");
  bad.items[0].quantity = 0;
  CHECK(rejection(member_with_100(), bad) == "invalid_field");
}

TEST_CASE("a retried purchase is recorded once; another body is idempotency_conflict") {
  const auto state = accept(member_with_100(), buy("P1", 1200, 10));
  auto retry = Membership::decide(state, buy("P1", 1200, 10));
  REQUIRE(retry);
  CHECK(retry->empty());
  CHECK(rejection(state, buy("P1", 999)) == "idempotency_conflict");
  // A state decided from does not see purchases recorded after it.
  const auto later = accept(state, buy("P2"));
  CHECK(later.purchase("P2"));
  CHECK_FALSE(state.purchase("P2"));
  CHECK(state.purchase("P1"));
}

TEST_CASE("a retried purchase answers as the purchase left the points, at its own append") {
  // registered 1, earned 2; P1 recorded 3 and its points spent 4; P2 recorded 5; earned 6
  auto state = accept(member_with_100(), buy("P1", 1200, 30));
  const auto first = answer(state, buy("P1", 1200, 30));
  CHECK(first["points"] == 70);
  state = accept(accept(state, buy("P2")), earn(5));
  CHECK(answer(state, buy("P1", 1200, 30)) == first);
  const auto p1 = Membership::repeats(state, buy("P1", 1200, 30));
  REQUIRE(p1);
  CHECK(p1->first == 3);
  CHECK(p1->last == 4);
  CHECK(p1->replayed);
  const auto p2 = Membership::repeats(state, buy("P2"));
  REQUIRE(p2);
  CHECK(p2->first == 5);
  CHECK(p2->last == 5);
  CHECK(answer(state, buy("P2"))["points"] == 70);
  CHECK_FALSE(Membership::repeats(state, buy("P3")));
}

TEST_CASE("cancelling forfeits every point in one points.forfeited event") {
  auto events = Membership::decide(member_with_100(), cancel());
  REQUIRE(events);
  int forfeits = 0;
  for (const auto& e : *events)
    if (const auto* f = std::get_if<PointsForfeited>(&e)) {
      ++forfeits;
      CHECK(f->amount == 100);
    }
  CHECK(forfeits == 1);
  const auto state = accept(member_with_100(), cancel());
  CHECK(state.points == 0);
  const auto a = answer(state, cancel());
  CHECK(a["points_forfeited"] == 100);
  CHECK(a["cancellation_date"] == "2026-11-25T10:30:00Z");
  CHECK(a["history_visible_until"] == "2027-11-25T10:30:00Z");
}

TEST_CASE("after cancelling, points changes are customer_cancelled") {
  const auto state = accept(member_with_100(), cancel());
  CHECK(rejection(state, earn(5)) == "customer_cancelled");
  CHECK(rejection(state, spend(1)) == "customer_cancelled");
}

TEST_CASE("after cancelling, new purchases are purchases_blocked") {
  const auto state = accept(member_with_100(), cancel());
  CHECK(rejection(state, buy("P1")) == "purchases_blocked");
  CHECK(rejection(state, buy("P1", 1200, 10)) == "purchases_blocked");
}

TEST_CASE("cancelling again returns the original cancellation and appends nothing") {
  const auto state = accept(member_with_100(), cancel(kNow + 1h));
  auto again = Membership::decide(state, cancel(kNow + 5h));
  REQUIRE(again);
  CHECK(again->empty());
  CHECK(answer(state, cancel(kNow + 5h)) == answer(state, cancel(kNow + 1h)));
  CHECK(answer(state, cancel(kNow + 5h))["points_forfeited"] == 100);
}

TEST_CASE("a repeated cancel, expiry, block or erasure names the append it answers again") {
  // registered (1), earned (2): a member repeats nothing yet.
  CHECK_FALSE(Membership::repeats(member_with_100(), cancel()));
  CHECK_FALSE(Membership::repeats(member_with_100(), BlockPurchases{"C9", kNow}));
  const auto blocked = accept(member_with_100(), BlockPurchases{"C9", kNow});  // 3
  const auto cancelled = accept(blocked, cancel());  // forfeited (4), cancelled (5)
  const auto expired = accept(cancelled, ExpireHistory{"C9", kNow + 2h, {}});    // 6
  const auto erased = accept(expired, EraseCustomer{"C9", "asked", kNow + 3h});  // 7
  CHECK(erased.version == 7);
  const auto check = [&](const MembershipCommand& c, std::uint64_t first, std::uint64_t last) {
    auto earlier = Membership::repeats(erased, c);
    REQUIRE(earlier);
    CHECK(earlier->first == first);
    CHECK(earlier->last == last);
  };
  check(cancel(kNow + 9h), 4, 5);
  check(ExpireHistory{"C9", kNow + 9h, {}}, 6, 6);
  check(BlockPurchases{"C9", kNow + 9h}, 3, 3);
  check(EraseCustomer{"C9", "again", kNow + 9h}, 7, 7);
  CHECK(Membership::repeats(erased, cancel())->replayed);
  // A second block confirms a state, it is no replay (api.md); blocked by the cancellation
  // alone, it confirms the cancellation.
  CHECK_FALSE(Membership::repeats(erased, BlockPurchases{"C9", kNow})->replayed);
  const auto by_cancel =
      Membership::repeats(accept(member_with_100(), cancel()), BlockPurchases{"C9", kNow});
  REQUIRE(by_cancel);
  CHECK(by_cancel->last == 4);  // registered 1, earned 2, forfeited 3, cancelled 4
  CHECK_FALSE(by_cancel->replayed);
  CHECK_FALSE(Membership::repeats(erased, earn(1)));
}

TEST_CASE("history stays visible until the same UTC instant one calendar year later") {
  CHECK(one_year_later(kNow) == Timestamp(sys_days(2027y / November / 25) + 9h + 30min));
  const Timestamp leap = Timestamp(sys_days(2028y / February / 29) + 23h + 59min + 1us);
  CHECK(one_year_later(leap) == Timestamp(sys_days(2029y / February / 28) + 23h + 59min + 1us));
  const Timestamp before_leap_day = Timestamp(sys_days(2027y / February / 28) + 1h);
  CHECK(one_year_later(before_leap_day) == Timestamp(sys_days(2028y / February / 28) + 1h));
  // In the year 9999 a year later cannot be written: the last writable instant.
  CHECK(format_rfc3339(one_year_later(Timestamp(sys_days(9999y / March / 1) + 1h))) ==
        "9999-12-31T23:59:59.999999Z");
  CHECK(one_year_later(Timestamp(sys_days(9998y / March / 1))) ==
        Timestamp(sys_days(9999y / March / 1)));
}

TEST_CASE("the process expires the history at the year's end, not before") {
  const auto cancelled = accept(member_with_100(), cancel(kNow));
  const auto until = cancelled.cancellation->history_visible_until;
  const auto item = DueItem{std::string(kHistoryExpiryKind), until - 1s, "C9"};
  CHECK(rejection(cancelled, Membership::on_due(item)) == "history_not_due");
  const auto expired = accept(cancelled, Membership::on_due(DueItem{item.kind, until, "C9"}));
  CHECK(expired.history_expired());
  auto again = Membership::decide(expired, Membership::on_due(DueItem{item.kind, until, "C9"}));
  REQUIRE(again);
  CHECK(again->empty());
}

TEST_CASE("an admin expires a cancelled customer's history now; a second call changes nothing") {
  const auto cancelled = accept(member_with_100(), cancel(kNow));
  auto events = Membership::decide(cancelled, ExpireHistory{"C9", kNow + 1h, {}});
  REQUIRE(events);
  CHECK(std::get<HistoryExpired>(events->front()).on_request);
  const auto expired = accept(cancelled, ExpireHistory{"C9", kNow + 1h, {}});
  auto again = Membership::decide(expired, ExpireHistory{"C9", kNow + 2h, {}});
  REQUIRE(again);
  CHECK(again->empty());
}

TEST_CASE("expiring the history of a customer not cancelled is customer_not_cancelled") {
  CHECK(rejection(member_with_100(), ExpireHistory{"C9", kNow, {}}) == "customer_not_cancelled");
}

TEST_CASE("block_purchases blocks new purchases and is idempotent") {
  const auto blocked = accept(member_with_100(), BlockPurchases{"C9", kNow});
  CHECK(rejection(blocked, buy("P1")) == "purchases_blocked");
  auto again = Membership::decide(blocked, BlockPurchases{"C9", kNow});
  REQUIRE(again);
  CHECK(again->empty());
  // Points still move: only purchases are blocked.
  CHECK(accept(blocked, earn(1)).points == 101);
}

TEST_CASE("erasing records subject.erased, without PII, for the customer's subject") {
  auto events = Membership::decide(member_with_100(), EraseCustomer{"C9", "asked", kNow});
  REQUIRE(events);
  REQUIRE(events->size() == 1);
  const auto& erased = std::get<SubjectErased>(events->front());
  CHECK(erased.subject == "customer:C9");
  CHECK(erased.reason == "asked");
  CHECK(erased.erased_at == kNow);
  const auto after = accept(member_with_100(), EraseCustomer{"C9", "asked", kNow});
  CHECK(answer(after, EraseCustomer{"C9", "asked", kNow})["subject"] == "customer:C9");
}

TEST_CASE("after erasure every command is customer_not_found; the id is not registered again") {
  const auto cancelled = accept(member_with_100(), cancel());
  for (const auto& before : {member_with_100(), cancelled}) {
    const auto erased = accept(before, EraseCustomer{"C9", "asked", kNow + 2h});
    const std::vector<MembershipCommand> commands{earn(1),
                                                  spend(1),
                                                  buy("P1"),
                                                  cancel(),
                                                  ExpireHistory{"C9", kNow + 3h, {}},
                                                  BlockPurchases{"C9", kNow}};
    for (const auto& c : commands) CHECK(rejection(erased, c) == "customer_not_found");
    CHECK(rejection(erased, registration()) == "customer_exists");
  }
}

TEST_CASE("erasing again changes nothing") {
  const auto erased = accept(member_with_100(), EraseCustomer{"C9", "asked", kNow});
  auto again = Membership::decide(erased, EraseCustomer{"C9", "asked twice", kNow + 1h});
  REQUIRE(again);
  CHECK(again->empty());
  CHECK(accept(erased, EraseCustomer{"C9", "x", kNow}).erasure->reason == "asked");
}

}  // namespace
}  // namespace tally::commands::membership
