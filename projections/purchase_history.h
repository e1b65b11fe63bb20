// The purchase history read model (domain.md §4, §5): per customer the purchases and the
// membership status (cancellation, history visible until, purchases blocked). A cancelled
// customer's history answers until the same instant a year later; after that, or once
// history.expired is projected, it is history_expired and its rows are gone. After
// subject.erased the customer has no rows at all: customer_not_found, as for an unknown id.
//
// Rows: "customer/<id>" -> JSON of CustomerStatus plus the purchases count;
// "purchase/<id>/<n>" -> JSON of one PurchaseEntry, n = 0, 1, … in log order (10 digits).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "projections/projection.h"
#include "projections/projector.h"

namespace tally::projections {

struct CustomerStatus {
  bool is_cancelled = false;
  std::optional<Timestamp> cancellation_date;
  std::optional<Timestamp> history_visible_until;
  bool purchases_blocked = false;
  bool history_expired = false;  // history.expired projected
};

struct PurchaseEntry {
  std::string purchase_id;
  std::string kind;          // "purchase" (tickets join when reservations land)
  std::string product_name;  // the items' names, joined with ", "
  Timestamp purchase_date;
  std::int64_t amount = 0;
  bool refunded = false;

  bool operator==(const PurchaseEntry&) const = default;
};

struct PurchasePage {
  // "customer_not_found" or "history_expired" when the history does not answer.
  std::optional<std::string> refused;
  std::vector<PurchaseEntry> purchases;
  std::optional<std::uint64_t> next;  // pass back as `from`; absent on the last page
};

class PurchaseHistory final : public Projection {
 public:
  std::string_view name() const override { return "purchase_history"; }
  // 2: history_visible_until is the instant an early expiry took effect.
  std::uint32_t layout() const override { return 2; }
  Status apply(const eventstore::RecordedEvent& event, Rows& rows) override;

  static Result<std::optional<CustomerStatus>> status(const View& view,
                                                      std::string_view customer_id);
  // The customer's purchases as seen at `now` (the 1-year rule), oldest first.
  static Result<PurchasePage> purchases(const View& view, std::string_view customer_id,
                                        Timestamp now, std::uint64_t from = 0,
                                        std::size_t limit = 100);
};

}  // namespace tally::projections
