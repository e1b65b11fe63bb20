// The coupons' process: an expiry falls due at expires_at (the schedule rule in
// projections/expiry_schedules.cc adds it at coupon.issued and removes it at coupon.expired
// or coupon.refunded); the process runner fires it through this pure choice of command.
#include "commands/coupons/coupons.h"

namespace tally::commands::coupons {

Coupons::Command Coupons::on_due(const DueItem& item) {
  return ExpireCoupon{item.ref, item.due_at};
}

}  // namespace tally::commands::coupons
