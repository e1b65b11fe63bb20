// Coupon events <-> their protobuf payloads (core/proto/tally/v1/events/coupons.proto).
#include "commands/coupons/events.h"

#include "commands/overloaded.h"
#include "commands/payload.h"
#include "core/proto_time.h"
#include "tally/v1/events/coupons.pb.h"

namespace tally::commands::coupons {
namespace {

namespace pb = tally::v1::events;

eventstore::NewEvent encode_issued(const CouponIssued& e) {
  pb::CouponIssued m;
  m.set_coupon_id(e.coupon_id);
  m.set_kind(std::string(kind_name(e.kind)));
  m.set_face_value(e.face_value);
  m.set_product_id(e.product_id);
  set_proto_time(*m.mutable_expires_at(), e.expires_at);
  m.set_customer_id(e.customer_id);
  m.set_sealed_code(e.sealed_code);
  set_proto_time(*m.mutable_issued_at(), e.issued_at);
  return new_event("coupon.issued", m, e.event_id);
}

eventstore::NewEvent encode_redeemed(const CouponRedeemed& e) {
  pb::CouponRedeemed m;
  m.set_store_id(e.store_id);
  m.set_transaction_id(e.transaction_id);
  m.set_amount(e.amount);
  m.set_product_id(e.product_id);
  m.set_product_price(e.product_price);
  m.set_balance_after(e.balance_after);
  set_proto_time(*m.mutable_redeemed_at(), e.redeemed_at);
  return new_event("coupon.redeemed", m);
}

eventstore::NewEvent encode_reversal(const CouponRedemptionRefunded& e) {
  pb::CouponRedemptionRefunded m;
  m.set_refund_id(e.refund_id);
  m.set_store_id(e.store_id);
  m.set_transaction_id(e.transaction_id);
  m.set_amount(e.amount);
  m.set_balance_after(e.balance_after);
  set_proto_time(*m.mutable_refunded_at(), e.refunded_at);
  return new_event("coupon.redemption_refunded", m);
}

eventstore::NewEvent encode_refunded(const CouponRefunded& e) {
  pb::CouponRefunded m;
  m.set_refund_id(e.refund_id);
  m.set_store_id(e.store_id);
  m.set_amount(e.amount);
  set_proto_time(*m.mutable_refunded_at(), e.refunded_at);
  return new_event("coupon.refunded", m);
}

std::optional<CouponEvent> decode_issued(const eventstore::RecordedEvent& r) {
  pb::CouponIssued m;
  if (!parse_payload(m, r.payload) || (m.kind() != "exchange" && m.kind() != "balance"))
    return std::nullopt;
  return CouponIssued{r.event_id,
                      m.coupon_id(),
                      m.kind() == "exchange" ? CouponKind::exchange : CouponKind::balance,
                      m.face_value(),
                      m.product_id(),
                      from_proto_time(m.expires_at()),
                      m.customer_id(),
                      m.sealed_code(),
                      from_proto_time(m.issued_at())};
}

std::optional<CouponEvent> decode_payload(const eventstore::RecordedEvent& r) {
  const auto& type = r.type;
  if (type == "coupon.issued") return decode_issued(r);
  if (type == "coupon.redeemed") {
    pb::CouponRedeemed m;
    if (!parse_payload(m, r.payload)) return std::nullopt;
    return CouponRedeemed{m.store_id(),
                          m.transaction_id(),
                          m.amount(),
                          m.product_id(),
                          m.product_price(),
                          m.balance_after(),
                          from_proto_time(m.redeemed_at())};
  }
  if (type == "coupon.redemption_refunded") {
    pb::CouponRedemptionRefunded m;
    if (!parse_payload(m, r.payload)) return std::nullopt;
    return CouponRedemptionRefunded{m.refund_id(),      m.store_id(),
                                    m.transaction_id(), m.amount(),
                                    m.balance_after(),  from_proto_time(m.refunded_at())};
  }
  if (type == "coupon.refunded") {
    pb::CouponRefunded m;
    if (!parse_payload(m, r.payload)) return std::nullopt;
    return CouponRefunded{m.refund_id(), m.store_id(), m.amount(),
                          from_proto_time(m.refunded_at())};
  }
  if (type == "coupon.expired") {
    pb::CouponExpired m;
    if (!parse_payload(m, r.payload)) return std::nullopt;
    return CouponExpired{from_proto_time(m.expired_at())};
  }
  return std::nullopt;
}

}  // namespace

std::string_view kind_name(CouponKind kind) {
  return kind == CouponKind::exchange ? "exchange" : "balance";
}

eventstore::NewEvent encode(const CouponEvent& event) {
  return std::visit(Overloaded{[](const CouponIssued& e) { return encode_issued(e); },
                               [](const CouponRedeemed& e) { return encode_redeemed(e); },
                               [](const CouponRedemptionRefunded& e) { return encode_reversal(e); },
                               [](const CouponRefunded& e) { return encode_refunded(e); },
                               [](const CouponExpired& e) {
                                 pb::CouponExpired m;
                                 set_proto_time(*m.mutable_expired_at(), e.expired_at);
                                 return new_event("coupon.expired", m);
                               }},
                    event);
}

Result<CouponEvent> decode_coupon_event(const eventstore::RecordedEvent& event) {
  if (auto decoded = decode_payload(event)) return std::move(*decoded);
  return fail(Code::corruption, "not a coupon event: " + event.type);
}

}  // namespace tally::commands::coupons
