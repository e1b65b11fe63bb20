#include "projections/example/counter_views.h"

#include "commands/example/counter.h"
#include "core/numbers.h"

namespace tally::projections::example {

using commands::example::Counter;

Status CounterTotals::apply(const eventstore::RecordedEvent& event, Rows& rows) {
  auto decoded = Counter::decode(event);
  if (!decoded) return tl::unexpected(decoded.error());
  const auto* inc = std::get_if<Counter::Incremented>(&*decoded);
  if (!inc) return {};
  auto current = rows.get(event.stream);
  if (!current) return tl::unexpected(current.error());
  const auto value =
      *current ? parse_number<std::int64_t>(**current) : std::optional<std::int64_t>(0);
  if (!value) return tally::fail(Code::corruption, "bad total of " + event.stream);
  rows.put(event.stream, std::to_string(*value + inc->by));
  return {};
}

Result<std::int64_t> sum_of(const View& view) {
  std::int64_t sum = 0;
  auto rows = view.scan("", SIZE_MAX);
  if (!rows) return tl::unexpected(rows.error());
  for (const auto& [key, value] : *rows) {
    auto n = parse_number<std::int64_t>(value);
    if (!n) return tally::fail(Code::corruption, "bad total of " + key);
    sum += *n;
  }
  return sum;
}

Result<std::vector<ScheduleChange>> counter_schedule_rule(const eventstore::RecordedEvent& event) {
  auto decoded = Counter::decode(event);
  if (!decoded) return tl::unexpected(decoded.error());
  const std::string id = event.stream.substr(event.stream.find('-') + 1);
  const std::string kind(commands::example::kResetKind);
  std::vector<ScheduleChange> changes;
  if (const auto* inc = std::get_if<Counter::Incremented>(&*decoded); inc && inc->reset_due)
    changes.push_back({ScheduleChange::Op::add, {kind, *inc->reset_due, id}});
  if (std::holds_alternative<Counter::WasReset>(*decoded))
    changes.push_back({ScheduleChange::Op::remove, {kind, {}, id}});
  return changes;
}

}  // namespace tally::projections::example
