// What can happen to a membership: one struct per event, mirroring its protobuf message in
// core/proto/tally/v1/events/membership.proto (and privacy.proto for the erasure).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "commands/membership/commands.h"
#include "core/result.h"
#include "eventstore/event.h"
#include "eventstore/log.h"

namespace tally::commands::membership {

struct CustomerRegistered {
  std::string event_id;  // the envelope's, which the sealed fields are bound to
  std::string customer_id;
  std::string sealed_name, sealed_email, sealed_phone;
  Timestamp registered_at;
};

struct PointsEarned {
  std::int64_t amount = 0;
  std::string reason;
  std::int64_t balance_after = 0;
  Timestamp earned_at;
};

struct PointsSpent {
  std::int64_t amount = 0;
  std::string reason;
  std::int64_t balance_after = 0;
  std::string purchase_id;  // when a purchase spent them
  Timestamp spent_at;
};

struct PointsForfeited {
  std::int64_t amount = 0;
  Timestamp forfeited_at;
};

struct PurchaseRecorded {
  std::string purchase_id;
  std::vector<PurchaseItem> items;
  std::int64_t amount = 0;
  std::int64_t points_used = 0;
  Timestamp purchased_at;
};

struct CustomerCancelled {
  Timestamp cancelled_at;
  Timestamp history_visible_until;
  std::int64_t points_forfeited = 0;
};

struct PurchasesBlocked {
  Timestamp blocked_at;
};

struct HistoryExpired {
  Timestamp expired_at;
  bool on_request = false;
};

// "subject.erased" (core/proto/tally/v1/events/privacy.proto) on the customer's stream.
struct SubjectErased {
  std::string subject;  // "customer:<id>"
  std::string reason;
  Timestamp erased_at;
};

using MembershipEvent =
    std::variant<CustomerRegistered, PointsEarned, PointsSpent, PointsForfeited, PurchaseRecorded,
                 CustomerCancelled, PurchasesBlocked, HistoryExpired, SubjectErased>;

eventstore::NewEvent encode(const MembershipEvent& event);
// Code::corruption for a type that is not a membership event or bytes that do not parse.
Result<MembershipEvent> decode_membership_event(const eventstore::RecordedEvent& event);

}  // namespace tally::commands::membership
