// What a caller is told after a membership command (api.md Membership).
#include <nlohmann/json.hpp>

#include "commands/membership/membership.h"
#include "commands/overloaded.h"

namespace tally::commands::membership {
namespace {

using nlohmann::json;

std::string cancelled(const MembershipState& after) {
  if (!after.cancellation) return json::object().dump();
  const auto& c = *after.cancellation;
  return json{{"message", "the membership is cancelled"},
              {"cancellation_date", format_rfc3339(c.cancelled_at)},
              {"points_forfeited", c.points_forfeited},
              {"history_visible_until", format_rfc3339(c.history_visible_until)}}
      .dump();
}

}  // namespace

std::string customer_stream(std::string_view customer_id) {
  return "customer-" + std::string(customer_id);
}

std::string customer_subject(std::string_view customer_id) {
  return "customer:" + std::string(customer_id);
}

std::string Membership::stream(const Command& command) {
  return customer_stream(
      std::visit([](const auto& c) -> const std::string& { return c.customer_id; }, command));
}

std::string Membership::answer(const State& after, const Command& command) {
  const json points{{"points", after.points}};
  return std::visit(
      Overloaded{[&](const RegisterCustomer& c) {
                   return json{{"customer_id", c.customer_id}}.dump();
                 },
                 [&](const EarnPoints&) { return points.dump(); },
                 [&](const SpendPoints&) { return points.dump(); },
                 [&](const RecordPurchase& c) {
                   // As the purchase left them: a retry long after is told the same.
                   const auto* p = after.purchase(c.purchase_id);
                   return json{{"purchase_id", c.purchase_id},
                               {"points", p ? p->points_after : after.points}}
                       .dump();
                 },
                 [&](const CancelMembership&) { return cancelled(after); },
                 [&](const ExpireHistory&) {
                   return json{{"message", "the purchase history has expired"}}.dump();
                 },
                 [&](const BlockPurchases&) {
                   return json{{"message", "purchases are blocked"}}.dump();
                 },
                 [&](const EraseCustomer& c) {
                   return json{{"subject", customer_subject(c.customer_id)}}.dump();
                 }},
      command);
}

}  // namespace tally::commands::membership
