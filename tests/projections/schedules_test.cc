// The schedules read model: items added, moved and removed by domain events, listed by due
// time then ref, filtered by kind and time range.
#include "projections/schedules.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "commands/example/counter.h"
#include "projections/example/counter_views.h"
#include "support.h"

namespace tally::projections {
namespace {

using commands::example::Counter;
using eventstore::test::open_log;
using eventstore::test::TempDir;
using namespace std::chrono_literals;

const Timestamp kT0 = Timestamp(std::chrono::hours(24 * 20000));

struct Fixture {
  TempDir dir;
  std::unique_ptr<eventstore::Log> log = open_log(dir.data());
  std::unique_ptr<eventstore::KvStore> store =
      eventstore::KvStore::open(dir.data() / "views").value();
  Schedules schedules{{{"counter", example::counter_schedule_rule}}};
  Projector projector{*log, *store, schedules};

  void emit(const std::string& id, Counter::Event event) {
    REQUIRE(log->append(eventstore::test::to_stream(
        "counter-" + id, eventstore::ExpectedVersion::any(), {Counter::encode(event)})));
  }
  std::vector<ScheduleItem> list(Schedules::Query query = {}) {
    REQUIRE(projector.catch_up());
    return Schedules::list(projector.view().value(), query).value();
  }
};

ScheduleItem reset_of(std::string id, Timestamp due) {
  return {std::string(commands::example::kResetKind), due, std::move(id)};
}

TEST_CASE("items are listed by due time, then by ref") {
  Fixture f;
  f.emit("b", Counter::Incremented{1, kT0 + 2h});
  f.emit("c", Counter::Incremented{1, kT0 + 1h});
  f.emit("a", Counter::Incremented{1, kT0 + 2h});
  f.emit("a", Counter::Incremented{1, {}});  // schedules nothing
  CHECK(f.list() == std::vector<ScheduleItem>{reset_of("c", kT0 + 1h), reset_of("a", kT0 + 2h),
                                              reset_of("b", kT0 + 2h)});
}

TEST_CASE("an item is removed by its domain's event, and moved when added again") {
  Fixture f;
  f.emit("a", Counter::Incremented{1, kT0 + 1h});
  f.emit("b", Counter::Incremented{1, kT0 + 1h});
  f.emit("a", Counter::WasReset{kT0 + 1h});
  CHECK(f.list() == std::vector<ScheduleItem>{reset_of("b", kT0 + 1h)});
  f.emit("b", Counter::Incremented{1, kT0 + 3h});
  CHECK(f.list() == std::vector<ScheduleItem>{reset_of("b", kT0 + 3h)});
}

TEST_CASE("from is inclusive, to exclusive, kind filters and limit bounds") {
  Fixture f;
  for (int i = 0; i < 5; ++i)
    f.emit(std::to_string(i), Counter::Incremented{1, kT0 + std::chrono::hours(i)});
  Schedules::Query range;
  range.from = kT0 + 1h;
  range.to = kT0 + 3h;
  CHECK(f.list(range) ==
        std::vector<ScheduleItem>{reset_of("1", kT0 + 1h), reset_of("2", kT0 + 2h)});
  Schedules::Query other_kind;
  other_kind.kind = "payment_due";
  CHECK(f.list(other_kind).empty());
  Schedules::Query limited;
  limited.limit = 2;
  CHECK(f.list(limited).size() == 2);
}

TEST_CASE("a cursor pages through items sharing one due time, each once, in order") {
  Fixture f;
  for (const char* id : {"d", "a", "c", "b", "e"}) f.emit(id, Counter::Incremented{1, kT0});
  f.emit("z", Counter::Incremented{1, kT0 - 1h});
  Schedules::Query page;
  page.limit = 2;
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    const auto items = f.list(page);
    for (const auto& item : items) seen.push_back(item.ref);
    if (items.size() < page.limit) break;
    const auto cursor = Schedules::cursor(items.back());
    page.after = Schedules::parse_cursor(cursor);
    REQUIRE(page.after);
    CHECK(*page.after == items.back());
  }
  CHECK(seen == std::vector<std::string>{"z", "a", "b", "c", "d", "e"});
  for (std::string_view bad :
       {"", "x", "0123456789abcdef", "0123456789abcdef.a", "0123456789abcdef..",
        "0123456789abcdef..reset", "0123456789abcdef.abc.", "0123456789abcdeg.a.reset"})
    CHECK_FALSE(Schedules::parse_cursor(bad));
}

TEST_CASE("times before the epoch sort before later ones") {
  Fixture f;
  f.emit("late", Counter::Incremented{1, kT0});
  f.emit("early", Counter::Incremented{1, Timestamp(-1h)});
  const auto items = f.list();
  REQUIRE(items.size() == 2);
  CHECK(items[0].ref == "early");
  CHECK(items[0].due_at == Timestamp(-1h));
}

TEST_CASE("listing pages through more items than one scan reads") {
  Fixture f;
  for (int i = 0; i < 2100; ++i)
    f.emit(fmt::format("{:05}", i), Counter::Incremented{1, kT0 + std::chrono::seconds(i)});
  Schedules::Query all;
  all.limit = 5000;
  const auto items = f.list(all);
  REQUIRE(items.size() == 2100);
  CHECK(items.back().ref == "02099");
}

}  // namespace
}  // namespace tally::projections
