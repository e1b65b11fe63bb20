// The membership domain on the command runtime and a real log: repeated cancel, racing point
// spends, a purchase and its points in one append, erasure with the key store.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <atomic>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "commands/membership/erasure.h"
#include "commands/membership/membership.h"
#include "eventstore/support.h"

namespace tally::commands::membership {
namespace {

using eventstore::test::open_log;
using eventstore::test::TempDir;
using namespace std::chrono_literals;

const Timestamp kNow = Timestamp(std::chrono::hours(24 * 20000 + 12));

Context keyed(std::string key) {
  Context c;
  c.idempotency_key = std::move(key);
  c.fingerprint = "{}";
  c.actor = "test";
  return c;
}

struct Member {
  TempDir dir;
  std::unique_ptr<eventstore::Log> log = open_log(dir.data());
  CommandBus<Membership> bus{*log};
  Member(std::int64_t points) {
    REQUIRE(bus.execute(RegisterCustomer{"C9", "", "n", "e", "p", kNow}));
    REQUIRE(bus.execute(EarnPoints{"C9", points, "welcome", kNow}));
  }
  std::vector<eventstore::RecordedEvent> events() {
    return log->read_stream("customer-C9", StreamVersion(1), 1000).value();
  }
};

TEST_CASE("a second cancel answers the first: replayed under its key, and after it is pruned") {
  Member m(40);
  auto first = m.bus.execute(CancelMembership{"C9", kNow + 1h}, keyed("customer-cancel/C9"));
  REQUIRE(first);
  CHECK(first->last.value == first->first.value + 1);  // points.forfeited, customer.cancelled
  const auto head = m.log->head();
  auto again = m.bus.execute(CancelMembership{"C9", kNow + 2h}, keyed("customer-cancel/C9"));
  REQUIRE(again);
  CHECK(again->replayed);
  CHECK(again->last == first->last);
  CHECK(again->answer == first->answer);
  CHECK(m.log->head() == head);  // nothing appended
  // The stream moves on; then, with no record of the key (as after the retention), the
  // domain answers the same cancellation at the same positions, also when folded afresh.
  REQUIRE(m.bus.execute(ExpireHistory{"C9", kNow + 3h, {}}));
  CommandBus<Membership> fresh(*m.log);
  for (auto* bus : {&m.bus, &fresh}) {
    auto unkeyed = bus->execute(CancelMembership{"C9", kNow + 4h});
    REQUIRE(unkeyed);
    CHECK(unkeyed->replayed);
    CHECK(unkeyed->first == first->first);
    CHECK(unkeyed->last == first->last);
    CHECK(unkeyed->answer == first->answer);  // same cancellation_date and points_forfeited
  }
  CHECK(nlohmann::json::parse(first->answer)["points_forfeited"] == 40);
  std::size_t forfeits = 0;
  for (const auto& e : m.events()) forfeits += e.type == "points.forfeited";
  CHECK(forfeits == 1);
}

TEST_CASE("a command accepted without events remembers its key (a fresh bus replays it)") {
  Member m(40);
  REQUIRE(m.bus.execute(RegisterCustomer{"C8", "", "n", "e", "p", kNow}));
  auto block = m.bus.execute(BlockPurchases{"C9", kNow});
  REQUIRE(block);
  REQUIRE(m.bus.execute(BlockPurchases{"C8", kNow}));
  const Position head = m.log->head();
  Context first = keyed("admin/b-1");
  first.fingerprint = R"({"customer":"C9"})";
  auto confirm = m.bus.execute(BlockPurchases{"C9", kNow}, first);  // changes nothing
  REQUIRE(confirm);
  CHECK_FALSE(confirm->replayed);
  CHECK(confirm->last == block->last);
  CHECK(m.log->head() == head);
  // The key now belongs to that request: another body is a conflict, not decided afresh.
  Context other = keyed("admin/b-1");
  other.fingerprint = R"({"customer":"C8"})";
  auto reused = m.bus.execute(BlockPurchases{"C8", kNow}, other);
  REQUIRE_FALSE(reused);
  CHECK(reused.error().code == Code::idempotency_conflict);
  CommandBus<Membership> restarted(*m.log);
  auto again = restarted.execute(BlockPurchases{"C9", kNow}, first);
  REQUIRE(again);
  CHECK(again->replayed);
  CHECK(again->last == block->last);
  CHECK(again->answer == confirm->answer);
  CHECK(m.log->head() == head);
  // Two at once with a new key: the second waits for the first's record and replays it.
  Context twin = keyed("admin/b-2");
  std::promise<Result<Outcome>> a, b;
  m.bus.execute_async(BlockPurchases{"C9", kNow}, twin,
                      [&](Result<Outcome> r) { a.set_value(std::move(r)); });
  m.bus.execute_async(BlockPurchases{"C9", kNow}, twin,
                      [&](Result<Outcome> r) { b.set_value(std::move(r)); });
  auto ra = a.get_future().get(), rb = b.get_future().get();
  REQUIRE(ra);
  REQUIRE(rb);
  CHECK(ra->replayed != rb->replayed);
  CHECK(ra->last == block->last);
  CHECK(rb->last == block->last);
  CHECK(m.log->find_outcome("admin/b-2").value().has_value());
}

TEST_CASE("a repeat decided while the first append syncs is answered after it, the same") {
  Member m(40);
  for (int round = 0; round < 6; ++round) {
    const std::string id = fmt::format("B{}", round);
    REQUIRE(m.bus.execute(RegisterCustomer{id, "", "n", "e", "p", kNow}));
    const bool cancel = round % 2 == 0;
    const MembershipCommand command =
        cancel ? MembershipCommand(CancelMembership{id, kNow}) : BlockPurchases{id, kNow};
    std::promise<Result<Outcome>> first, second;
    std::atomic<bool> first_done{false}, second_before_first{false};
    // Both decided at once on this thread, without keys: the second on the state with the
    // first's append still syncing.
    m.bus.execute_async(command, {}, [&](Result<Outcome> r) {
      first_done = true;
      first.set_value(std::move(r));
    });
    m.bus.execute_async(command, {}, [&](Result<Outcome> r) {
      if (!first_done) second_before_first = true;
      second.set_value(std::move(r));
    });
    auto a = first.get_future().get();
    auto b = second.get_future().get();
    REQUIRE(a);
    REQUIRE(b);
    CHECK_FALSE(second_before_first);  // never acknowledged before what it confirms is durable
    CHECK(b->replayed == cancel);      // a second block confirms; a second cancel replays
    CHECK(b->first == a->first);
    CHECK(b->last == a->last);
  }
}

TEST_CASE("30 racing spends of 10 on 100 points: exactly 10 accepted, never below zero") {
  Member m(100);
  std::atomic<int> accepted{0}, short_of_points{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 30; ++i)
    callers.emplace_back([&] {
      auto r = m.bus.execute(SpendPoints{"C9", 10, "gift", kNow});
      if (r)
        ++accepted;
      else if (r.error().reason == "insufficient_points")
        ++short_of_points;
    });
  for (auto& t : callers) t.join();
  CHECK(accepted == 10);
  CHECK(short_of_points == 20);
}

TEST_CASE("a purchase and the points it uses are appended together") {
  Member m(100);
  auto r = m.bus.execute(RecordPurchase{"C9", "P1", {{"p1", "Tea", 1, 500}}, 500, 30, kNow});
  REQUIRE(r);
  CHECK(r->last.value == r->first.value + 1);
  CHECK(nlohmann::json::parse(r->answer)["points"] == 70);
  const auto events = m.events();
  REQUIRE(events.size() == 4);
  CHECK(events[2].type == "purchase.recorded");
  CHECK(events[3].type == "points.spent");
}

TEST_CASE("erasure destroys the subject key, records subject.erased once, and answers again") {
  Member m(10);
  REQUIRE(m.log->keys().get_or_create("customer:C9"));
  Context by;
  by.actor = "admin:k1";
  auto first = erase_customer(m.bus, m.log->keys(), {"C9", "asked", kNow}, by);
  REQUIRE(first);
  CHECK(m.log->keys().get("customer:C9").error().code == Code::subject_erased);
  const auto events = m.events();
  CHECK(events.back().type == "subject.erased");
  CHECK(events.back().actor == "admin:k1");
  CHECK(first->last == events.back().position);
  auto again = erase_customer(m.bus, m.log->keys(), {"C9", "another reason", kNow + 1h}, by);
  REQUIRE(again);
  CHECK(again->replayed);
  CHECK(again->last == first->last);
  CHECK(m.events().size() == events.size());
  auto refused = m.bus.execute(EarnPoints{"C9", 1, "x", kNow});
  CHECK(refused.error().reason == "customer_not_found");
}

TEST_CASE("after erasure a retry is customer_not_found, not the stored answer about them") {
  Member m(10);
  REQUIRE(m.log->keys().get_or_create("customer:C9"));
  const RecordPurchase purchase{"C9", "P1", {{"p1", "Tea", 1, 500}}, 500, 0, kNow};
  REQUIRE(m.bus.execute(purchase, keyed("purchase/C9/P1")));
  REQUIRE(m.bus.execute(CancelMembership{"C9", kNow + 1h}, keyed("customer-cancel/C9")));
  // Before the erasure both retries replay.
  CHECK(m.bus.execute(purchase, keyed("purchase/C9/P1"))->replayed);
  REQUIRE(erase_customer(m.bus, m.log->keys(), {"C9", "asked", kNow + 2h}, {}));
  for (auto* key : {"purchase/C9/P1", "customer-cancel/C9"}) {
    CAPTURE(key);
    auto retry = std::string(key) == "purchase/C9/P1"
                     ? m.bus.execute(purchase, keyed(key))
                     : m.bus.execute(CancelMembership{"C9", kNow + 3h}, keyed(key));
    REQUIRE_FALSE(retry);
    CHECK(retry.error().reason == "customer_not_found");
  }
  // The erasure's own retry still answers the erasure.
  auto again = erase_customer(m.bus, m.log->keys(), {"C9", "asked", kNow + 3h}, {});
  REQUIRE(again);
  CHECK(again->replayed);
}

TEST_CASE("an erasure cut off after the key went is recorded at the next start, as asked") {
  Member m(10);
  Context by;
  by.actor = "admin:k1";
  by.correlation_id = "corr-1";
  // As if the process died right after destroying the key (inside erase_customer).
  REQUIRE(m.log->keys().destroy(
      "customer:C9", R"({"customer_id":"C9","reason":"asked","at_us":1000000,"actor":"admin:k1",)"
                     R"("correlation_id":"corr-1"})"));
  CHECK(m.events().back().type != "subject.erased");
  auto finished = finish_erasures(m.bus, m.log->keys());
  REQUIRE(finished);
  CHECK(*finished == std::vector<std::string>{"customer:C9"});
  const auto last = m.events().back();
  CHECK(last.type == "subject.erased");
  CHECK(last.actor == "admin:k1");
  CHECK(last.correlation_id == "corr-1");
  CHECK(last.payload.find("asked") != std::string::npos);
  CHECK(m.bus.execute(EarnPoints{"C9", 1, "x", kNow}).error().reason == "customer_not_found");
  // Settled: the next start finds nothing to finish, and asking again replays.
  CHECK(finish_erasures(m.bus, m.log->keys())->empty());
  auto again = erase_customer(m.bus, m.log->keys(), {"C9", "again", kNow}, by);
  REQUIRE(again);
  CHECK(again->replayed);
  CHECK(m.log->keys().unsettled_erasures()->empty());
}

TEST_CASE("an erasure cut off after the key went is completed by asking again") {
  Member m(10);
  REQUIRE(m.log->keys().get_or_create("customer:C9"));
  REQUIRE(m.log->keys().destroy("customer:C9"));  // as if the process died right here
  auto done = erase_customer(m.bus, m.log->keys(), {"C9", "asked", kNow}, {});
  REQUIRE(done);
  CHECK_FALSE(done->replayed);
  CHECK(m.events().back().type == "subject.erased");
}

TEST_CASE("erasing a customer nobody registered is customer_not_found and destroys nothing") {
  Member m(10);
  auto r = erase_customer(m.bus, m.log->keys(), {"NOBODY", "asked", kNow}, {});
  CHECK(r.error().reason == "customer_not_found");
  CHECK(m.log->keys().get("customer:NOBODY").error().code == Code::not_found);
  const auto head = m.log->head();
  // A key but no registration (a registration that never got appended): still not found.
  REQUIRE(m.log->keys().get_or_create("customer:HALF"));
  CHECK(erase_customer(m.bus, m.log->keys(), {"HALF", "asked", kNow}, {}).error().reason ==
        "customer_not_found");
  CHECK(m.log->head() == head);
}

}  // namespace
}  // namespace tally::commands::membership
