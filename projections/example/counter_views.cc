#include "projections/example/counter_views.h"

#include <charconv>

#include "commands/example/counter.h"

namespace tally::projections::example {

using commands::example::Counter;

namespace {

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

Status CounterTotals::apply(const eventstore::RecordedEvent& event, Rows& rows) {
  auto decoded = Counter::decode(event);
  if (!decoded) return tl::unexpected(decoded.error());
  const auto* inc = std::get_if<Counter::Incremented>(&*decoded);
  if (!inc) return {};
  auto current = rows.get(event.stream);
  if (!current) return tl::unexpected(current.error());
  const auto value = *current ? parse_int(**current) : std::optional<std::int64_t>(0);
  if (!value) return tally::fail(Code::corruption, "bad total of " + event.stream);
  rows.put(event.stream, std::to_string(*value + inc->by));
  return {};
}

Result<std::int64_t> sum_of(const View& view) {
  std::int64_t sum = 0;
  auto rows = view.scan("", SIZE_MAX);
  if (!rows) return tl::unexpected(rows.error());
  for (const auto& [key, value] : *rows) {
    auto n = parse_int(value);
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
