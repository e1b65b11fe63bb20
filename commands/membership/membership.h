// The membership domain (domain.md §4) in the shape CommandBus<D> runs (commands/runtime.h).
// Read top to bottom: commands.h -> events.h -> state.h + evolve.cc -> decide.cc ->
// process.cc -> erasure.h; its read models are projections/balances and
// projections/purchase_history.
//
// Edge contract (api/ builds the commands):
//  - Stream "customer-<customer_id>"; PII sealed before the command (commands.h).
//  - Idempotency keys: a purchase "purchase/<customer_id>/<purchase_id>"; cancel
//    "customer-cancel/<customer_id>" and purchases/expire "history-expire/<customer_id>" with
//    a constant fingerprint, so a second call replays the first outcome (same position,
//    Idempotent-Replayed); past the record's retention `repeats` gives the same answer.
//    Erasure: erasure.h sets its own.
//    Others: the Idempotency-Key header.
#pragma once

#include <string>
#include <string_view>

#include "commands/due_items.h"
#include "commands/membership/commands.h"
#include "commands/membership/events.h"
#include "commands/membership/state.h"
#include "commands/runtime.h"

namespace tally::commands::membership {

// The schedule kind of a cancelled customer's history expiry; its ref is the customer id.
inline constexpr std::string_view kHistoryExpiryKind = "history_expiry";

std::string customer_stream(std::string_view customer_id);  // "customer-<id>"
// The subject its PII is sealed under and erased as: "customer:<id>" (domain.md §6).
std::string customer_subject(std::string_view customer_id);

struct Membership {
  using State = MembershipState;
  using Command = MembershipCommand;
  using Event = MembershipEvent;

  static std::string stream(const Command& command);
  static State evolve(State state, const Event& event) {
    return membership::evolve(std::move(state), event);
  }
  static Decision<Event> decide(const State& state, const Command& command);
  static std::string answer(const State& after, const Command& command);
  // A retried purchase, a second cancel, purchases/expire or erasure answers the first append,
  // replayed (api.md Membership, erasure.h), also once its idempotency record is pruned; a
  // second block answers the append that blocked purchases, not replayed (api.md: it confirms
  // a state).
  static std::optional<EarlierAppend> repeats(const State& state, const Command& command);
  // Once the customer is erased, a retry answers customer_not_found like any other command
  // (domain.md §6), not the stored answer about them; the erasure itself still replays.
  static std::optional<Rejection> withholds(const State& state, const Command& command);
  static eventstore::NewEvent encode(const Event& event) { return membership::encode(event); }
  static Result<Event> decode(const eventstore::RecordedEvent& event) {
    return decode_membership_event(event);
  }
  // The process (process.cc): a due history_expiry item expires that customer's history.
  static Command on_due(const DueItem& item);
};

}  // namespace tally::commands::membership
