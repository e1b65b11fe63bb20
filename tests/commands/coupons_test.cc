// The coupon rules of domain.md §1 on pure decide/evolve: no log, no clock. Each error code
// has a test that fails if its rule is removed. Refunds: coupon_refunds_test.cc.
#include "commands/coupons/coupons.h"

#include <doctest/doctest.h>

#include "coupons_support.h"

namespace tally::commands::coupons {
namespace {

using namespace std::chrono_literals;
using namespace test;

TEST_CASE("issuing records the coupon active with its whole value") {
  const auto balance = apply({}, issue_balance(1000));
  CHECK(balance.status_at(kNow) == CouponStatus::active);
  CHECK(balance.redeemable_balance(kNow) == 1000);
  const auto voucher = apply({}, issue_voucher(500));
  CHECK(voucher.product_id == "coffee");
  CHECK(voucher.redeemable_balance(kNow) == 500);
  CHECK(voucher.customer_id == "cust-1");
  // The answer a replay gives keeps the code sealed, and names the event it is bound to.
  const auto a = answer(voucher, issue_voucher(500));
  CHECK(a["sealed_code"] == "7365616c6564");  // hex of "sealed"
  CHECK(a["code_event_id"] == "e1");
  CHECK(a["coupon_status"] == "active");
}

TEST_CASE("a code already issued is coupon_exists") {
  CHECK(rejection(apply({}, issue_balance()), issue_balance()) == "coupon_exists");
}

TEST_CASE("a voucher for a product not in the catalogue is product_not_found") {
  auto c = issue_voucher();
  c.product_price.reset();
  CHECK(rejection({}, c) == "product_not_found");
}

TEST_CASE("a balance coupon naming a product not in the catalogue is product_not_found") {
  auto c = issue_balance();
  c.product_id = "nope";
  CHECK(rejection({}, c) == "product_not_found");
  c.product_price = 450;  // a product that exists: issued, and tied to no product
  CHECK(apply({}, c).product_id.empty());
}

TEST_CASE("issuing with no value or an expiry already past is invalid_field") {
  CHECK(rejection({}, issue_balance(0)) == "invalid_field");
  auto past = issue_balance();
  past.expires_at = kNow;
  CHECK(rejection({}, past) == "invalid_field");
}

TEST_CASE("every command on a coupon never issued is coupon_not_found") {
  CHECK(rejection({}, redeem("T1", 1)) == "coupon_not_found");
  CHECK(rejection({}, reversal("T1")) == "coupon_not_found");
  CHECK(rejection({}, whole()) == "coupon_not_found");
  CHECK(rejection({}, ExpireCoupon{"c1", kExpiry}) == "coupon_not_found");
}

TEST_CASE("a redeem's answer is the text json::dump writes, escapes included") {
  for (const std::string txn : {"T1", "T\"1\\\n\x01"}) {
    CAPTURE(txn);
    const auto state = apply(apply({}, issue_balance(1000)), redeem(txn, 300));
    const auto text = Coupons::answer(state, redeem(txn, 300));
    const auto parsed = nlohmann::json::parse(text);
    CHECK(text == parsed.dump());
    CHECK(parsed == nlohmann::json{{"coupon_status", "active"},
                                   {"message", "redeemed"},
                                   {"redeemed_amount", 300},
                                   {"remaining_balance", 700},
                                   {"transaction_id", txn}});
  }
}

TEST_CASE("a balance coupon deducts any amount up to what is left") {
  auto state = apply(apply({}, issue_balance(1000)), redeem("T1", 300));
  CHECK(state.balance == 700);
  const auto a = answer(state, redeem("T1", 300));
  CHECK(a["redeemed_amount"] == 300);
  CHECK(a["remaining_balance"] == 700);
  CHECK(a["coupon_status"] == "active");
  state = apply(state, redeem("T2", 700));
  CHECK(state.balance == 0);
}

TEST_CASE("a balance coupon never goes below zero: insufficient_balance") {
  const auto state = apply(apply({}, issue_balance(1000)), redeem("T1", 999));
  CHECK(rejection(state, redeem("T2", 2)) == "insufficient_balance");
  CHECK(apply(state, redeem("T2", 1)).balance == 0);
}

TEST_CASE("a redemption of zero or less is invalid_field") {
  const auto state = apply({}, issue_balance());
  CHECK(rejection(state, redeem("T1", 0)) == "invalid_field");
  CHECK(rejection(state, redeem("T1", -5)) == "invalid_field");
}

TEST_CASE("a balance coupon at zero is exhausted and not redeemable, with its status") {
  const auto state = apply(apply({}, issue_balance(100)), redeem("T1", 100));
  CHECK(state.status_at(kNow + 1h) == CouponStatus::exhausted);
  CHECK(answer(state, redeem("T1", 100))["coupon_status"] == "exhausted");
  CHECK(rejection(state, redeem("T2", 1)) == "coupon_not_redeemable");
  CHECK(rejected_with_status(state, redeem("T2", 1)) == "exhausted");
}

TEST_CASE("a voucher is redeemed once, whole, for its designated product") {
  auto state = apply(apply({}, issue_voucher(500)), swap("", {}));
  CHECK(state.status_at(kNow + 1h) == CouponStatus::redeemed);
  const auto a = answer(state, swap("", {}));
  CHECK(a["redeemed_amount"] == 500);
  CHECK(a["remaining_balance"] == 0);
  CHECK(a["coupon_status"] == "redeemed");
  auto again = redeem("T2", 0);
  CHECK(rejection(state, again) == "coupon_not_redeemable");
  CHECK(rejected_with_status(state, again) == "redeemed");
}

TEST_CASE("a voucher swaps for a product priced at most its face value") {
  const auto issued = apply({}, issue_voucher(500));
  CHECK(Coupons::decide(issued, swap("tea", 500)));
  CHECK(Coupons::decide(issued, swap("tea", 120)));
  auto state = apply(issued, swap("tea", 120));
  CHECK(state.balance == 0);  // the difference is never refunded
  CHECK(state.redemption("S1", "T1")->redeemed.product_id == "tea");
}

TEST_CASE("a voucher for a product priced above its face value is product_not_allowed") {
  CHECK(rejection(apply({}, issue_voucher(500)), swap("cake", 501)) == "product_not_allowed");
}

TEST_CASE("the designated product is allowed whatever it costs now") {
  CHECK(Coupons::decide(apply({}, issue_voucher(500)), swap("coffee", 900)));
}

TEST_CASE("swapping for a product not in the catalogue is product_not_found") {
  CHECK(rejection(apply({}, issue_voucher()), swap("ghost", {})) == "product_not_found");
  auto r = redeem("T1", 10);
  r.product_id = "ghost";
  CHECK(rejection(apply({}, issue_balance()), r) == "product_not_found");
}

TEST_CASE("after its expiry time every redemption is coupon_expired, with the status") {
  const auto state = apply({}, issue_balance());
  CHECK(Coupons::decide(state, redeem("T1", 1, "S1", kExpiry - 1us)));
  CHECK(rejection(state, redeem("T1", 1, "S1", kExpiry)) == "coupon_expired");
  CHECK(rejected_with_status(state, redeem("T1", 1, "S1", kExpiry)) == "expired");
  const auto recorded = apply(state, ExpireCoupon{"c1", kExpiry});
  CHECK(recorded.expired);
  CHECK(rejection(recorded, redeem("T1", 1, "S1", kNow + 1h)) == "coupon_expired");
}

TEST_CASE("expiry fires at expires_at only, and once") {
  const auto state = apply({}, issue_balance());
  CHECK(rejection(state, ExpireCoupon{"c1", kExpiry - 1s}) == "expiry_not_due");
  const auto expired = apply(state, ExpireCoupon{"c1", kExpiry});
  CHECK(expired.status_at(kNow) == CouponStatus::expired);
  auto again = Coupons::decide(expired, ExpireCoupon{"c1", kExpiry});
  REQUIRE(again);
  CHECK(again->empty());
  CHECK(std::get<ExpireCoupon>(Coupons::on_due({"coupon_expiry", kExpiry, "c1"})).due == kExpiry);
}

TEST_CASE("a retried POS transaction deducts nothing again and answers the first result") {
  const auto state = apply(apply({}, issue_balance(1000)), redeem("T1", 300));
  auto retry = Coupons::decide(state, redeem("T1", 300));
  REQUIRE(retry);
  CHECK(retry->empty());
  CHECK(answer(state, redeem("T1", 300))["remaining_balance"] == 700);
  // The same transaction id at another store is another transaction.
  CHECK(apply(state, redeem("T1", 300, "S2")).balance == 400);
  // The retry names the redemption's append (issued 1, redeemed 2), even after others.
  const auto later = apply(state, redeem("T2", 100));
  const auto earlier = Coupons::repeats(later, redeem("T1", 300));
  REQUIRE(earlier);
  CHECK(earlier->first == 2);
  CHECK(earlier->last == 2);
  CHECK_FALSE(Coupons::repeats(later, redeem("T9", 1)));
}

TEST_CASE("a POS transaction retried with another body is idempotency_conflict") {
  const auto state = apply(apply({}, issue_balance(1000)), redeem("T1", 300));
  CHECK(rejection(state, redeem("T1", 301)) == "idempotency_conflict");
}

TEST_CASE("a voucher's balance is its face value while active, else 0") {
  const auto state = apply({}, issue_voucher(500));
  CHECK(state.redeemable_balance(kNow) == 500);
  CHECK(state.redeemable_balance(kExpiry) == 0);
  CHECK(apply(state, swap("", {})).redeemable_balance(kNow) == 0);
}

TEST_CASE("a rejection not about the coupon's state carries no status") {
  CHECK_FALSE(rejected_with_status(apply({}, issue_balance(10)), redeem("T1", 11)));
}

}  // namespace
}  // namespace tally::commands::coupons
