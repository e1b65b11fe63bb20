// tally bench firing: how late the process runner fires due items (due time -> command
// appended) with the system clock, through the schedules read model.
#include <fmt/format.h>

#include <filesystem>
#include <thread>

#include "commands/example/counter.h"
#include "commands/process_runner.h"
#include "eventstore/kv.h"
#include "eventstore/log.h"
#include "projections/example/counter_views.h"
#include "projections/projector.h"
#include "projections/schedules.h"
#include "tools/bench_support.h"
#include "tools/commands.h"
#include "tools/wiring/schedule_due_items.h"

namespace tally::tools {
namespace {

namespace fs = std::filesystem;
using commands::example::Counter;

struct Settings {
  int items = 300;
  std::string dir;
};

void run(const Settings& s) {
  if (s.items < 1) die("need items >= 1");
  const fs::path root = scratch_dir(s.dir);
  fs::remove_all(root);
  const SystemClock clock;
  auto log = eventstore::Log::open(root);
  if (!log) die(describe(log.error()));
  auto store = eventstore::KvStore::open(root / "views");
  if (!store) die(describe(store.error()));
  projections::Schedules schedules({{"counter", projections::example::counter_schedule_rule}});
  projections::Projector projector(**log, **store, schedules);
  if (auto ok = projector.start(); !ok) die(describe(ok.error()));
  commands::CommandBus<Counter> bus(**log);
  wiring::ScheduleDueItems due(projector);
  commands::ProcessRunner runner(
      clock, due,
      {{std::string(commands::example::kResetKind), commands::fire_through(bus, Counter::on_due)}});
  runner.start();

  // Each reset falls due 1, 2 or 3 s after its counter's first increment, so due times are
  // about as dense as the increments were (one per synchronous command).
  fmt::print("tally bench firing: {} counter resets due over the next 3 s, system clock\n",
             s.items);
  for (int i = 0; i < s.items; ++i) {
    auto r = bus.execute(
        Counter::Increment{std::to_string(i), 1, 10, clock.now(), std::chrono::seconds(1 + i % 3)});
    if (!r) die(describe(r.error()));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (runner.stats().fired < static_cast<std::uint64_t>(s.items)) {
    if (std::chrono::steady_clock::now() > deadline) die("not every item fired within 20 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto stats = runner.stats();
  fmt::print("fired {} (not applicable {}, failed {}): lag mean {:.1f} ms, max {:.1f} ms\n",
             stats.fired, stats.not_applicable, stats.failed,
             double(stats.lag_micros_total) / double(stats.fired) / 1000.0,
             double(stats.lag_micros_max) / 1000.0);
  if (s.dir.empty()) fs::remove_all(root);
}

}  // namespace

void add_bench_firing(CLI::App& bench) {
  auto* cmd = bench.add_subcommand(
      "firing", "How late the process runner fires due items, with the system clock");
  auto s = std::make_shared<Settings>();
  cmd->add_option("--items", s->items, "due items to fire")->capture_default_str();
  cmd->add_option("--dir", s->dir, "scratch dir (default: a temporary dir, removed after)");
  cmd->callback([s] { run(*s); });
}

}  // namespace tally::tools
