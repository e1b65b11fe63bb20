// The membership process: a cancelled customer's history expires one calendar year after the
// cancellation (domain.md §4). The schedule rule (projections/expiry_schedules.cc) adds the
// item at customer.cancelled and removes it at history.expired; the runner fires it here.
#include "commands/membership/membership.h"

namespace tally::commands::membership {

Membership::Command Membership::on_due(const DueItem& item) {
  return ExpireHistory{item.ref, item.due_at, item.due_at};
}

}  // namespace tally::commands::membership
