#include "tools/wiring/schedule_due_items.h"

#include "projections/schedules.h"

namespace tally::wiring {

Result<std::vector<commands::DueItem>> ScheduleDueItems::due(Timestamp until,
                                                             std::size_t max) const {
  seen_ = schedules_.writes();
  auto view = schedules_.view();
  if (!view) return tl::unexpected(view.error());
  projections::Schedules::Query query;
  query.to = until + std::chrono::microseconds(1);  // due at `until` is due
  query.limit = max;
  auto items = projections::Schedules::list(*view, query);
  if (!items) return tl::unexpected(items.error());
  std::vector<commands::DueItem> out;
  out.reserve(items->size());
  for (auto& item : *items)
    out.push_back(commands::DueItem{std::move(item.kind), item.due_at, std::move(item.ref)});
  return out;
}

Result<std::optional<Timestamp>> ScheduleDueItems::next_due() const {
  auto view = schedules_.view();
  if (!view) return tl::unexpected(view.error());
  projections::Schedules::Query query;
  query.limit = 1;
  auto items = projections::Schedules::list(*view, query);
  if (!items) return tl::unexpected(items.error());
  if (items->empty()) return std::optional<Timestamp>{};
  return std::optional<Timestamp>(items->front().due_at);
}

void ScheduleDueItems::wait_for_change(std::chrono::milliseconds timeout) const {
  // Not on every step of the projector: most commits schedule nothing.
  schedules_.wait_for_write(seen_, timeout);
}

}  // namespace tally::wiring
