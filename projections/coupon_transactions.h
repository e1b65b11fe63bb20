// The coupon transactions read model (api.md POST /api/v1/coupon/transactions): every
// redemption and refund of a coupon, from every store, oldest first, filtered by time.
//
// Rows: "tx/<coupon_id>/<time>/<position>" -> JSON of one CouponTransaction; <time> is the
// event's own time (redeemed_at, refunded_at) as 16 hex digits that sort as the time does,
// <position> breaks ties in log order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "projections/projection.h"
#include "projections/projector.h"

namespace tally::projections {

struct CouponTransaction {
  std::string transaction_id;  // of the redemption, or reversed; empty for a whole refund
  std::string type;            // "redeem" or "refund"
  std::int64_t amount = 0;     // positive for both
  std::string store_id;
  std::string product_id;  // what a redemption was for; empty for refunds
  Timestamp at;

  bool operator==(const CouponTransaction&) const = default;
};

class CouponTransactions final : public Projection {
 public:
  std::string_view name() const override { return "coupon_transactions"; }
  Status apply(const eventstore::RecordedEvent& event, Rows& rows) override;

  struct Query {
    std::optional<Timestamp> from;  // inclusive
    std::optional<Timestamp> to;    // inclusive (api.md: both ends are)
    std::size_t limit = 1000;
  };
  static Result<std::vector<CouponTransaction>> list(const View& view, std::string_view coupon_id,
                                                     const Query& query);
};

}  // namespace tally::projections
