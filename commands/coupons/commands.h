// What can be asked of a coupon (domain.md §1, api.md Coupons). Every command names the
// coupon by its internal id (codes.h), never by its code, and carries its time: decide never
// reads a clock. What the edge looks up (the product's catalogue price, the sealed code) comes
// inside the command too, so decide stays pure and decided on the coupon's stream alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "core/clock.h"

namespace tally::commands::coupons {

enum class CouponKind { exchange, balance };

// Admin: POST /api/v1/coupons.
struct IssueCoupon {
  std::string coupon_id;    // coupon_id_of(key, code)
  std::string event_id;     // the coupon.issued event's id, which the sealed code is bound to
  std::string sealed_code;  // seal(coupon key, {"coupon:<id>", event_id, "coupon_code"}, code)
  CouponKind kind = CouponKind::balance;
  std::int64_t face_value = 0;
  std::string product_id;  // exchange: the designated product; balance: checked, not kept
  // The catalogue price of product_id as the edge found it; nullopt: not in the catalogue.
  std::optional<std::int64_t> product_price;
  Timestamp expires_at;
  std::string customer_id;  // empty: issued to nobody in particular
  Timestamp now;
};

// POS: POST /api/v1/coupon/redeem. (store_id, transaction_id) is the POS transaction.
struct RedeemCoupon {
  std::string coupon_id;
  std::string store_id;
  std::string transaction_id;
  std::int64_t amount = 0;  // balance kind: what to deduct; ignored for a voucher
  std::string product_id;   // exchange: empty means the designated product
  // The catalogue price of product_id (when product_id is not empty); nullopt: unknown.
  std::optional<std::int64_t> product_price;
  Timestamp now;
};

// POS: POST /api/v1/coupon/refund. With a transaction_id it reverses that redemption; without
// one it refunds an unused coupon whole.
struct RefundCoupon {
  std::string coupon_id;
  std::string store_id;
  std::string refund_id;  // the caller's, may be empty
  std::optional<std::string> transaction_id;
  std::optional<std::int64_t> amount;  // any amount asks for a partial cash-out: refused
  Timestamp now;
};

// The process runner, at a coupon_expiry due item (process.cc).
struct ExpireCoupon {
  std::string coupon_id;
  Timestamp due;  // the due time fired; before expires_at it is not due
};

using CouponCommand = std::variant<IssueCoupon, RedeemCoupon, RefundCoupon, ExpireCoupon>;

}  // namespace tally::commands::coupons
