// What the process runner needs from the schedules read model, as an interface, so that
// commands/ never includes projections/ (tools/ wires the two; design.md).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace tally::commands {

struct DueItem {
  std::string kind;  // "counter_reset", "payment_due", …
  Timestamp due_at;
  std::string ref;  // the id the item acts on

  bool operator==(const DueItem&) const = default;
};

class DueItems {
 public:
  virtual ~DueItems() = default;
  // Pending items due at or before `until`, by due time then ref, at most `max`.
  virtual Result<std::vector<DueItem>> due(Timestamp until, std::size_t max) const = 0;
  // The earliest pending due time.
  virtual Result<std::optional<Timestamp>> next_due() const = 0;
  // Returns when the items may have changed, or after `timeout`.
  virtual void wait_for_change(std::chrono::milliseconds timeout) const = 0;
};

}  // namespace tally::commands
