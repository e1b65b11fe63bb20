// What can be asked of a customer's membership (domain.md §4, api.md Membership). Time comes
// inside every command; PII arrives sealed by the edge under the customer's subject key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.h"

namespace tally::commands::membership {

// POST /api/v1/customers. Each field is seal(key of "customer:<id>", {subject, event_id,
// field name}, plaintext): bound to the customer.registered event whose id is event_id.
struct RegisterCustomer {
  std::string customer_id;
  std::string event_id;
  std::string sealed_name, sealed_email, sealed_phone;
  Timestamp now;
};

// Admin only (domain.md §7): points are never earned implicitly.
struct EarnPoints {
  std::string customer_id;
  std::int64_t amount = 0;
  std::string reason;
  Timestamp now;
};

struct SpendPoints {
  std::string customer_id;
  std::int64_t amount = 0;
  std::string reason;
  Timestamp now;
};

struct PurchaseItem {
  std::string product_id;
  std::string product_name;
  std::int64_t quantity = 0;
  std::int64_t unit_price = 0;

  bool operator==(const PurchaseItem&) const = default;
};

// POST /api/v1/customers/{id}/purchases; points_used are spent in the same command.
struct RecordPurchase {
  std::string customer_id;
  std::string purchase_id;
  std::vector<PurchaseItem> items;
  std::int64_t amount = 0;
  std::int64_t points_used = 0;
  Timestamp now;
};

struct CancelMembership {
  std::string customer_id;
  Timestamp now;
};

// DELETE /api/v1/customers/{id}/purchases/expire (admin, due empty: now), or the process
// runner at the history_expiry item (due: the time fired; before the year is up it is not due).
struct ExpireHistory {
  std::string customer_id;
  Timestamp now;
  std::optional<Timestamp> due;
};

// POST /api/v1/customers/{id}/block_purchases (admin).
struct BlockPurchases {
  std::string customer_id;
  Timestamp now;
};

// POST /api/v1/admin/erase and `tally erase` for "customer:<id>" (domain.md §6), after the
// subject key is destroyed (erasure.h). From then on every command answers customer_not_found.
struct EraseCustomer {
  std::string customer_id;
  std::string reason;
  Timestamp now;
};

using MembershipCommand =
    std::variant<RegisterCustomer, EarnPoints, SpendPoints, RecordPurchase, CancelMembership,
                 ExpireHistory, BlockPurchases, EraseCustomer>;

}  // namespace tally::commands::membership
