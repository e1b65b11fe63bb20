// What every coupon route (api.md, Coupons) does first, and how its failures are told:
// pos (for its own store_id: another store is 403) or admin; the body's coupon_code and
// store_id; the look-up throttle (429 too_many_attempts with Retry-After) before the code is
// looked at; the code turned into the coupon's internal id, the only name the rest knows.
#pragma once

#include <optional>
#include <string>

#include "api/input.h"
#include "api/routes/domains.h"

namespace tally::api {

// The throttle's action name: every coupon route counts its coupon_not_found answers here.
inline constexpr std::string_view kCouponLookup = "coupon_lookup";

struct CouponRequest {
  Principal who;
  Json body;
  std::string coupon_id;  // from the code; the code itself goes no further
  std::string store_id;
};

Checked<CouponRequest> coupon_request(ApiContext& ctx, const CouponDeps& deps, Request& request);

// Where the coupon was issued (its stream's first event), nullopt when it never was: told by
// the log itself, so a look-up right after an issue never misses it.
Result<std::optional<Position>> issued_at(const eventstore::Reader& log,
                                          const std::string& coupon_id);

// A failure of a coupon command or look-up: a rejection about the coupon's state carries
// `coupon_status` (api.md); coupon_not_found counts as a failed look-up of the caller.
Problem coupon_problem(const CouponDeps& deps, const Principal& who, const Error& error);
// The same for a command keyed by a POS transaction or refund: the bus looks that key up
// before the coupon, but an unknown code is coupon_not_found before anything else (api.md),
// also when the key was used for another request.
Problem keyed_coupon_problem(const CouponDeps& deps, const eventstore::Reader& log,
                             const Principal& who, const std::string& coupon_id,
                             const Error& error);
Problem coupon_not_found(const CouponDeps& deps, const Principal& who);

// The current catalogue price of a product, read from its stream in the log (strongly
// consistent: commands/coupons/catalogue.h); nullopt when it was never priced.
Result<std::optional<std::int64_t>> product_price(const eventstore::Reader& log,
                                                  const std::string& product_id);

// What a redeem's fingerprint is taken of: the json::dump of {op, coupon, store, txn, amount,
// product} (keys sorted), written without building the object, as every redeem needs it.
std::string redeem_canonical(const commands::coupons::RedeemCoupon& c);

}  // namespace tally::api
