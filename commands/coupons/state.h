// What a coupon is now, folded from its events by evolve (evolve.cc).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "commands/coupons/events.h"

namespace tally::commands::coupons {

// domain.md §1. `void` is a keyword, hence the underscore.
enum class CouponStatus { active, redeemed, exhausted, expired, void_ };
std::string_view status_name(CouponStatus status);

struct Redemption {
  CouponRedeemed redeemed;
  std::optional<CouponRedemptionRefunded> reversal;  // set once: a redemption reverses once
};

struct CouponState {
  bool issued = false;
  CouponKind kind = CouponKind::balance;
  std::int64_t face_value = 0;
  std::string product_id;
  Timestamp expires_at;
  std::string customer_id;
  std::int64_t balance = 0;  // left to redeem: a voucher's face value until it is redeemed
  bool expired = false;      // coupon.expired recorded
  bool voided = false;       // refunded whole
  // By (transaction_id, store_id): a POS transaction is the pair (domain.md §1 Idempotency),
  // and ordering by transaction first finds the same id at another store (store_mismatch).
  std::map<std::pair<std::string, std::string>, Redemption> redemptions;

  // Status at `now`: an expiry time that has passed counts before its event is recorded, so
  // the answer does not depend on how promptly the process runner fired. A void coupon stays
  // void; an expired one reads expired even when it is also used up, so a reversal after
  // expiry leaves it expired (domain.md §1 Refund).
  CouponStatus status_at(Timestamp now) const;
  // api.md `balance`: a balance coupon's remaining value; a voucher's face value while it is
  // active, else 0.
  std::int64_t redeemable_balance(Timestamp now) const;
  bool unused() const { return balance == face_value; }
  const Redemption* redemption(const std::string& store_id,
                               const std::string& transaction_id) const;
  // Whether some other store made a redemption with this transaction id.
  bool made_elsewhere(const std::string& store_id, const std::string& transaction_id) const;
};

CouponState evolve(CouponState state, const CouponEvent& event);

}  // namespace tally::commands::coupons
