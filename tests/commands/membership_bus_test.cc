// The membership domain on the command runtime and a real log: repeated cancel, racing point
// spends, a purchase and its points in one append.
#include <doctest/doctest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

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

TEST_CASE("a second cancel answers the first: replayed under its key, unchanged without") {
  Member m(40);
  auto first = m.bus.execute(CancelMembership{"C9", kNow + 1h}, keyed("customer-cancel/C9"));
  REQUIRE(first);
  const auto head = m.log->head();
  auto again = m.bus.execute(CancelMembership{"C9", kNow + 2h}, keyed("customer-cancel/C9"));
  REQUIRE(again);
  CHECK(again->replayed);
  CHECK(again->last == first->last);
  CHECK(again->answer == first->answer);
  auto unkeyed = m.bus.execute(CancelMembership{"C9", kNow + 3h});
  REQUIRE(unkeyed);
  CHECK(unkeyed->answer == first->answer);  // same cancellation_date and points_forfeited
  CHECK(nlohmann::json::parse(first->answer)["points_forfeited"] == 40);
  CHECK(m.log->head() == head);  // nothing appended
  std::size_t forfeits = 0;
  for (const auto& e : m.events()) forfeits += e.type == "points.forfeited";
  CHECK(forfeits == 1);
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

}  // namespace
}  // namespace tally::commands::membership
