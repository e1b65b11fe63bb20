// The refund rules of domain.md §1 (reversal by transaction, whole refund of an unused
// coupon, no partial cash-out) on pure decide/evolve.
#include <doctest/doctest.h>

#include "coupons_support.h"

namespace tally::commands::coupons {
namespace {

using namespace std::chrono_literals;
using namespace test;

TEST_CASE("a reversal gives a balance coupon its amount back") {
  auto state = apply(apply({}, issue_balance(1000)), redeem("T1", 300));
  state = apply(state, reversal("T1"));
  CHECK(state.balance == 1000);
  const auto a = answer(state, reversal("T1"));
  CHECK(a["refunded_amount"] == 300);
  CHECK(a["remaining_balance"] == 1000);
  CHECK(a["coupon_status"] == "active");
}

TEST_CASE("a reversal makes a voucher usable again") {
  auto state = apply(apply({}, issue_voucher(500)), swap("", {}));
  state = apply(state, reversal("T1"));
  CHECK(state.status_at(kNow + 2h) == CouponStatus::active);
  const auto a = answer(state, reversal("T1"));
  CHECK(a["refunded_amount"] == 500);
  CHECK(a["remaining_balance"] == 500);
  CHECK(apply(state, redeem("T9", 0)).status_at(kNow + 3h) == CouponStatus::redeemed);
}

TEST_CASE("a reversal on an exhausted coupon makes it active again") {
  auto state = apply(apply({}, issue_balance(100)), redeem("T1", 100));
  state = apply(state, reversal("T1"));
  CHECK(state.status_at(kNow + 2h) == CouponStatus::active);
}

TEST_CASE("after expiry a reversal is recorded but the coupon stays expired") {
  auto state = apply(apply({}, issue_balance(100)), redeem("T1", 100));
  state = apply(state, ExpireCoupon{"c1", kExpiry});
  state = apply(state, reversal("T1", "S1", kExpiry + 1h));
  CHECK(state.balance == 100);
  CHECK(state.status_at(kExpiry + 1h) == CouponStatus::expired);
  CHECK(answer(state, reversal("T1", "S1", kExpiry + 1h))["coupon_status"] == "expired");
  // Also when the expiry time has passed but its event is not recorded yet.
  auto early = apply(apply({}, issue_balance(100)), redeem("T1", 100));
  early = apply(early, reversal("T1", "S1", kExpiry + 1h));
  CHECK(early.status_at(kExpiry + 1h) == CouponStatus::expired);
}

TEST_CASE("only the store that made a redemption reverses it: store_mismatch") {
  const auto state = apply(apply({}, issue_balance()), redeem("T1", 300, "S1"));
  CHECK(rejection(state, reversal("T1", "S2")) == "store_mismatch");
}

TEST_CASE("a redemption is reversed once: transaction_already_refunded") {
  auto state = apply(apply({}, issue_balance()), redeem("T1", 300));
  state = apply(state, reversal("T1"));
  auto other = reversal("T1");
  other.refund_id = "R2";
  CHECK(rejection(state, other) == "transaction_already_refunded");
  other.refund_id = "";
  CHECK(rejection(state, other) == "transaction_already_refunded");
}

TEST_CASE("the same refund retried answers the first and names its append") {
  // issued 1, redeemed 2, reversed 3, redeemed 4
  auto state = apply(apply({}, issue_balance(1000)), redeem("T1", 300));
  state = apply(state, reversal("T1"));
  const auto first = answer(state, reversal("T1"));
  state = apply(state, redeem("T2", 50));
  auto again = Coupons::decide(state, reversal("T1", "S1", kExpiry + 1h));
  REQUIRE(again);
  CHECK(again->empty());
  CHECK(answer(state, reversal("T1", "S1", kExpiry + 1h)) == first);  // "active", as then
  const auto earlier = Coupons::repeats(state, reversal("T1"));
  REQUIRE(earlier);
  CHECK(earlier->first == 3);
  CHECK(earlier->last == 3);
  // A whole refund: by its store and refund id (none here) only.
  auto unused = apply(apply({}, issue_voucher(500)), whole());
  CHECK(Coupons::decide(unused, whole(kNow + 5h))->empty());
  CHECK(Coupons::repeats(unused, whole())->last == 2);
  CHECK(rejection(unused, RefundCoupon{"c1", "S2", "", {}, {}, kNow + 5h}) ==
        "coupon_not_redeemable");
  CHECK(rejection(unused, RefundCoupon{"c1", "S1", "R9", {}, {}, kNow + 5h}) ==
        "coupon_not_redeemable");
}

TEST_CASE("reversing an unknown transaction is transaction_not_found") {
  const auto state = apply(apply({}, issue_balance()), redeem("T1", 300));
  CHECK(rejection(state, reversal("T404")) == "transaction_not_found");
}

TEST_CASE("a refund with an amount is partial_refund_not_supported") {
  const auto state = apply(apply({}, issue_balance()), redeem("T1", 300));
  auto partial = reversal("T1");
  partial.amount = 300;
  CHECK(rejection(state, partial) == "partial_refund_not_supported");
  auto cash_out = whole();
  cash_out.amount = 100;
  CHECK(rejection(apply({}, issue_balance()), cash_out) == "partial_refund_not_supported");
}

TEST_CASE("a whole refund of a partly spent balance coupon is partial_refund_not_supported") {
  const auto state = apply(apply({}, issue_balance(1000)), redeem("T1", 1));
  CHECK(rejection(state, whole()) == "partial_refund_not_supported");
}

TEST_CASE("an unused coupon refunded whole is void for good") {
  for (const auto& issue : {issue_balance(1000), issue_voucher(500)}) {
    const auto state = apply(apply({}, issue), whole());
    CHECK(state.status_at(kNow + 2h) == CouponStatus::void_);
    const auto a = answer(state, whole());
    CHECK(a["refunded_amount"] == issue.face_value);
    CHECK(a["remaining_balance"] == 0);
    CHECK(a["coupon_status"] == "void");
    CHECK(rejection(state, redeem("T1", 1)) == "coupon_not_redeemable");
    CHECK(rejected_with_status(state, redeem("T1", 1)) == "void");
    CHECK(rejected_with_status(state, RefundCoupon{"c1", "S2", "", {}, {}, kNow + 3h}) == "void");
  }
}

TEST_CASE("an unused coupon is refunded whole after its expiry too, and is void") {
  for (const auto& issue : {issue_balance(1000), issue_voucher(500)}) {
    const auto expired = apply(apply({}, issue), ExpireCoupon{"c1", kExpiry});
    const auto refunded = apply(expired, whole(kExpiry + 1h));
    CHECK(refunded.status_at(kExpiry + 1h) == CouponStatus::void_);
    CHECK(answer(refunded, whole(kExpiry + 1h))["refunded_amount"] == issue.face_value);
  }
  // A partly spent one is still no cash-out, expired or not.
  auto spent = apply(apply({}, issue_balance(1000)), redeem("T1", 1));
  CHECK(rejection(spent, whole(kExpiry + 1h)) == "partial_refund_not_supported");
}

TEST_CASE("a coupon whose redemptions were all reversed is unused again") {
  auto state = apply(apply({}, issue_balance(1000)), redeem("T1", 300));
  state = apply(state, reversal("T1"));
  CHECK(apply(state, whole()).voided());
}

TEST_CASE("a used voucher is not refunded whole: coupon_not_redeemable with its status") {
  const auto state = apply(apply({}, issue_voucher()), swap("", {}));
  CHECK(rejection(state, whole()) == "coupon_not_redeemable");
  CHECK(rejected_with_status(state, whole()) == "redeemed");
}

TEST_CASE("states decided from one state do not see each other's redemptions") {
  const auto base = apply(apply({}, issue_balance(1000)), redeem("T1", 100));
  const auto a = apply(base, redeem("T2", 200));
  const auto b = apply(base, redeem("T3", 300));  // branches off: a appended after base
  CHECK(a.redemption("S1", "T2"));
  CHECK_FALSE(a.redemption("S1", "T3"));
  CHECK(b.redemption("S1", "T3"));
  CHECK_FALSE(b.redemption("S1", "T2"));
  CHECK_FALSE(base.redemption("S1", "T2"));
  CHECK(base.redemption("S1", "T1"));
  CHECK(a.balance == 700);
  CHECK(b.balance == 600);
  // A reversal seen by one state is not seen by the state it came from.
  const auto reversed = apply(a, reversal("T1"));
  CHECK(reversed.redemption("S1", "T1")->reversal);
  CHECK_FALSE(a.redemption("S1", "T1")->reversal);
  CHECK(apply(a, reversal("T1")).balance == 800);
}

}  // namespace
}  // namespace tally::commands::coupons
