#include "commands/membership/state.h"
#include "commands/overloaded.h"

namespace tally::commands::membership {
namespace {

using Purchases = std::map<std::string, RecordedPurchase>;

}  // namespace

Timestamp one_year_later(Timestamp t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day date{day};
  year_month_day next{date.year() + years(1), date.month(), date.day()};
  if (!next.ok()) next = year_month_day_last{next.year(), month_day_last{next.month()}};
  // Past the year 9999 no time can be written (RFC 3339, a protobuf Timestamp), nor can any
  // clock get there: the last writable instant stands for "never".
  return std::min(Timestamp(sys_days(next) + (t - day)), end_of_writable_time() - microseconds(1));
}

const RecordedPurchase* MembershipState::purchase(const std::string& purchase_id) const {
  if (!purchases) return nullptr;
  auto it = purchases->find(purchase_id);
  return it == purchases->end() ? nullptr : &it->second;
}

MembershipState evolve(MembershipState state, const MembershipEvent& event) {
  ++state.version;
  std::visit(Overloaded{[&](const CustomerRegistered&) { state.registered = true; },
                        [&](const PointsEarned& e) { state.points += e.amount; },
                        [&](const PointsSpent& e) { state.points -= e.amount; },
                        [&](const PointsForfeited& e) { state.points -= e.amount; },
                        [&](const PurchaseRecorded& e) {
                          auto next = state.purchases
                                          ? std::make_shared<Purchases>(*state.purchases)
                                          : std::make_shared<Purchases>();
                          // decide appends the points it used right after it (decide.cc).
                          (*next)[e.purchase_id] =
                              RecordedPurchase{e, state.version, state.points - e.points_used};
                          state.purchases = std::move(next);
                        },
                        [&](const CustomerCancelled& e) {
                          state.cancellation = e;
                          state.cancelled_at = state.version;
                          state.purchases_blocked = true;
                        },
                        [&](const PurchasesBlocked&) {
                          state.purchases_blocked = true;
                          state.blocked_at = state.version;
                        },
                        [&](const HistoryExpired&) { state.expired_at = state.version; },
                        [&](const SubjectErased& e) {
                          state.erasure = e;
                          state.erased_at = state.version;
                        }},
             event);
  return state;
}

}  // namespace tally::commands::membership
