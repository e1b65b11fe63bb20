// The coupons domain (domain.md §1) in the shape CommandBus<D> runs (commands/runtime.h).
// Read top to bottom: commands.h (what can be asked) -> events.h (what can happen) ->
// state.h + evolve.cc -> decide.cc -> process.cc; the product prices the swap rule needs are
// the catalogue's (catalogue.h); how codes become ids is codes.h.
//
// Edge contract (api/ builds the commands):
//  - Stream: "coupon-<coupon_id>", coupon_id = coupon_id_of(key, code). Every command is
//    decided on that one stream; coupon_not_found is "no coupon.issued there", so an unknown
//    code is answered before anything else is looked at, and needs no index.
//  - Idempotency keys: redeem "coupon-redeem/<store_id>/<transaction_id>"; refund
//    "coupon-refund/<store_id>/<refund_id>" when refund_id is given, else
//    "coupon-refund/<store_id>/txn/<transaction_id>", or "coupon-refund/<store_id>/whole/
//    <coupon_id>" for a whole refund; fingerprint = the canonical request body, which names
//    the coupon: the log keeps keys globally, so the same POS transaction on another coupon
//    is idempotency_conflict, never another coupon's outcome. The domain also answers a
//    repeated (store_id, transaction_id) redeem without deducting again, after the record
//    is pruned (30 days) too.
//  - Issue: the event_id must be set (the sealed code is bound to it). The outcome carries
//    the sealed code, so a replay of a generated-code issue answers the same code. An
//    explicit code already in use is coupon_exists "whatever the Idempotency-Key" (api.md):
//    do not key an issue that names its code, or a retry would replay success.
//  - Product prices: read the "product-<id>" stream (Catalogue::price_of) just before
//    deciding, and pass it in the command: nullopt when the catalogue has no such product.
//  - Rejections about the coupon's state (coupon_not_redeemable, coupon_expired) carry the
//    status in their message: rejected_status(error.message) reads it back.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "commands/coupons/commands.h"
#include "commands/coupons/events.h"
#include "commands/coupons/state.h"
#include "commands/due_items.h"
#include "commands/runtime.h"

namespace tally::commands::coupons {

// The schedule kind of a coupon's expiry; its ref is the coupon id (never the code).
inline constexpr std::string_view kExpiryKind = "coupon_expiry";

std::string coupon_stream(std::string_view coupon_id);  // "coupon-<id>"

struct Coupons {
  using State = CouponState;
  using Command = CouponCommand;
  using Event = CouponEvent;

  static std::string stream(const Command& command);
  static State evolve(State state, const Event& event) {
    return coupons::evolve(std::move(state), event);
  }
  static Decision<Event> decide(const State& state, const Command& command);
  static std::string answer(const State& after, const Command& command);
  // A retried POS transaction or refund answers the first (same position, replayed), also
  // once its idempotency record is pruned.
  static std::optional<EarlierAppend> repeats(const State& state, const Command& command);
  static eventstore::NewEvent encode(const Event& event) { return coupons::encode(event); }
  static Result<Event> decode(const eventstore::RecordedEvent& event) {
    return decode_coupon_event(event);
  }
  // The process (process.cc): a due coupon_expiry item expires that coupon.
  static Command on_due(const DueItem& item);
};

// Rejection carries a code and a message only (commands/runtime.h), so a rejection caused by
// the coupon's state starts its message with "coupon_status=<status>; ".
inline constexpr std::string_view kStatusPrefix = "coupon_status=";
std::string status_message(CouponStatus status);
// The status a rejection's message carries, if it carries one.
std::optional<std::string> rejected_status(std::string_view message);

}  // namespace tally::commands::coupons
