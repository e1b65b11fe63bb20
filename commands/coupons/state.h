// What a coupon is now, folded from its events by evolve (evolve.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "commands/coupons/events.h"
#include "commands/coupons/redemptions.h"

namespace tally::commands::coupons {

// domain.md §1. `void` is a keyword, hence the underscore.
enum class CouponStatus { active, redeemed, exhausted, expired, void_ };
std::string_view status_name(CouponStatus status);

struct CouponState {
  std::uint64_t version = 0;  // events folded: the stream's version
  bool issued = false;
  CouponKind kind = CouponKind::balance;
  std::int64_t face_value = 0;
  std::string product_id;
  Timestamp expires_at;
  std::string customer_id;
  std::int64_t balance = 0;  // left to redeem: a voucher's face value until it is redeemed
  bool expired = false;      // coupon.expired recorded
  std::optional<CouponRefunded> whole_refund;  // what voided it, at this version:
  std::uint64_t whole_refund_version = 0;      // its retry answers it again
  // A POS transaction is the pair (store_id, transaction_id) (domain.md §1 Idempotency).
  Redemptions redemptions;

  // Status at `now`: an expiry time that has passed counts before its event is recorded, so
  // the answer does not depend on how promptly the process runner fired. A void coupon stays
  // void; an expired one reads expired even when it is also used up, so a reversal after
  // expiry leaves it expired (domain.md §1 Refund).
  CouponStatus status_at(Timestamp now) const;
  // api.md `balance`: a balance coupon's remaining value; a voucher's face value while it is
  // active, else 0.
  std::int64_t redeemable_balance(Timestamp now) const;
  bool unused() const { return balance == face_value; }
  bool voided() const { return whole_refund.has_value(); }  // refunded whole
  std::optional<Redemption> redemption(const std::string& store_id,
                                       const std::string& transaction_id) const {
    return redemptions.find(store_id, transaction_id);
  }
};

CouponState evolve(CouponState state, const CouponEvent& event);

}  // namespace tally::commands::coupons
