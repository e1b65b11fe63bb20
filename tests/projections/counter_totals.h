// A read model for tests: per counter, the sum of its increments. With increments of 1 only,
// the sum over all rows equals the position the model reflects, which makes "exact as of
// position N" checkable from any view.
#pragma once

#include <charconv>

#include "commands/example/counter.h"
#include "projections/projection.h"
#include "projections/projector.h"

namespace tally::projections::test {

class CounterTotals final : public Projection {
 public:
  std::string_view name() const override { return "counter_totals"; }
  Status apply(const eventstore::RecordedEvent& event, Rows& rows) override {
    auto decoded = commands::example::Counter::decode(event);
    if (!decoded) return tl::unexpected(decoded.error());
    const auto* inc = std::get_if<commands::example::Counter::Incremented>(&*decoded);
    if (!inc) return {};
    auto current = rows.get(event.stream);
    if (!current) return tl::unexpected(current.error());
    std::int64_t value = 0;
    if (*current)
      std::from_chars((*current)->data(), (*current)->data() + (*current)->size(), value);
    rows.put(event.stream, std::to_string(value + inc->by));
    return {};
  }
};

inline std::int64_t sum_of(const View& view) {
  std::int64_t sum = 0;
  const auto rows = view.scan("", 1'000'000).value();
  for (const auto& [key, value] : rows) sum += std::stoll(value);
  return sum;
}

inline std::string incremented_by_one() {
  return commands::example::Counter::encode(commands::example::Counter::Incremented{1, {}}).payload;
}

}  // namespace tally::projections::test
