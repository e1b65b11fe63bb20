// Expiries end to end under the test clock: the schedules read model lists a coupon's expiry
// and a cancelled customer's history expiry, the process runner fires the domains' on_due
// commands when the clock reaches them, and the read models answer accordingly.
#include <doctest/doctest.h>

#include "commands/coupons/coupons.h"
#include "commands/membership/membership.h"
#include "commands/process_runner.h"
#include "eventstore/support.h"
#include "projections/balances.h"
#include "projections/expiry_schedules.h"
#include "projections/purchase_history.h"

namespace tally::projections {
namespace {

using namespace std::chrono_literals;
namespace coupons = commands::coupons;
namespace membership = commands::membership;

const Timestamp kT0 = Timestamp(std::chrono::hours(24 * 20000 + 12));

// The schedules as the runner's DueItems (tools/wiring does the same for the server).
class DueFromSchedules final : public commands::DueItems {
 public:
  explicit DueFromSchedules(Projector& p) : projector_(p) {}
  Result<std::vector<commands::DueItem>> due(Timestamp until, std::size_t max) const override {
    auto view = projector_.view();
    if (!view) return tl::unexpected(view.error());
    Schedules::Query q;
    q.to = until + 1us;
    q.limit = max;
    auto items = Schedules::list(*view, q);
    if (!items) return tl::unexpected(items.error());
    std::vector<commands::DueItem> due;
    for (auto& i : *items) due.push_back({i.kind, i.due_at, i.ref});
    return due;
  }
  Result<std::optional<Timestamp>> next_due() const override {
    auto items = due(Timestamp::max() - 1us, 1);
    if (!items) return tl::unexpected(items.error());
    if (items->empty()) return std::optional<Timestamp>();
    return std::optional<Timestamp>(items->front().due_at);
  }
  void wait_for_change(std::chrono::milliseconds timeout) const override {
    projector_.wait_for(Position(projector_.position().value + 1), timeout);
  }

 private:
  Projector& projector_;
};

struct Server {
  TestClock clock{kT0};
  eventstore::test::TempDir dir;
  std::unique_ptr<eventstore::Log> log = eventstore::test::open_log(dir.data());
  std::unique_ptr<eventstore::KvStore> store =
      eventstore::KvStore::open(dir.data() / "views").value();
  Schedules schedules{{{"coupon", coupon_schedule_rule}, {"customer", customer_schedule_rule}}};
  Projector schedules_projector{*log, *store, schedules};
  Balances balances;
  Projector balances_projector{*log, *store, balances};
  PurchaseHistory history;
  Projector history_projector{*log, *store, history};
  commands::CommandBus<coupons::Coupons> coupon_bus{*log};
  commands::CommandBus<membership::Membership> member_bus{*log};
  DueFromSchedules due{schedules_projector};
  commands::ProcessRunner runner{
      clock,
      due,
      {{std::string(coupons::kExpiryKind),
        commands::fire_through(coupon_bus, coupons::Coupons::on_due)},
       {std::string(membership::kHistoryExpiryKind),
        commands::fire_through(member_bus, membership::Membership::on_due)}}};

  // One round of the runner once every read model has caught up; how many fired.
  std::size_t fire() {
    for (auto* p : {&schedules_projector, &balances_projector, &history_projector})
      REQUIRE(p->catch_up());
    auto fired = runner.run_once();
    REQUIRE(fired);
    for (auto* p : {&schedules_projector, &balances_projector, &history_projector})
      REQUIRE(p->catch_up());
    return *fired;
  }
};

TEST_CASE("a coupon expires when the clock reaches expires_at, fired once by the runner") {
  Server s;
  REQUIRE(s.coupon_bus.execute(coupons::IssueCoupon{
      "c1", "", "sealed", coupons::CouponKind::balance, 100, "", {}, kT0 + 1h, "", kT0}));
  CHECK(s.fire() == 0);
  s.clock.advance(1h);
  CHECK(s.fire() == 1);
  auto row = Balances::coupon(s.balances_projector.view().value(), "c1").value().value();
  CHECK(row.expired);
  CHECK(Schedules::list(s.schedules_projector.view().value(), {}).value().empty());
  CHECK(s.fire() == 0);
  auto late =
      s.coupon_bus.execute(coupons::RedeemCoupon{"c1", "S1", "T1", 1, "", {}, s.clock.now()});
  REQUIRE_FALSE(late);
  CHECK(late.error().reason == "coupon_expired");
}

TEST_CASE("a cancelled customer's history expires a calendar year later, by the runner") {
  Server s;
  REQUIRE(s.member_bus.execute(membership::RegisterCustomer{"C9", "", "n", "e", "p", kT0}));
  REQUIRE(s.member_bus.execute(membership::CancelMembership{"C9", kT0}));
  const auto until = membership::one_year_later(kT0);
  s.clock.advance(until - kT0 - 1s);
  CHECK(s.fire() == 0);
  auto view = s.history_projector.view().value();
  CHECK_FALSE(PurchaseHistory::purchases(view, "C9", s.clock.now()).value().refused);
  s.clock.advance(1s);
  CHECK(s.fire() == 1);
  view = s.history_projector.view().value();
  CHECK(PurchaseHistory::status(view, "C9").value()->history_expired);
  CHECK(PurchaseHistory::purchases(view, "C9", s.clock.now()).value().refused == "history_expired");
}

TEST_CASE("an admin's purchases/expire takes the pending history expiry with it") {
  Server s;
  REQUIRE(s.member_bus.execute(membership::RegisterCustomer{"C9", "", "n", "e", "p", kT0}));
  REQUIRE(s.member_bus.execute(membership::CancelMembership{"C9", kT0}));
  CHECK(s.fire() == 0);
  CHECK(Schedules::list(s.schedules_projector.view().value(), {}).value().size() == 1);
  REQUIRE(s.member_bus.execute(membership::ExpireHistory{"C9", kT0 + 1h, {}}));
  CHECK(s.fire() == 0);
  CHECK(Schedules::list(s.schedules_projector.view().value(), {}).value().empty());
  s.clock.advance(24h * 400);
  CHECK(s.fire() == 0);
}

}  // namespace
}  // namespace tally::projections
