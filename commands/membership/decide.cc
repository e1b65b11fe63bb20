// The rules of domain.md §4 and api.md Membership, as pure decisions on one customer's state.
#include <limits>

#include "commands/membership/membership.h"
#include "commands/overloaded.h"

namespace tally::commands::membership {
namespace {

using Events = std::vector<MembershipEvent>;

tl::unexpected<Rejection> reject(std::string code, std::string message) {
  return tl::unexpected(Rejection{std::move(code), std::move(message)});
}

// Every command but registration needs a customer, not erased; point changes need a member.
std::optional<Rejection> member_check(const MembershipState& state, bool points) {
  if (!state.registered || state.erasure)
    return Rejection{"customer_not_found", "no such customer"};
  if (points && state.cancelled())
    return Rejection{"customer_cancelled", "the membership was cancelled"};
  return std::nullopt;
}

Decision<MembershipEvent> register_customer(const MembershipState& state,
                                            const RegisterCustomer& c) {
  if (state.erasure) return reject("customer_exists", "this customer id was erased");
  if (state.registered) return reject("customer_exists", "the customer is registered already");
  return Events{CustomerRegistered{c.event_id, c.customer_id, c.sealed_name, c.sealed_email,
                                   c.sealed_phone, c.now}};
}

Decision<MembershipEvent> earn(const MembershipState& state, const EarnPoints& c) {
  if (auto no = member_check(state, true)) return tl::unexpected(*no);
  if (c.amount <= 0) return reject("invalid_field", "amount must be positive");
  // A balance is one int64 (state.points >= 0, so the difference cannot overflow): an earn
  // past its largest value is refused rather than wrapped into a negative balance.
  if (c.amount > std::numeric_limits<std::int64_t>::max() - state.points)
    return reject("invalid_field", "amount would take the balance past " +
                                       std::to_string(std::numeric_limits<std::int64_t>::max()));
  return Events{PointsEarned{c.amount, c.reason, state.points + c.amount, c.now}};
}

Decision<MembershipEvent> spend(const MembershipState& state, const SpendPoints& c) {
  if (auto no = member_check(state, true)) return tl::unexpected(*no);
  if (c.amount <= 0) return reject("invalid_field", "amount must be positive");
  if (c.amount > state.points)
    return reject("insufficient_points", "the customer has " + std::to_string(state.points));
  return Events{PointsSpent{c.amount, c.reason, state.points - c.amount, "", c.now}};
}

bool valid_items(const std::vector<PurchaseItem>& items) {
  for (const auto& item : items)
    if (item.quantity <= 0 || item.unit_price < 0) return false;
  return true;
}

Decision<MembershipEvent> purchase(const MembershipState& state, const RecordPurchase& c) {
  if (auto no = member_check(state, false)) return tl::unexpected(*no);
  if (const auto* recorded = state.purchase(c.purchase_id)) {
    const auto& done = recorded->purchase;
    if (done.items == c.items && done.amount == c.amount && done.points_used == c.points_used)
      return Events{};  // a retry: recorded once, answered again
    return reject("idempotency_conflict", "purchase " + c.purchase_id + " was another purchase");
  }
  if (state.purchases_blocked) return reject("purchases_blocked", "purchases are blocked");
  if (c.amount <= 0 || c.points_used < 0 || !valid_items(c.items))
    return reject("invalid_field", "amount, quantities and prices must be positive");
  if (c.points_used > state.points)
    return reject("insufficient_points", "the customer has " + std::to_string(state.points));
  Events events{PurchaseRecorded{c.purchase_id, c.items, c.amount, c.points_used, c.now}};
  if (c.points_used > 0)
    events.push_back(
        PointsSpent{c.points_used, "purchase", state.points - c.points_used, c.purchase_id, c.now});
  return events;
}

// domain.md §4 Cancel membership: every point forfeited in one event; again: nothing changes.
Decision<MembershipEvent> cancel(const MembershipState& state, const CancelMembership& c) {
  if (auto no = member_check(state, false)) return tl::unexpected(*no);
  if (state.cancelled()) return Events{};
  return Events{PointsForfeited{state.points, c.now},
                CustomerCancelled{c.now, one_year_later(c.now), state.points}};
}

Decision<MembershipEvent> expire_history(const MembershipState& state, const ExpireHistory& c) {
  if (auto no = member_check(state, false)) return tl::unexpected(*no);
  if (!state.cancelled()) return reject("customer_not_cancelled", "the customer is a member");
  if (state.history_expired()) return Events{};
  if (c.due && *c.due < state.cancellation->history_visible_until)
    return reject("history_not_due", "the history is visible until later");
  return Events{HistoryExpired{c.due.value_or(c.now), !c.due}};
}

Decision<MembershipEvent> block(const MembershipState& state, const BlockPurchases& c) {
  if (auto no = member_check(state, false)) return tl::unexpected(*no);
  if (state.purchases_blocked) return Events{};
  return Events{PurchasesBlocked{c.now}};
}

// domain.md §6: recorded once; again (the key already gone): the first erasure answers.
Decision<MembershipEvent> erase(const MembershipState& state, const EraseCustomer& c) {
  if (state.erasure) return Events{};
  if (auto no = member_check(state, false)) return tl::unexpected(*no);
  return Events{SubjectErased{customer_subject(c.customer_id), c.reason, c.now}};
}

}  // namespace

Decision<MembershipEvent> Membership::decide(const State& state, const Command& command) {
  return std::visit(
      Overloaded{[&](const RegisterCustomer& c) { return register_customer(state, c); },
                 [&](const EarnPoints& c) { return earn(state, c); },
                 [&](const SpendPoints& c) { return spend(state, c); },
                 [&](const RecordPurchase& c) { return purchase(state, c); },
                 [&](const CancelMembership& c) { return cancel(state, c); },
                 [&](const ExpireHistory& c) { return expire_history(state, c); },
                 [&](const BlockPurchases& c) { return block(state, c); },
                 [&](const EraseCustomer& c) { return erase(state, c); }},
      command);
}

std::optional<EarlierAppend> Membership::repeats(const State& state, const Command& command) {
  const auto at = [](std::uint64_t first, std::uint64_t last) -> std::optional<EarlierAppend> {
    if (last == 0) return std::nullopt;  // no such append
    return EarlierAppend{first, last};
  };
  return std::visit(
      Overloaded{
          [&](const RecordPurchase& c) {
            const auto* p = state.purchase(c.purchase_id);
            if (!p) return std::optional<EarlierAppend>{};
            return at(p->version, p->version + (p->purchase.points_used > 0));
          },
          [&](const CancelMembership&) { return at(state.cancelled_at - 1, state.cancelled_at); },
          [&](const ExpireHistory&) { return at(state.expired_at, state.expired_at); },
          [&](const BlockPurchases&) {
            // Not a replay: it confirms the block, by an admin or by the cancellation.
            const auto by = state.blocked_at ? state.blocked_at : state.cancelled_at;
            auto made = at(by, by);
            if (made) made->replayed = false;
            return made;
          },
          [&](const EraseCustomer&) { return at(state.erased_at, state.erased_at); },
          [](const auto&) { return std::optional<EarlierAppend>{}; }},
      command);
}

std::optional<Rejection> Membership::withholds(const State& state, const Command& command) {
  if (!state.erasure || std::holds_alternative<EraseCustomer>(command)) return std::nullopt;
  return member_check(state, false);
}

}  // namespace tally::commands::membership
