// The schedule rules of coupons and membership: a coupon's expiry is due at expires_at until
// it expires or is refunded; a cancelled customer's history expiry a year on until it expires.
#include "projections/expiry_schedules.h"

#include <doctest/doctest.h>

#include "domain_support.h"

namespace tally::projections {
namespace {

using test::issued;
using test::kT0;
using namespace std::chrono_literals;
using commands::coupons::CouponKind;
namespace coupons = commands::coupons;
namespace membership = commands::membership;

// Schedules needs its rules at construction: a fixture of its own.
struct SchedulesFixture {
  eventstore::test::TempDir dir;
  std::unique_ptr<eventstore::Log> log = eventstore::test::open_log(dir.data());
  std::unique_ptr<eventstore::KvStore> store =
      eventstore::KvStore::open(dir.data() / "views").value();
  Schedules schedules{{{"coupon", coupon_schedule_rule}, {"customer", customer_schedule_rule}}};
  Projector projector{*log, *store, schedules};

  template <class... E>
  void coupon(const std::string& id, E... events) {
    REQUIRE(log->append(eventstore::test::to_stream(
        "coupon-" + id, eventstore::ExpectedVersion::any(), {coupons::encode(events)...})));
  }
  template <class... E>
  void customer(const std::string& id, E... events) {
    REQUIRE(log->append(eventstore::test::to_stream(
        "customer-" + id, eventstore::ExpectedVersion::any(), {membership::encode(events)...})));
  }
  std::vector<ScheduleItem> list() {
    REQUIRE(projector.catch_up());
    return Schedules::list(projector.view().value(), {}).value();
  }
};

ScheduleItem coupon_expiry(std::string id) {
  return {std::string(kCouponExpiryKind), kT0 + 24h, std::move(id)};
}

TEST_CASE("the kinds are the ones the domains' processes fire") {
  CHECK(kCouponExpiryKind == coupons::kExpiryKind);
  CHECK(kHistoryExpiryKind == membership::kHistoryExpiryKind);
}

TEST_CASE("a coupon's expiry is due at expires_at until it expires or is refunded whole") {
  SchedulesFixture f;
  f.coupon("a", issued(CouponKind::balance, 10));
  f.coupon("b", issued(CouponKind::exchange, 10));
  f.coupon("c", issued(CouponKind::balance, 10));
  f.coupon("a", coupons::CouponRedeemed{"S1", "T1", 10, "", 0, 0, kT0});  // still expires
  CHECK(f.list() ==
        std::vector<ScheduleItem>{coupon_expiry("a"), coupon_expiry("b"), coupon_expiry("c")});
  f.coupon("b", coupons::CouponExpired{kT0 + 24h});
  f.coupon("c", coupons::CouponRefunded{"", "S1", 10, kT0});
  CHECK(f.list() == std::vector<ScheduleItem>{coupon_expiry("a")});
}

TEST_CASE("a cancelled customer's history expiry is due a year on until history.expired") {
  SchedulesFixture f;
  const Timestamp until = kT0 + 24h * 365;
  f.customer("C9", membership::CustomerRegistered{"", "C9", "n", "e", "p", kT0},
             membership::CustomerCancelled{kT0, until, 0});
  f.customer("C8", membership::CustomerRegistered{"", "C8", "n", "e", "p", kT0});
  CHECK(f.list() == std::vector<ScheduleItem>{{std::string(kHistoryExpiryKind), until, "C9"}});
  f.customer("C9", membership::HistoryExpired{kT0 + 1h, true});
  CHECK(f.list().empty());
}

TEST_CASE("an erased customer's history expiry is gone from the schedules") {
  SchedulesFixture f;
  f.customer("C9", membership::CustomerRegistered{"", "C9", "n", "e", "p", kT0},
             membership::CustomerCancelled{kT0, kT0 + 24h * 365, 0});
  REQUIRE(f.list().size() == 1);
  f.customer("C9", membership::SubjectErased{"customer:C9", "asked", kT0 + 1h});
  CHECK(f.list().empty());
}

TEST_CASE("the due items fire the domains' own commands") {
  const commands::DueItem item{std::string(kCouponExpiryKind), kT0 + 24h, "a"};
  CHECK(std::get<coupons::ExpireCoupon>(coupons::Coupons::on_due(item)).coupon_id == "a");
  const commands::DueItem history{std::string(kHistoryExpiryKind), kT0, "C9"};
  CHECK(std::get<membership::ExpireHistory>(membership::Membership::on_due(history)).due == kT0);
}

}  // namespace
}  // namespace tally::projections
