// Read models of the example counter domain, for tests and benchmarks only (the one place a
// read model includes commands/: the example domain is a fixture, not a business domain).
//   CounterTotals: per counter stream, the sum of its increments. With increments of 1 only,
//   the rows of any view sum to the position it reflects, so "exact as of N" is checkable.
//   counter_schedule_rule: a counter's reset is due from its first increment until reset.
#pragma once

#include <cstdint>
#include <string>

#include "projections/projection.h"
#include "projections/projector.h"
#include "projections/schedules.h"

namespace tally::projections::example {

class CounterTotals final : public Projection {
 public:
  std::string_view name() const override { return "counter_totals"; }
  Status apply(const eventstore::RecordedEvent& event, Rows& rows) override;
};

// The sum of every row of a CounterTotals view.
Result<std::int64_t> sum_of(const View& view);

Result<std::vector<ScheduleChange>> counter_schedule_rule(const eventstore::RecordedEvent& event);

}  // namespace tally::projections::example
