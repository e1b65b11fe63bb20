// The balances read model: coupon balances and statuses, customer points, a customer's
// coupons; the same answers as the domain's state, and after a rebuild.
#include "projections/balances.h"

#include <doctest/doctest.h>

#include "domain_support.h"

namespace tally::projections {
namespace {

using namespace commands::coupons;
using namespace commands::membership;
using test::issued;
using test::kT0;
using namespace std::chrono_literals;
using Fixture = test::DomainFixture<Balances>;

CouponBalance coupon_of(Fixture& f, const std::string& id) {
  auto c = Balances::coupon(f.view(), id);
  REQUIRE(c);
  REQUIRE(*c);
  return **c;
}

TEST_CASE("a balance coupon's row follows its redemptions and reversals") {
  Fixture f;
  f.coupon("c1", issued(CouponKind::balance, 1000, "C9"));
  f.coupon("c1", CouponRedeemed{"S1", "T1", 300, "", 0, 700, kT0},
           CouponRedeemed{"S1", "T2", 700, "", 0, 0, kT0});
  auto c = coupon_of(f, "c1");
  CHECK(c.balance == 0);
  CHECK(c.status_at(kT0) == "exhausted");
  CHECK(c.sealed_code == std::string("\x01\xff\x00sealed", 9));
  CHECK_FALSE(c.code_event_id.empty());
  f.coupon("c1", CouponRedemptionRefunded{"R1", "S1", "T1", 300, 300, kT0});
  c = coupon_of(f, "c1");
  CHECK(c.balance == 300);
  CHECK(c.status_at(kT0) == "active");
  CHECK(c.shown_balance(kT0) == 300);
}

TEST_CASE("a voucher shows its face value while active, else 0") {
  Fixture f;
  f.coupon("v1", issued(CouponKind::exchange, 500));
  CHECK(coupon_of(f, "v1").shown_balance(kT0) == 500);
  CHECK(coupon_of(f, "v1").shown_balance(kT0 + 24h) == 0);  // past expires_at
  f.coupon("v1", CouponRedeemed{"S1", "T1", 500, "coffee", 0, 0, kT0});
  CHECK(coupon_of(f, "v1").status_at(kT0) == "redeemed");
  CHECK(coupon_of(f, "v1").shown_balance(kT0) == 0);
}

TEST_CASE("expired and void coupons read so, void first") {
  Fixture f;
  f.coupon("a", issued(CouponKind::balance, 10), CouponExpired{kT0 + 24h});
  f.coupon("b", issued(CouponKind::balance, 10), CouponRefunded{"", "S1", 10, kT0});
  CHECK(coupon_of(f, "a").status_at(kT0) == "expired");
  CHECK(coupon_of(f, "b").status_at(kT0 + 48h) == "void");
  CHECK(coupon_of(f, "b").shown_balance(kT0) == 0);
  f.coupon("c", issued(CouponKind::balance, 10), CouponRefunded{"", "S1", 10, kT0},
           CouponExpired{kT0 + 24h});
  CHECK(coupon_of(f, "c").expired);
  CHECK(coupon_of(f, "c").voided);
  CHECK(coupon_of(f, "c").status_at(kT0) == "void");
  CHECK_FALSE(Balances::coupon(f.view(), "nope").value());
}

TEST_CASE("the read model's status is the domain's, for every path") {
  Fixture f;
  CouponState state;
  const std::vector<CouponEvent> events{
      issued(CouponKind::balance, 100), CouponRedeemed{"S1", "T1", 100, "", 0, 0, kT0},
      CouponRedemptionRefunded{"", "S1", "T1", 100, 100, kT0}, CouponExpired{kT0 + 24h}};
  for (const auto& e : events) {
    state = Coupons::evolve(state, e);
    std::visit([&](const auto& one) { f.coupon("p", one); }, e);
    for (auto at : {kT0, kT0 + 24h}) {
      CHECK(coupon_of(f, "p").status_at(at) == status_name(state.status_at(at)));
      CHECK(coupon_of(f, "p").shown_balance(at) == state.redeemable_balance(at));
    }
  }
}

TEST_CASE("points follow earn, spend and forfeit; unknown customers have none") {
  Fixture f;
  f.customer("C9", CustomerRegistered{"", "C9", "n", "e", "p", kT0});
  CHECK(Balances::points(f.view(), "C9").value() == 0);
  f.customer("C9", PointsEarned{100, "r", 100, kT0}, PointsSpent{30, "r", 70, "", kT0});
  CHECK(Balances::points(f.view(), "C9").value() == 70);
  f.customer("C9", PointsForfeited{70, kT0}, CustomerCancelled{kT0, kT0 + 24h, 70});
  CHECK(Balances::points(f.view(), "C9").value() == 0);
  CHECK_FALSE(Balances::points(f.view(), "C8").value());
}

TEST_CASE("a customer's coupons are the ones issued to them, in the order they were issued") {
  Fixture f;
  f.coupon("c1", issued(CouponKind::balance, 10, "C9"));
  f.coupon("c3", issued(CouponKind::balance, 30, "C99"));
  f.coupon("c4", issued(CouponKind::balance, 40));
  f.coupon("a2", issued(CouponKind::exchange, 20, "C9"));  // an id before c1's, issued after
  auto mine = Balances::coupons_of(f.view(), "C9").value().coupons;
  REQUIRE(mine.size() == 2);
  CHECK(mine[0].coupon_id == "c1");
  CHECK(mine[1].coupon_id == "a2");
  CHECK(mine[1].kind == "exchange");
  CHECK(Balances::coupons_of(f.view(), "C99").value().coupons.size() == 1);
  CHECK(Balances::coupons_of(f.view(), "C").value().coupons.empty());
  // Paged: a page ends where the next one starts, and the last has no next.
  f.coupon("b5", issued(CouponKind::balance, 50, "C9"));
  auto first = Balances::coupons_of(f.view(), "C9", 0, 2).value();
  REQUIRE(first.coupons.size() == 2);
  CHECK(first.coupons[1].coupon_id == "a2");
  REQUIRE(first.next);
  auto second = Balances::coupons_of(f.view(), "C9", *first.next, 2).value();
  REQUIRE(second.coupons.size() == 1);
  CHECK(second.coupons[0].coupon_id == "b5");
  CHECK_FALSE(second.next);
  CHECK_FALSE(Balances::coupons_of(f.view(), "C9", 0, 3).value().next);
}

TEST_CASE("a rebuild of balances gives identical rows and answers") {
  Fixture f;
  f.coupon("c1", issued(CouponKind::balance, 1000, "C9"),
           CouponRedeemed{"S1", "T1", 300, "", 0, 700, kT0});
  f.coupon("c2", issued(CouponKind::exchange, 500, "C9"), CouponRefunded{"", "S2", 500, kT0});
  f.customer("C9", CustomerRegistered{"", "C9", "n", "e", "p", kT0},
             PointsEarned{50, "r", 50, kT0});
  const auto before = f.rows();
  f.rebuild();
  CHECK(f.rows() == before);
  CHECK(coupon_of(f, "c1").balance == 700);
  CHECK(Balances::points(f.view(), "C9").value() == 50);
}

TEST_CASE("an event for a coupon never issued stops the model as corruption") {
  Fixture f;
  f.coupon("ghost", CouponRedeemed{"S1", "T1", 1, "", 0, 0, kT0});
  auto r = f.projector.catch_up();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::corruption);
}

TEST_CASE("subject.erased removes the customer's points and coupon list; the coupons stay") {
  Fixture f;
  f.customer("C9", CustomerRegistered{"", "C9", "n", "e", "p", kT0},
             PointsEarned{50, "r", 50, kT0});
  f.coupon("c1", issued(CouponKind::balance, 10, "C9"));
  f.coupon("c3", issued(CouponKind::balance, 30, "C99"));
  f.view();  // c1's row stored: the erasure finds it in the store
  f.coupon("c2", issued(CouponKind::exchange, 20, "C9"));
  f.customer("C9", SubjectErased{"customer:C9", "asked", kT0});
  CHECK_FALSE(Balances::points(f.view(), "C9").value());
  CHECK(Balances::coupons_of(f.view(), "C9").value().coupons.empty());
  CHECK(Balances::coupons_of(f.view(), "C99").value().coupons.size() == 1);
  CHECK(coupon_of(f, "c1").balance == 10);
  for (const auto& [key, value] : f.rows()) CHECK(key.find("/C9/") == std::string::npos);
  const auto before = f.rows();
  f.rebuild();  // the owned rows of c1 and c2 are in the same step there
  CHECK(f.rows() == before);
}

}  // namespace
}  // namespace tally::projections
