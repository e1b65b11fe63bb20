#include "projections/schedules.h"

#include <fmt/format.h>

#include <algorithm>

#include "projections/view_support.h"

namespace tally::projections {
namespace {

using views::category_of;
using views::parse_time_key;
using views::time_key;

// Rows: "due/<due>/<ref>\0<kind>" -> "" orders items by due time then ref;
// "item/<kind>\0<ref>" -> "<due>" finds an item's row to move or remove it.
// <due> is the due time's views::time_key, so that it sorts as the time does.
constexpr std::string_view kDue = "due/";
constexpr std::string_view kItem = "item/";

std::string due_key(const ScheduleItem& item) {
  return fmt::format("{}{}/{}", kDue, time_key(item.due_at), item.ref) + '\0' + item.kind;
}

std::string item_key(std::string_view kind, std::string_view ref) {
  return std::string(kItem) + std::string(kind) + '\0' + std::string(ref);
}

}  // namespace

Schedules::Schedules(std::vector<std::pair<std::string, ScheduleRule>> rules)
    : rules_(std::move(rules)) {}

Status Schedules::apply(const eventstore::RecordedEvent& event, Rows& rows) {
  const auto category = category_of(event.stream);
  for (const auto& [owner, rule] : rules_) {
    if (owner != category) continue;
    auto changes = rule(event);
    if (!changes) return tl::unexpected(changes.error());
    for (const auto& change : *changes) {
      const std::string key = item_key(change.item.kind, change.item.ref);
      auto existing = rows.get(key);
      if (!existing) return tl::unexpected(existing.error());
      if (*existing) {
        auto due = parse_time_key(**existing);
        if (!due) return tally::fail(Code::corruption, "bad due time in schedules");
        rows.erase(due_key({change.item.kind, *due, change.item.ref}));
        rows.erase(key);
      }
      if (change.op == ScheduleChange::Op::add) {
        rows.put(due_key(change.item), "");
        rows.put(key, time_key(change.item.due_at));
      }
    }
  }
  return {};
}

std::string Schedules::cursor(const ScheduleItem& item) {
  return time_key(item.due_at) + '.' + item.ref + '.' + item.kind;
}

std::optional<ScheduleItem> Schedules::parse_cursor(std::string_view text) {
  const auto last_dot = text.rfind('.');
  if (text.size() < 20 || text[16] != '.' || last_dot <= 17 || last_dot + 1 == text.size())
    return std::nullopt;
  auto due = parse_time_key(text.substr(0, 16));
  if (!due) return std::nullopt;
  return ScheduleItem{std::string(text.substr(last_dot + 1)), *due,
                      std::string(text.substr(17, last_dot - 17))};
}

Result<std::vector<ScheduleItem>> Schedules::list(const View& view, const Query& query) {
  std::vector<ScheduleItem> items;
  std::string from = std::string(kDue) + (query.from ? time_key(*query.from) : std::string());
  if (query.after) from = std::max(from, due_key(*query.after) + '\0');  // just past it
  const std::string to =
      query.to ? std::string(kDue) + time_key(*query.to) : eventstore::prefix_end(kDue);
  constexpr std::size_t kPage = 1000;
  while (items.size() < query.limit) {
    auto rows = view.range(from, to, kPage);
    if (!rows) return tl::unexpected(rows.error());
    for (const auto& [key, value] : *rows) {
      const std::string_view rest = std::string_view(key).substr(kDue.size());
      const auto nul = rest.find('\0');
      auto due = parse_time_key(rest.substr(0, 16));
      if (!due || nul == std::string_view::npos || nul < 17)
        return tally::fail(Code::corruption, "bad schedules row");
      ScheduleItem item{std::string(rest.substr(nul + 1)), *due,
                        std::string(rest.substr(17, nul - 17))};
      if (query.kind && item.kind != *query.kind) continue;
      items.push_back(std::move(item));
      if (items.size() >= query.limit) return items;
    }
    if (rows->size() < kPage) break;
    from = rows->back().first + '\0';  // just after the last row read
  }
  return items;
}

}  // namespace tally::projections
