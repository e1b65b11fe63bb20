// What a caller is told after a coupon command (api.md Coupons); kept by the runtime as the
// outcome a retry replays.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "commands/coupons/coupons.h"
#include "commands/overloaded.h"
#include "core/json_text.h"

namespace tally::commands::coupons {
namespace {

using nlohmann::json;

std::string status_after(const CouponState& state, const CouponRedeemed& r) {
  if (r.balance_after > 0) return "active";
  return state.kind == CouponKind::exchange ? "redeemed" : "exhausted";
}

// Written as text, in the bytes json::dump gives (keys sorted): the busiest answer, and
// building a json object for it cost more than deciding the redeem.
std::string redeemed(const CouponState& after, const RedeemCoupon& c) {
  const auto r = after.redemption(c.store_id, c.transaction_id);
  if (!r) return "{}";
  return fmt::format(R"({{"coupon_status":"{}","message":"redeemed","redeemed_amount":{},)"
                     R"("remaining_balance":{},"transaction_id":{}}})",
                     status_after(after, r->redeemed), r->redeemed.amount,
                     r->redeemed.balance_after, json_quoted(c.transaction_id));
}

// As the refund left the coupon, so a retry long after answers what the first was told.
std::string refunded(const CouponState& after, const RefundCoupon& c) {
  if (!c.transaction_id)
    return json{{"refunded_amount", after.face_value},
                {"remaining_balance", 0},
                {"coupon_status", status_name(after.status_at(c.now))},
                {"message", "the unused coupon was refunded whole"}}
        .dump();
  const auto r = after.redemption(c.store_id, *c.transaction_id);
  if (!r || !r->reversal) return json::object().dump();
  // A reversal leaves value on the coupon: active, unless it came after the expiry.
  const bool expired = r->reversal->refunded_at >= after.expires_at;
  return json{{"refunded_amount", r->reversal->amount},
              {"remaining_balance", r->reversal->balance_after},
              {"coupon_status", expired ? "expired" : "active"},
              {"message", "the redemption was reversed"}}
      .dump();
}

// A replayed issue must answer the same coupon_code: the outcome keeps it sealed (never in
// the clear), with the event id it is bound to, for the edge to open.
std::string issued(const CouponState& after, const IssueCoupon& c) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string sealed;
  for (unsigned char b : c.sealed_code) sealed += {kHex[b >> 4], kHex[b & 0xf]};
  return json{{"coupon_id", c.coupon_id},
              {"kind", kind_name(after.kind)},
              {"coupon_status", status_name(after.status_at(c.now))},
              {"sealed_code", sealed},
              {"code_event_id", c.event_id}}
      .dump();
}

}  // namespace

std::string coupon_stream(std::string_view coupon_id) {
  return "coupon-" + std::string(coupon_id);
}

std::string Coupons::stream(const Command& command) {
  return coupon_stream(
      std::visit([](const auto& c) -> const std::string& { return c.coupon_id; }, command));
}

std::string Coupons::answer(const State& after, const Command& command) {
  return std::visit(
      Overloaded{[&](const IssueCoupon& c) { return issued(after, c); },
                 [&](const RedeemCoupon& c) { return redeemed(after, c); },
                 [&](const RefundCoupon& c) { return refunded(after, c); },
                 [&](const ExpireCoupon& c) {
                   return json{{"coupon_status", status_name(after.status_at(c.due))}}.dump();
                 }},
      command);
}

}  // namespace tally::commands::coupons
