#include "commands/coupons/state.h"
#include "commands/overloaded.h"

namespace tally::commands::coupons {

std::string_view status_name(CouponStatus status) {
  switch (status) {
    case CouponStatus::active:
      return "active";
    case CouponStatus::redeemed:
      return "redeemed";
    case CouponStatus::exhausted:
      return "exhausted";
    case CouponStatus::expired:
      return "expired";
    case CouponStatus::void_:
      return "void";
  }
  return "void";
}

CouponStatus CouponState::status_at(Timestamp now) const {
  if (voided()) return CouponStatus::void_;
  if (expired || now >= expires_at) return CouponStatus::expired;
  if (balance > 0) return CouponStatus::active;
  return kind == CouponKind::exchange ? CouponStatus::redeemed : CouponStatus::exhausted;
}

std::int64_t CouponState::redeemable_balance(Timestamp now) const {
  if (kind == CouponKind::exchange) return status_at(now) == CouponStatus::active ? balance : 0;
  return voided() ? 0 : balance;
}

CouponState evolve(CouponState state, const CouponEvent& event) {
  ++state.version;
  std::visit(Overloaded{[&](const CouponIssued& e) {
                          state.issued = true;
                          state.kind = e.kind;
                          state.face_value = e.face_value;
                          state.product_id = e.product_id;
                          state.expires_at = e.expires_at;
                          state.customer_id = e.customer_id;
                          state.balance = e.face_value;
                        },
                        [&](const CouponRedeemed& e) {
                          state.balance -= e.amount;
                          state.redemptions.add(e, state.version);
                        },
                        [&](const CouponRedemptionRefunded& e) {
                          state.balance += e.amount;
                          state.redemptions.add(e, state.version);
                        },
                        [&](const CouponRefunded& e) {
                          state.balance = 0;
                          state.whole_refund = e;
                          state.whole_refund_version = state.version;
                        },
                        [&](const CouponExpired&) { state.expired = true; }},
             event);
  return state;
}

}  // namespace tally::commands::coupons
