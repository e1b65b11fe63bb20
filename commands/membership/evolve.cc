#include "commands/membership/overloaded.h"
#include "commands/membership/state.h"

namespace tally::commands::membership {

Timestamp one_year_later(Timestamp t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day date{day};
  year_month_day next{date.year() + years(1), date.month(), date.day()};
  if (!next.ok()) next = year_month_day_last{next.year(), month_day_last{next.month()}};
  return sys_days(next) + (t - day);
}

MembershipState evolve(MembershipState state, const MembershipEvent& event) {
  std::visit(Overloaded{[&](const CustomerRegistered&) { state.registered = true; },
                        [&](const PointsEarned& e) { state.points += e.amount; },
                        [&](const PointsSpent& e) { state.points -= e.amount; },
                        [&](const PointsForfeited& e) { state.points -= e.amount; },
                        [&](const PurchaseRecorded& e) { state.purchases[e.purchase_id] = e; },
                        [&](const CustomerCancelled& e) {
                          state.cancellation = e;
                          state.purchases_blocked = true;
                        },
                        [&](const PurchasesBlocked&) { state.purchases_blocked = true; },
                        [&](const HistoryExpired&) { state.history_expired = true; }},
             event);
  return state;
}

}  // namespace tally::commands::membership
