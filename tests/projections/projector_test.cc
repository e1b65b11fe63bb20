// The projector runtime: catching up and following, checkpoints, read-your-writes, status,
// rebuild while serving.
#include "projections/projector.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <atomic>
#include <thread>

#include "projections/example/counter_views.h"
#include "support.h"

namespace tally::projections {
namespace {

using eventstore::test::open_log;
using eventstore::test::TempDir;
using example::CounterTotals;
using example::sum_of;
using test::append_increments;
using namespace std::chrono_literals;

std::unique_ptr<eventstore::KvStore> open_store(const TempDir& dir) {
  return eventstore::KvStore::open(dir.data() / "views").value();
}

eventstore::KvRows rows_of(const Projector& p) {
  return p.view().value().scan("", 1'000'000).value();
}

TEST_CASE("a projector catches up at start, then follows new positions") {
  TempDir dir;
  auto log = open_log(dir.data());
  auto store = open_store(dir);
  append_increments(*log, 50);
  CounterTotals totals;
  Projector projector(*log, *store, totals);
  REQUIRE(projector.start());
  CHECK(projector.wait_for(Position(50), 2s) >= Position(50));
  append_increments(*log, 25);
  CHECK(projector.wait_for(Position(75), 2s) == Position(75));
  auto view = projector.view().value();
  CHECK(view.position() == Position(75));
  CHECK(sum_of(view).value() == 75);
  // counter-0 got i = 0, 7, …, 49 of the first 50 and 0, 7, 14, 21 of the next 25.
  CHECK(view.get("counter-0").value() == std::optional<std::string>("12"));
}

TEST_CASE("a restarted projector resumes from its checkpoint: every event counts once") {
  TempDir dir;
  auto log = open_log(dir.data());
  auto store = open_store(dir);
  CounterTotals totals;
  append_increments(*log, 30);
  {
    Projector projector(*log, *store, totals);
    REQUIRE(projector.catch_up());
  }
  append_increments(*log, 12);
  Projector projector(*log, *store, totals);
  REQUIRE(projector.catch_up());
  auto view = projector.view().value();
  CHECK(view.position() == Position(42));
  CHECK(sum_of(view).value() == 42);
}

TEST_CASE("wait_for gives up after its timeout and says how far the model got") {
  TempDir dir;
  auto log = open_log(dir.data());
  auto store = open_store(dir);
  append_increments(*log, 3);
  CounterTotals totals;
  Projector projector(*log, *store, totals);
  REQUIRE(projector.start());
  const auto started = std::chrono::steady_clock::now();
  CHECK(projector.wait_for(Position(100), 200ms) == Position(3));
  CHECK(std::chrono::steady_clock::now() - started >= 200ms);
}

// A log, a views store and the counter totals model, in a temporary dir.
struct Totals {
  TempDir dir;
  std::unique_ptr<eventstore::Log> log = open_log(dir.data());
  std::unique_ptr<eventstore::KvStore> store = open_store(dir);
  CounterTotals totals;
};

// Resets are events CounterTotals ignores: they change no row.
void append_resets(eventstore::Log& log, int count) {
  using commands::example::Counter;
  for (int i = 0; i < count; ++i)
    REQUIRE(log.append(eventstore::test::to_stream(
        "counter-0", eventstore::ExpectedVersion::any(),
        {Counter::encode(Counter::WasReset{Timestamp(std::chrono::seconds(i))})})));
}

TEST_CASE("following events that change no row: views report the position, nothing is lost") {
  Totals t;
  auto& [dir, log, store, totals] = t;
  append_increments(*log, 5);
  {
    Projector projector(*log, *store, totals);
    REQUIRE(projector.start());
    REQUIRE(projector.wait_for(Position(5), 2s) == Position(5));
    const std::uint64_t writes = projector.writes();
    append_resets(*log, 40);
    REQUIRE(projector.wait_for(Position(45), 2s) == Position(45));
    // The rows did not change, so readers of the rows are not woken, yet a view taken now is
    // at the head: a query with min_position 45 is answered.
    CHECK(projector.writes() == writes);
    auto view = projector.view().value();
    CHECK(view.position() == Position(45));
    CHECK(sum_of(view).value() == 5);
    append_increments(*log, 1);
    REQUIRE(projector.wait_for(Position(46), 2s) == Position(46));
    CHECK(projector.writes() > writes);
    append_resets(*log, 3);
    REQUIRE(projector.wait_for(Position(49), 2s) == Position(49));
  }
  // Restarted: the ignored tail is read again and ignored again; every increment counts once.
  Projector projector(*log, *store, totals);
  REQUIRE(projector.start());
  REQUIRE(projector.wait_for(Position(49), 2s) == Position(49));
  auto view = projector.view().value();
  CHECK(view.position() == Position(49));
  CHECK(sum_of(view).value() == 6);
}

TEST_CASE("wait_for_write wakes when rows change, and not for events that change none") {
  Totals t;
  auto& [dir, log, store, totals] = t;
  Projector projector(*log, *store, totals);
  REQUIRE(projector.start());
  std::uint64_t seen = projector.writes();
  append_resets(*log, 2);
  REQUIRE(projector.wait_for(Position(2), 2s) == Position(2));
  auto started = std::chrono::steady_clock::now();
  projector.wait_for_write(seen, 150ms);
  CHECK(std::chrono::steady_clock::now() - started >= 150ms);  // nothing to wake it
  std::thread writer([&] {
    std::this_thread::sleep_for(50ms);
    append_increments(*log, 1);
  });
  started = std::chrono::steady_clock::now();
  projector.wait_for_write(seen, 5s);
  writer.join();
  CHECK(projector.writes() != seen);
  CHECK(std::chrono::steady_clock::now() - started < 4s);
}

TEST_CASE("status reports position, lag and state") {
  TempDir dir;
  auto log = open_log(dir.data());
  auto store = open_store(dir);
  append_increments(*log, 20);
  CounterTotals totals;
  Projector projector(*log, *store, totals);
  auto before = projector.status();
  CHECK(before.name == "counter_totals");
  CHECK(before.lag == 20);
  REQUIRE(projector.start());
  projector.wait_for(Position(20), 2s);
  auto after = projector.status();
  CHECK(after.position == Position(20));
  CHECK(after.lag == 0);
  CHECK(after.state == "live");
}

TEST_CASE("an event the model cannot read stops it with the position, not a crash") {
  TempDir dir;
  auto log = open_log(dir.data());
  auto store = open_store(dir);
  append_increments(*log, 2);
  REQUIRE(log->append(eventstore::test::one_event("counter-x", "not json")));
  CounterTotals totals;
  Projector projector(*log, *store, totals);
  REQUIRE(projector.start());
  projector.wait_for(Position(3), 2s);
  auto status = projector.status();
  CHECK(status.state == "failed");
  REQUIRE(status.error);
  CHECK(status.error->message.find("position 3") != std::string::npos);
  CHECK(projector.position() < Position(3));  // the event's batch was not written
}

// Counter totals that refuse the event at one position while `refusing` is set.
class RefusingTotals final : public Projection {
 public:
  explicit RefusingTotals(Position at = Position(2), bool refusing_now = false)
      : refusing(refusing_now), at_(at) {}
  std::string_view name() const override { return "counter_totals"; }
  Status apply(const eventstore::RecordedEvent& event, Rows& rows) override {
    if (refusing && event.position == at_) return tally::fail(Code::corruption, "refused");
    return inner.apply(event, rows);
  }
  std::atomic<bool> refusing;

 private:
  const Position at_;
  CounterTotals inner;
};

TEST_CASE("a failed rebuild leaves the serving copy live, and waits still wait") {
  TempDir dir;
  auto log = open_log(dir.data());
  auto store = open_store(dir);
  append_increments(*log, 5);
  RefusingTotals totals;
  Projector projector(*log, *store, totals);
  REQUIRE(projector.start());
  REQUIRE(projector.wait_for(Position(5), 2s) == Position(5));
  totals.refusing = true;  // only the rebuild meets position 2 again
  REQUIRE(projector.rebuild());
  for (int i = 0; i < 100 && projector.status().state == "rebuilding"; ++i)
    std::this_thread::sleep_for(20ms);
  const auto status = projector.status();
  CHECK(status.state == "live");
  REQUIRE(status.error);
  CHECK(status.error->message.find("refused") != std::string::npos);
  const auto started = std::chrono::steady_clock::now();
  CHECK(projector.wait_for(Position(6), 200ms) == Position(5));
  CHECK(std::chrono::steady_clock::now() - started >= 200ms);
  append_increments(*log, 1);
  CHECK(projector.wait_for(Position(6), 2s) == Position(6));
  CHECK(sum_of(projector.view().value()).value() == 6);
}

void wait_for_state(const Projector& p, std::string_view state) {
  for (int i = 0; i < 250 && p.status().state != state; ++i) std::this_thread::sleep_for(20ms);
}

TEST_CASE(
    "a model failed pages into a step stays failed through a failed rebuild, then comes back") {
  TempDir dir;
  auto log = open_log(dir.data());
  auto store = open_store(dir);
  append_increments(*log, 8);
  RefusingTotals totals(Position(6), /*refusing_now=*/true);
  Projector projector(*log, *store, totals, /*events_per_batch=*/2);
  REQUIRE(projector.start());
  wait_for_state(projector, "failed");
  REQUIRE(projector.status().state == "failed");
  CHECK(projector.position() == Position(4));  // the pages before the refused one are written

  // The cause is still there: the rebuild meets it too (it builds to the head, not to where
  // the failed copy stands), nothing is switched, and the copy stays failed, not stepping on.
  const auto writes_before = projector.writes();
  REQUIRE(projector.rebuild());
  for (int i = 0; i < 250 && projector.status().rebuild; ++i) std::this_thread::sleep_for(20ms);
  CHECK_FALSE(projector.status().rebuild);
  CHECK(projector.writes() == writes_before);
  CHECK(projector.status().state == "failed");
  append_increments(*log, 1);
  std::this_thread::sleep_for(200ms);
  auto status = projector.status();
  CHECK(status.state == "failed");
  CHECK(projector.position() == Position(4));

  totals.refusing = false;  // fixed: a rebuild replaces the failed copy, built past where it was
  REQUIRE(projector.rebuild());
  wait_for_state(projector, "live");
  status = projector.status();
  CHECK(status.state == "live");
  CHECK_FALSE(status.error);
  CHECK(projector.wait_for(Position(9), 2s) == Position(9));
  CHECK(sum_of(projector.view().value()).value() == 9);
  append_increments(*log, 1);
  CHECK(projector.wait_for(Position(10), 2s) == Position(10));
  CHECK(sum_of(projector.view().value()).value() == 10);
}

TEST_CASE("rows built from a longer log are refused, and a rebuild makes them this log's") {
  TempDir dir;
  auto first = open_log(dir.data());
  auto store = open_store(dir);
  CounterTotals totals;
  {
    auto log = std::move(first);
    append_increments(*log, 10);
    Projector projector(*log, *store, totals);
    REQUIRE(projector.catch_up());
  }
  // The log is swapped for one with fewer events (restored from an older backup, say).
  TempDir other;
  auto log = open_log(other.data());
  append_increments(*log, 3);
  Projector projector(*log, *store, totals);
  auto started = projector.start();
  REQUIRE_FALSE(started);
  CHECK(started.error().code == Code::corruption);
  CHECK(started.error().message.find("past the log's head 3") != std::string::npos);
  REQUIRE_FALSE(projector.catch_up());
  REQUIRE(projector.rebuild_now(nullptr));
  CHECK(sum_of(projector.view().value()).value() == 3);
}

TEST_CASE("an offline rebuild gives the same rows and reports progress up to the head") {
  TempDir dir;
  auto log = open_log(dir.data());
  auto store = open_store(dir);
  append_increments(*log, 2500);
  CounterTotals totals;
  Projector projector(*log, *store, totals, /*events_per_batch=*/1000);
  REQUIRE(projector.catch_up());
  const auto before = rows_of(projector);
  std::vector<Position> reported;
  REQUIRE(projector.rebuild_now([&](const Progress& p) {
    reported.push_back(p.position);
    CHECK(p.target == Position(2500));
  }));
  CHECK(rows_of(projector) == before);
  CHECK(projector.view().value().position() == Position(2500));
  REQUIRE(reported.size() >= 3);
  CHECK(std::is_sorted(reported.begin(), reported.end()));
  CHECK(reported.back() == Position(2500));
}

// Marks each event with the layout that applied it, and counts what it applied.
class Laid final : public Projection {
 public:
  explicit Laid(std::uint32_t layout) : layout_(layout) {}
  std::string_view name() const override { return "laid"; }
  std::uint32_t layout() const override { return layout_; }
  Status apply(const eventstore::RecordedEvent& event, Rows& rows) override {
    ++applied;
    rows.put(fmt::format("seen/{:04}", event.position.value), std::to_string(layout_));
    return {};
  }
  int applied = 0;

 private:
  std::uint32_t layout_;
};

TEST_CASE("rows written in another layout are dropped at start and built again from the log") {
  TempDir dir;
  auto log = open_log(dir.data());
  auto store = open_store(dir);
  append_increments(*log, 5);
  const auto all_rows = [&] { return store->snapshot()->scan("r/laid/", "r/laid0", 1000).value(); };
  {
    Laid first(1);
    Projector projector(*log, *store, first);
    REQUIRE(projector.catch_up());
    CHECK(all_rows().size() == 5);
  }
  SUBCASE("catch_up") {
    Laid second(2);
    Projector projector(*log, *store, second);
    REQUIRE(projector.catch_up());
    CHECK(second.applied == 5);
    CHECK(projector.view().value().position() == Position(5));
  }
  SUBCASE("following") {
    Laid second(2);
    Projector projector(*log, *store, second);
    REQUIRE(projector.start());
    CHECK(projector.wait_for(Position(5), 2s) == Position(5));
    CHECK(second.applied == 5);
  }
  // Only the new layout's rows are left in the store, old generations included.
  const auto rows = all_rows();
  CHECK(rows.size() == 5);
  for (const auto& [key, value] : rows) CHECK(value == "2");

  // Opened again in the same layout, it resumes from its checkpoint.
  append_increments(*log, 2);
  Laid again(2);
  Projector projector(*log, *store, again);
  REQUIRE(projector.catch_up());
  CHECK(again.applied == 2);
  CHECK(projector.view().value().scan("seen/", 100).value().size() == 7);
}

TEST_CASE("a rebuild while serving: answers never go missing or stale, then it switches") {
  TempDir dir;
  auto log = open_log(dir.data());
  auto store = open_store(dir);
  append_increments(*log, 5000);
  CounterTotals totals;
  Projector projector(*log, *store, totals);
  REQUIRE(projector.start());
  REQUIRE(projector.wait_for(Position(5000), 5s) == Position(5000));

  std::atomic<bool> writing{true};
  std::atomic<int> bad_views{0}, stale{0}, reads{0};
  std::thread writer([&] {
    append_increments(*log, 1500);
    writing = false;
  });
  std::thread reader([&] {
    while (writing) {
      const Position wanted = log->head();
      projector.wait_for(wanted, 2s);
      auto view = projector.view();
      if (!view || sum_of(*view).value() != static_cast<std::int64_t>(view->position().value))
        ++bad_views;
      else if (view->position() < wanted)
        ++stale;
      ++reads;
    }
  });
  REQUIRE(projector.rebuild());
  CHECK(projector.status().state == "rebuilding");
  writer.join();
  reader.join();
  CHECK(bad_views == 0);
  CHECK(stale == 0);
  CHECK(reads > 0);
  // The rebuilt copy takes over.
  for (int i = 0; i < 100 && projector.status().state == "rebuilding"; ++i)
    std::this_thread::sleep_for(50ms);
  CHECK(projector.status().state == "live");
  projector.wait_for(Position(6500), 2s);
  auto view = projector.view().value();
  CHECK(view.position() == Position(6500));
  CHECK(sum_of(view).value() == 6500);
}

}  // namespace
}  // namespace tally::projections
