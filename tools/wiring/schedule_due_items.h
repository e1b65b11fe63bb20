// The schedules read model seen as the process runner's DueItems: the one place where
// commands/ and projections/ meet (design.md: tools/ wires them).
#pragma once

#include <atomic>

#include "commands/due_items.h"
#include "projections/projector.h"

namespace tally::wiring {

class ScheduleDueItems final : public commands::DueItems {
 public:
  // `schedules` runs the projections::Schedules read model.
  explicit ScheduleDueItems(const projections::Projector& schedules) : schedules_(schedules) {}

  Result<std::vector<commands::DueItem>> due(Timestamp until, std::size_t max) const override;
  Result<std::optional<Timestamp>> next_due() const override;
  void wait_for_change(std::chrono::milliseconds timeout) const override;

 private:
  const projections::Projector& schedules_;
  // The schedules' write count when due() last read them: wait_for_change waits for it to move.
  mutable std::atomic<std::uint64_t> seen_{0};
};

}  // namespace tally::wiring
