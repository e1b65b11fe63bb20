// Shared by the coupon rule tests: commands of a balance coupon and a voucher, and the
// decide-then-fold steps, on pure decide/evolve.
#pragma once

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "commands/coupons/coupons.h"

namespace tally::commands::coupons::test {

using namespace std::chrono_literals;

inline const Timestamp kNow = Timestamp(std::chrono::hours(24 * 20000 + 12));
inline const Timestamp kExpiry = kNow + 24h * 30;

inline IssueCoupon issue_balance(std::int64_t value = 1000) {
  return IssueCoupon{"c1", "e1", "sealed", CouponKind::balance, value, "", {}, kExpiry, "", kNow};
}
inline IssueCoupon issue_voucher(std::int64_t value = 500) {
  return IssueCoupon{"c1",    "e1",     "sealed", CouponKind::exchange, value, "coffee", 450,
                     kExpiry, "cust-1", kNow};
}
inline RedeemCoupon redeem(std::string txn, std::int64_t amount, std::string store = "S1",
                           Timestamp at = kNow + 1h) {
  return RedeemCoupon{"c1", std::move(store), std::move(txn), amount, "", {}, at};
}
inline RedeemCoupon swap(std::string product, std::optional<std::int64_t> price) {
  return RedeemCoupon{"c1", "S1", "T1", 0, std::move(product), price, kNow + 1h};
}
inline RefundCoupon reversal(std::string txn, std::string store = "S1", Timestamp at = kNow + 2h) {
  return RefundCoupon{"c1", std::move(store), "R1", std::move(txn), {}, at};
}
inline RefundCoupon whole(Timestamp at = kNow + 2h) {
  return RefundCoupon{"c1", "S1", "", {}, {}, at};
}

// Decides and folds: the state after an accepted command; fails the test on a rejection.
inline CouponState apply(CouponState state, const CouponCommand& command) {
  auto events = Coupons::decide(state, command);
  REQUIRE_MESSAGE(events, (events ? "" : events.error().code));
  for (const auto& e : *events) state = Coupons::evolve(std::move(state), e);
  return state;
}

inline std::string rejection(const CouponState& state, const CouponCommand& command) {
  auto r = Coupons::decide(state, command);
  REQUIRE_FALSE(r);
  return r.error().code;
}

inline std::optional<std::string> rejected_with_status(const CouponState& state,
                                                       const CouponCommand& command) {
  auto r = Coupons::decide(state, command);
  REQUIRE_FALSE(r);
  return rejected_status(r.error().message);
}

inline nlohmann::json answer(const CouponState& after, const CouponCommand& command) {
  return nlohmann::json::parse(Coupons::answer(after, command));
}

}  // namespace tally::commands::coupons::test
