// The balances read model (domain.md §5): per coupon its kind, balance, status and expiry;
// per customer the points and the coupons issued to them. Built only from coupon-* and
// customer-* events, so a rebuild gives the same rows.
//
// Rows: "coupon/<coupon_id>" -> JSON of what the issue fixed; "left/<coupon_id>" ->
// "<balance>[ expired][ void]", the part later events change, kept apart so a redeem reads and
// writes a few bytes instead of the whole coupon; "owned/<customer_id>/<position>" ->
// coupon_id lists a customer's coupons in issue order (position: 16 hex digits);
// "points/<customer_id>" -> the points, from customer.registered on.
// subject.erased removes the customer's points and owned rows (its coupons stay, as coupons).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "projections/projection.h"
#include "projections/projector.h"

namespace tally::projections {

struct CouponBalance {
  std::string coupon_id;
  std::string kind;  // "exchange", "balance"
  std::int64_t face_value = 0;
  std::string product_id;
  Timestamp expires_at;
  std::string customer_id;
  std::int64_t balance = 0;   // left to redeem (a voucher: its face value until redeemed)
  bool expired = false;       // coupon.expired recorded
  bool voided = false;        // refunded whole
  std::string sealed_code;    // as in coupon.issued: the edge opens it to show the code
  std::string code_event_id;  // the coupon.issued event the sealed code is bound to

  // The same precedence as the domain (commands/coupons/state.h): void, then expired (also
  // when the time has passed before coupon.expired is projected), then used up.
  std::string status_at(Timestamp now) const;
  // api.md `balance`: a voucher's face value while active, else 0; a balance coupon's rest.
  std::int64_t shown_balance(Timestamp now) const;
};

class Balances final : public Projection {
 public:
  std::string_view name() const override { return "balances"; }
  // 2: the changing part of a coupon moved to its own "left/" row; 3: owned rows by position.
  std::uint32_t layout() const override { return 3; }
  Status apply(const eventstore::RecordedEvent& event, Rows& rows) override;

  static Result<std::optional<CouponBalance>> coupon(const View& view, std::string_view coupon_id);
  // nullopt: no such customer registered.
  static Result<std::optional<std::int64_t>> points(const View& view, std::string_view customer_id);
  // The coupons issued to the customer in the order they were issued: from the one issued at
  // log position `from` (or the first after it) on, at most `limit`. `next` is where the
  // following page starts, when there is one.
  struct CouponsPage {
    std::vector<CouponBalance> coupons;
    std::optional<std::uint64_t> next;
  };
  static Result<CouponsPage> coupons_of(const View& view, std::string_view customer_id,
                                        std::uint64_t from = 0, std::size_t limit = 1000);

 private:
  Status apply_coupon(const eventstore::RecordedEvent& event, Rows& rows);
  Status apply_customer(const eventstore::RecordedEvent& event, Rows& rows);
};

}  // namespace tally::projections
