// The schedules read model: everything due in time (payment deadlines, scheduled sends,
// retries, history and coupon expiries), ordered by due time. Domains say which of their
// events add or remove an item through a rule; an item is one (kind, ref), and adding it
// again moves it. It drives the process runner and answers GET /api/v1/schedules.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "projections/projection.h"
#include "projections/projector.h"

namespace tally::projections {

struct ScheduleItem {
  std::string kind;
  Timestamp due_at;
  std::string ref;

  bool operator==(const ScheduleItem&) const = default;
};

struct ScheduleChange {
  enum class Op { add, remove };
  Op op = Op::add;
  ScheduleItem item;  // for remove, due_at is not used
};

// A domain's rule: the schedule changes an event makes (none for most events).
using ScheduleRule =
    std::function<Result<std::vector<ScheduleChange>>(const eventstore::RecordedEvent& event)>;

class Schedules final : public Projection {
 public:
  // `rules` by stream category (the part of the stream name before the first '-').
  explicit Schedules(std::vector<std::pair<std::string, ScheduleRule>> rules);

  std::string_view name() const override { return "schedules"; }
  Status apply(const eventstore::RecordedEvent& event, Rows& rows) override;

  struct Query {
    std::optional<std::string> kind;
    std::optional<Timestamp> from;      // inclusive
    std::optional<Timestamp> to;        // exclusive
    std::optional<ScheduleItem> after;  // a page's last item: the next page starts past it
    std::size_t limit = 100;
  };
  // Pending items of `view`, by due time then ref.
  static Result<std::vector<ScheduleItem>> list(const View& view, const Query& query);

  // A page's `next` names its last item in URL-safe text: "<due>.<ref>.<kind>" (kinds and refs
  // are ids, which have no '.'); parse_cursor reads it back, nullopt for anything else.
  static std::string cursor(const ScheduleItem& item);
  static std::optional<ScheduleItem> parse_cursor(std::string_view text);

 private:
  std::vector<std::pair<std::string, ScheduleRule>> rules_;
};

}  // namespace tally::projections
