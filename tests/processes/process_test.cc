// The process runner end to end: a counter's reset falls due in the schedules read model and
// the runner fires the domain's command, driven by the test clock.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <future>
#include <thread>

#include "commands/example/counter.h"
#include "commands/process_runner.h"
#include "eventstore/support.h"
#include "projections/example/counter_views.h"
#include "projections/schedules.h"
#include "tools/wiring/schedule_due_items.h"

namespace tally::commands {
namespace {

using eventstore::test::open_log;
using eventstore::test::TempDir;
using example::Counter;
using namespace std::chrono_literals;

const Timestamp kT0 = Timestamp(std::chrono::hours(24 * 20000));

// A server's worth of wiring over one data dir: log, schedules, command bus, runner.
struct Server {
  Server(const TempDir& dir, const Clock& clock)
      : log(open_log(dir.data(), options_with(clock))),
        store(eventstore::KvStore::open(dir.data() / "views").value()),
        schedules({{"counter", projections::example::counter_schedule_rule}}),
        projector(*log, *store, schedules),
        bus(*log),
        due(projector),
        runner(clock, due, {{std::string(example::kResetKind), fire_through(bus, Counter::on_due)}},
               ProcessRunner::Options{20ms, 100}) {
    REQUIRE(projector.start());
  }
  static eventstore::LogOptions options_with(const Clock& clock) {
    eventstore::LogOptions options;
    options.clock = &clock;
    return options;
  }
  std::size_t resets(const std::string& id) {
    std::size_t n = 0;
    const auto events = log->read_stream("counter-" + id, StreamVersion(1), 1000).value();
    for (const auto& e : events) n += e.type == "counter.reset";
    return n;
  }
  // Waits (bounded) for the predicate, re-checking as the log advances.
  template <class P>
  bool eventually(P predicate) {
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    while (!predicate()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      log->wait_beyond(log->head(), 50ms);
    }
    return true;
  }

  std::unique_ptr<eventstore::Log> log;
  std::unique_ptr<eventstore::KvStore> store;
  projections::Schedules schedules;
  projections::Projector projector;
  CommandBus<Counter> bus;
  wiring::ScheduleDueItems due;
  ProcessRunner runner;
};

Counter::Command first_increment(const std::string& id) {
  return Counter::Increment{id, 1, 100, kT0, 3600s};
}

TEST_CASE("advancing the test clock past the due time fires the reset once") {
  TempDir dir;
  TestClock clock(kT0);
  Server server(dir, clock);
  server.runner.start();
  REQUIRE(server.bus.execute(first_increment("a")));
  REQUIRE(server.projector.wait_for(server.log->head(), 2s) == server.log->head());
  std::this_thread::sleep_for(100ms);  // several ticks: nothing is due yet
  CHECK(server.resets("a") == 0);

  clock.advance(3601s);
  CHECK(server.eventually([&] { return server.resets("a") == 1; }));
  std::this_thread::sleep_for(200ms);  // more ticks, with the item possibly still listed
  CHECK(server.resets("a") == 1);
  CHECK(server.eventually([&] { return server.runner.stats().fired == 1; }));
  CHECK(server.eventually([&] {
    server.projector.wait_for(server.log->head(), 1s);
    return server.due.due(clock.now(), 10).value().empty();
  }));
}

TEST_CASE("a reset that fell due while the server was down fires at the next start") {
  TempDir dir;
  TestClock clock(kT0);
  {
    Server server(dir, clock);
    REQUIRE(server.bus.execute(first_increment("a")));
    server.projector.wait_for(server.log->head(), 2s);
  }  // stopped before the due time
  clock.advance(5h);
  Server server(dir, clock);
  server.runner.start();
  CHECK(server.eventually([&] { return server.resets("a") == 1; }));
  // Counted once the command returns, a moment after its event is in the log.
  CHECK(server.eventually([&] { return server.runner.stats().fired == 1; }));
  CHECK(server.runner.stats().lag_micros_max >= std::chrono::microseconds(4h).count() - 1);
}

TEST_CASE("firing the same item twice acts once: the second replays") {
  TempDir dir;
  TestClock clock(kT0);
  Server server(dir, clock);
  REQUIRE(server.bus.execute(first_increment("a")));
  const DueItem item{std::string(example::kResetKind), kT0 + 3600s, "a"};
  auto fire = [f = fire_through(server.bus, Counter::on_due)](const DueItem& due) {
    std::promise<Result<Outcome>> outcome;
    f(due, [&outcome](Result<Outcome> r) { outcome.set_value(std::move(r)); });
    return outcome.get_future().get();
  };
  auto first = fire(item);
  auto second = fire(item);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(second->replayed);
  CHECK(second->first == first->first);
  CHECK(server.resets("a") == 1);
}

TEST_CASE("a round fires its due items together, so their commands share syncs") {
  TempDir dir;
  TestClock clock(kT0);
  Server server(dir, clock);
  constexpr int kItems = 300;
  for (int i = 0; i < kItems; ++i)
    REQUIRE(server.bus.execute(first_increment(fmt::format("c{}", i))));
  server.projector.wait_for(server.log->head(), 2s);
  clock.advance(3600s);
  const auto batches = server.log->stats().batches;
  std::size_t fired = server.runner.run_once().value();
  CHECK(fired == 100);  // the runner's batch here
  // One at a time, they would have taken one group commit each.
  CHECK(server.log->stats().batches - batches < 50);
  for (int round = 0; round < 10 && fired < kItems; ++round) {
    server.projector.wait_for(server.log->head(), 2s);  // fired items leave the schedules
    fired += server.runner.run_once().value();
  }
  CHECK(fired == kItems);
  for (int i = 0; i < kItems; i += 37) CHECK(server.resets(fmt::format("c{}", i)) == 1);
  CHECK(server.runner.stats().fired == kItems);
}

TEST_CASE("run_once fires only what is due by the clock, in due order") {
  TempDir dir;
  TestClock clock(kT0);
  Server server(dir, clock);
  REQUIRE(server.bus.execute(Counter::Increment{"late", 1, 100, kT0, 7200s}));
  REQUIRE(server.bus.execute(first_increment("early")));
  server.projector.wait_for(server.log->head(), 2s);
  CHECK(server.runner.run_once().value() == 0);
  clock.advance(3600s);
  CHECK(server.runner.run_once().value() == 1);
  CHECK(server.resets("early") == 1);
  CHECK(server.resets("late") == 0);
}

}  // namespace
}  // namespace tally::commands
