// The schedule rules of the coupons and membership domains (domain.md §5 Schedules), for
// Schedules (projections/schedules.h) under the stream categories "coupon" and "customer":
//   coupon_expiry: due at expires_at from coupon.issued, gone at coupon.expired or
//     coupon.refunded (a void coupon has nothing left to expire); ref = the coupon id.
//   history_expiry: due at history_visible_until from customer.cancelled, gone at
//     history.expired (by the process or an admin's purchases/expire) or subject.erased;
//     ref = the customer id.
// The kinds match commands/coupons kExpiryKind and commands/membership kHistoryExpiryKind,
// which the process runner's fires are keyed by (tests/projections check they agree).
#pragma once

#include <string_view>
#include <vector>

#include "projections/schedules.h"

namespace tally::projections {

inline constexpr std::string_view kCouponExpiryKind = "coupon_expiry";
inline constexpr std::string_view kHistoryExpiryKind = "history_expiry";

Result<std::vector<ScheduleChange>> coupon_schedule_rule(const eventstore::RecordedEvent& event);
Result<std::vector<ScheduleChange>> customer_schedule_rule(const eventstore::RecordedEvent& event);

}  // namespace tally::projections
