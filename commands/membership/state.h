// What a customer's membership is now, folded from its events (evolve.cc).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "commands/membership/events.h"

namespace tally::commands::membership {

// A purchase as a retry must answer it: where it was appended and the points after it.
struct RecordedPurchase {
  PurchaseRecorded purchase;
  std::uint64_t version = 0;  // of purchase.recorded; its points.spent, if any, comes next
  std::int64_t points_after = 0;
};

struct MembershipState {
  std::uint64_t version = 0;  // events folded: the stream's version
  bool registered = false;
  std::int64_t points = 0;
  std::optional<CustomerCancelled> cancellation;
  // Where the answers given once for good were appended: a repeat answers them again.
  std::uint64_t cancelled_at = 0;        // customer.cancelled, right after its points.forfeited
  std::uint64_t blocked_at = 0;          // purchases.blocked by an admin
  std::uint64_t expired_at = 0;          // history.expired
  std::uint64_t erased_at = 0;           // subject.erased
  bool purchases_blocked = false;        // by an admin, or by the cancellation
  std::optional<SubjectErased> erasure;  // the customer is gone for every command but erase
  // By purchase_id: a purchase is recorded once; a retry answers the first (domain.md §0).
  // Shared and copied on write: the runtime copies the state for every command it decides,
  // points changes included, while purchases change it far less often.
  std::shared_ptr<const std::map<std::string, RecordedPurchase>> purchases;

  bool cancelled() const { return cancellation.has_value(); }
  bool history_expired() const { return expired_at != 0; }
  const RecordedPurchase* purchase(const std::string& purchase_id) const;
};

MembershipState evolve(MembershipState state, const MembershipEvent& event);

// The same UTC instant one calendar year later; 29 Feb becomes 28 Feb (domain.md §4). From
// the year 9999 on, 9999-12-31T23:59:59.999999Z, the last instant that can be written.
Timestamp one_year_later(Timestamp t);

}  // namespace tally::commands::membership
