// What a redeem is fingerprinted by: idempotency records keep the fingerprint for 30 days, so
// its bytes must stay those of the json::dump they were first taken of.
#include "api/routes/coupon_request.h"

#include <doctest/doctest.h>

namespace tally::api {
namespace {

TEST_CASE("a redeem's canonical text is the json::dump of its fields, escapes included") {
  const commands::coupons::RedeemCoupon plain{"c0ffee", "S1", "T-1", 1500, "", {}, {}};
  const commands::coupons::RedeemCoupon odd{"c\"1", "S\\1", "T\n\x01", 0, "t\u00e9a", {}, {}};
  for (const auto& c : {plain, odd}) {
    CAPTURE(c.transaction_id);
    const Json canonical{{"op", "redeem"},      {"coupon", c.coupon_id},
                         {"store", c.store_id}, {"txn", c.transaction_id},
                         {"amount", c.amount},  {"product", c.product_id}};
    CHECK(redeem_canonical(c) == canonical.dump());
  }
}

}  // namespace
}  // namespace tally::api
