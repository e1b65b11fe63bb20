// The coupon transactions read model (api.md POST /api/v1/coupon/transactions): every
// redemption and refund of a coupon, from every store, oldest first, filtered by time.
//
// Rows: "tx/<coupon_id>/<time>/<position>" -> JSON of one CouponTransaction; <time> is the
// event's own time (redeemed_at, refunded_at) as 16 hex digits that sort as the time does,
// <position> breaks ties in log order.
//
// A list may be paged: a page's `next` names its last row ("<time>.<position>") and the page
// that follows starts past that row. Rows of one instant are ordered by position, so a page
// boundary inside an instant neither skips nor repeats a row.
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
    std::optional<Timestamp> from;     // inclusive
    std::optional<Timestamp> to;       // inclusive (api.md: both ends are)
    std::optional<std::string> after;  // a page's `next`: start past that row
    std::size_t limit = SIZE_MAX;      // SIZE_MAX: the whole range, never a `next`
  };
  struct Page {
    std::vector<CouponTransaction> transactions;
    std::optional<std::string> next;  // set when rows in the range follow this page
  };
  static Result<Page> list(const View& view, std::string_view coupon_id, const Query& query);
  // Whether `text` could be a page's `next` (a cursor from elsewhere is the caller's error).
  static bool is_cursor(std::string_view text);
};

}  // namespace tally::projections
