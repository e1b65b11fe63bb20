// The rules of domain.md §1 and api.md Coupons, as pure decisions on one coupon's state.
#include "commands/coupons/coupons.h"
#include "commands/overloaded.h"

namespace tally::commands::coupons {
namespace {

using Events = std::vector<CouponEvent>;

tl::unexpected<Rejection> reject(std::string code, std::string message) {
  return tl::unexpected(Rejection{std::move(code), std::move(message)});
}

// A rejection caused by the coupon's state carries the status (api.md), in the message.
tl::unexpected<Rejection> reject_for_status(std::string code, CouponStatus status) {
  return reject(std::move(code), status_message(status));
}

Decision<CouponEvent> issue(const CouponState& state, const IssueCoupon& c) {
  if (state.issued) return reject("coupon_exists", "a coupon with this code already exists");
  if (c.face_value <= 0) return reject("invalid_field", "face_value must be positive");
  if (c.expires_at <= c.now) return reject("invalid_field", "expires_at must be in the future");
  const bool exchange = c.kind == CouponKind::exchange;
  if (exchange && c.product_id.empty())
    return reject("missing_field", "an exchange voucher needs its product_id");
  // A balance coupon is tied to no product, but one it names must exist (api.md: an unknown
  // product_id at issue is product_not_found); it is not recorded.
  if (!c.product_id.empty() && !c.product_price)
    return reject("product_not_found", "no product " + c.product_id + " in the catalogue");
  return Events{CouponIssued{c.event_id, c.coupon_id, c.kind, c.face_value,
                             exchange ? c.product_id : std::string(), c.expires_at, c.customer_id,
                             c.sealed_code, c.now}};
}

// domain.md §1 Exchange voucher: the designated product always; another one only when its
// price is at most the face value (the difference is never refunded).
Decision<CouponEvent> redeem_voucher(const CouponState& state, const RedeemCoupon& c) {
  const std::string product = c.product_id.empty() ? state.product_id : c.product_id;
  std::int64_t price = 0;
  if (product != state.product_id) {
    if (!c.product_price)
      return reject("product_not_found", "no product " + product + " in the catalogue");
    if (*c.product_price > state.face_value)
      return reject("product_not_allowed", "the product costs more than the voucher's value");
    price = *c.product_price;
  } else if (c.product_price) {
    price = *c.product_price;
  }
  return Events{
      CouponRedeemed{c.store_id, c.transaction_id, state.balance, product, price, 0, c.now}};
}

// domain.md §1 Balance coupon: 1..remaining per redemption, never below zero.
Decision<CouponEvent> redeem_balance(const CouponState& state, const RedeemCoupon& c) {
  if (c.amount <= 0) return reject("invalid_field", "amount must be positive");
  if (!c.product_id.empty() && !c.product_price)
    return reject("product_not_found", "no product " + c.product_id + " in the catalogue");
  if (c.amount > state.balance)
    return reject("insufficient_balance",
                  "the coupon has " + std::to_string(state.balance) + " left");
  return Events{CouponRedeemed{c.store_id, c.transaction_id, c.amount, c.product_id,
                               c.product_price.value_or(0), state.balance - c.amount, c.now}};
}

bool same_redemption(const CouponRedeemed& done, const CouponState& state, const RedeemCoupon& c) {
  if (state.kind == CouponKind::balance) return done.amount == c.amount;
  return done.product_id == (c.product_id.empty() ? state.product_id : c.product_id);
}

Decision<CouponEvent> redeem(const CouponState& state, const RedeemCoupon& c) {
  if (!state.issued) return reject("coupon_not_found", "no such coupon");
  // A retried POS transaction deducts nothing again and answers the first result (§1
  // Idempotency), also once the runtime's idempotency record is gone.
  if (const auto done = state.redemption(c.store_id, c.transaction_id)) {
    if (same_redemption(done->redeemed, state, c)) return Events{};
    return reject("idempotency_conflict", "this transaction redeemed something else");
  }
  const auto status = state.status_at(c.now);
  if (status == CouponStatus::expired) return reject_for_status("coupon_expired", status);
  if (status != CouponStatus::active) return reject_for_status("coupon_not_redeemable", status);
  return state.kind == CouponKind::exchange ? redeem_voucher(state, c) : redeem_balance(state, c);
}

// domain.md §1 Refund: a whole redemption, by its transaction, by its store, once.
Decision<CouponEvent> reverse(const CouponState& state, const RefundCoupon& c,
                              const std::string& transaction_id) {
  const auto done = state.redemption(c.store_id, transaction_id);
  if (!done) {
    if (state.redemptions.made_elsewhere(c.store_id, transaction_id))
      return reject("store_mismatch", "another store made this transaction");
    return reject("transaction_not_found", "no redemption " + transaction_id + " on this coupon");
  }
  if (done->reversal) {
    // The same refund retried (its refund_id, or none both times) answers the first (§1
    // Refund), also once the runtime's idempotency record is gone; any other is refused.
    if (done->reversal->refund_id == c.refund_id) return Events{};
    return reject("transaction_already_refunded",
                  "transaction " + transaction_id + " was refunded already");
  }
  const auto amount = done->redeemed.amount;
  return Events{CouponRedemptionRefunded{c.refund_id, c.store_id, transaction_id, amount,
                                         state.balance + amount, c.now}};
}

// domain.md §1 Refund: only an unused coupon is refunded whole, and it is void for good. Also
// after its expiry: the rule has no exception for it (coupon_expired is a redemption's).
Decision<CouponEvent> refund_whole(const CouponState& state, const RefundCoupon& c) {
  if (state.voided()) {
    const auto& first = *state.whole_refund;
    if (first.store_id == c.store_id && first.refund_id == c.refund_id)
      return Events{};  // the same refund retried: the first answers
    return reject_for_status("coupon_not_redeemable", CouponStatus::void_);
  }
  if (!state.unused()) {
    if (state.kind == CouponKind::balance)
      return reject("partial_refund_not_supported",
                    "a partly spent balance coupon cannot be cashed out");
    return reject_for_status("coupon_not_redeemable", state.status_at(c.now));
  }
  return Events{CouponRefunded{c.refund_id, c.store_id, state.face_value, c.now}};
}

Decision<CouponEvent> refund(const CouponState& state, const RefundCoupon& c) {
  if (!state.issued) return reject("coupon_not_found", "no such coupon");
  if (c.amount)
    return reject("partial_refund_not_supported", "a refund is whole: it takes no amount");
  if (c.transaction_id) return reverse(state, c, *c.transaction_id);
  return refund_whole(state, c);
}

Decision<CouponEvent> expire(const CouponState& state, const ExpireCoupon& c) {
  if (!state.issued) return reject("coupon_not_found", "no such coupon");
  if (c.due < state.expires_at) return reject("expiry_not_due", "the coupon expires later");
  if (state.expired || state.voided()) return Events{};  // nothing left to expire
  return Events{CouponExpired{state.expires_at}};
}

}  // namespace

std::string status_message(CouponStatus status) {
  return std::string(kStatusPrefix) + std::string(status_name(status)) + "; the coupon is " +
         std::string(status_name(status));
}

std::optional<std::string> rejected_status(std::string_view message) {
  if (!message.starts_with(kStatusPrefix)) return std::nullopt;
  message.remove_prefix(kStatusPrefix.size());
  return std::string(message.substr(0, message.find(';')));
}

Decision<CouponEvent> Coupons::decide(const State& state, const Command& command) {
  return std::visit(Overloaded{[&](const IssueCoupon& c) { return issue(state, c); },
                               [&](const RedeemCoupon& c) { return redeem(state, c); },
                               [&](const RefundCoupon& c) { return refund(state, c); },
                               [&](const ExpireCoupon& c) { return expire(state, c); }},
                    command);
}

std::optional<EarlierAppend> Coupons::repeats(const State& state, const Command& command) {
  const auto at = [](std::uint64_t version) { return EarlierAppend{version, version}; };
  if (const auto* redeem = std::get_if<RedeemCoupon>(&command)) {
    const auto done = state.redemption(redeem->store_id, redeem->transaction_id);
    if (done) return at(done->version);
  } else if (const auto* refund = std::get_if<RefundCoupon>(&command)) {
    if (!refund->transaction_id)
      return state.whole_refund ? std::optional(at(state.whole_refund_version)) : std::nullopt;
    const auto done = state.redemption(refund->store_id, *refund->transaction_id);
    if (done && done->reversal) return at(done->reversal_version);
  }
  return std::nullopt;
}

}  // namespace tally::commands::coupons
