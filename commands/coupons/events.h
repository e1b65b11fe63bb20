// What can happen to a coupon: one struct per event, mirroring its protobuf message in
// core/proto/tally/v1/events/coupons.proto (types "coupon.issued", …).
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "commands/coupons/commands.h"
#include "core/clock.h"
#include "core/result.h"
#include "eventstore/event.h"
#include "eventstore/log.h"

namespace tally::commands::coupons {

struct CouponIssued {
  std::string event_id;  // not in the payload: the envelope's, which the sealed code is bound to
  std::string coupon_id;
  CouponKind kind = CouponKind::balance;
  std::int64_t face_value = 0;
  std::string product_id;
  Timestamp expires_at;
  std::string customer_id;
  std::string sealed_code;
  Timestamp issued_at;
};

struct CouponRedeemed {
  std::string store_id;
  std::string transaction_id;
  std::int64_t amount = 0;
  std::string product_id;
  // The catalogue price the redeem was decided with; 0 when there was none to see: a voucher
  // exchanged for its designated product without naming it, or a product never priced.
  std::int64_t product_price = 0;
  std::int64_t balance_after = 0;
  Timestamp redeemed_at;
};

struct CouponRedemptionRefunded {
  std::string refund_id;
  std::string store_id;
  std::string transaction_id;
  std::int64_t amount = 0;
  std::int64_t balance_after = 0;
  Timestamp refunded_at;
};

struct CouponRefunded {
  std::string refund_id;
  std::string store_id;
  std::int64_t amount = 0;
  Timestamp refunded_at;
};

struct CouponExpired {
  Timestamp expired_at;
};

using CouponEvent = std::variant<CouponIssued, CouponRedeemed, CouponRedemptionRefunded,
                                 CouponRefunded, CouponExpired>;

std::string_view kind_name(CouponKind kind);  // "exchange", "balance"

eventstore::NewEvent encode(const CouponEvent& event);
// Code::corruption for a type that is not a coupon event or bytes that do not parse.
Result<CouponEvent> decode_coupon_event(const eventstore::RecordedEvent& event);

}  // namespace tally::commands::coupons
