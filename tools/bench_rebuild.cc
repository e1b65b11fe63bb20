// tally bench rebuild: how fast a read model is rebuilt from the log, next to a plain RocksDB
// iterator over the same stored events, in the same run.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "commands/example/counter.h"
#include "eventstore/kv.h"
#include "eventstore/log.h"
#include "eventstore/raw_baseline.h"
#include "projections/example/counter_views.h"
#include "projections/projector.h"
#include "tools/bench_support.h"
#include "tools/commands.h"

namespace tally::tools {
namespace {

namespace fs = std::filesystem;
using commands::example::Counter;
using SteadyClock = std::chrono::steady_clock;

struct Settings {
  int events = 1'000'000;
  int streams = 1000;
  int runs = 3;
  std::string dir;
};

// Counter increments over `streams` counters, many appends in flight so filling is quick.
void fill(const fs::path& dir, const Settings& s) {
  auto log = eventstore::Log::open(dir);
  if (!log) die(describe(log.error()));
  const std::string payload = Counter::encode(Counter::Incremented{1, {}}).payload;
  std::atomic<bool> failed{false};
  constexpr int kFillers = 8;
  std::vector<int> sent(kFillers, 0);
  drive(kFillers, s.events, 512, [&](int caller, std::function<void()> done) {
    const int k = sent[caller]++;
    eventstore::AppendRequest r;
    r.streams.push_back({"counter-" + std::to_string((caller + kFillers * k) % s.streams),
                         eventstore::ExpectedVersion::any(),
                         {eventstore::NewEvent{"counter.incremented", payload, {}}}});
    r.actor = "bench";
    (*log)->append_async(std::move(r), [&failed, done = std::move(done)](auto result) {
      if (!result) failed = true;
      done();
    });
  });
  if (failed) die("an append failed");
}

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

void run(const Settings& s) {
  if (s.events < 1 || s.streams < 1 || s.runs < 1) die("need events >= 1, streams >= 1, runs >= 1");
  const fs::path root = scratch_dir(s.dir);
  fs::remove_all(root);
  fmt::print(
      "tally bench rebuild: {} events over {} counters, median of {} runs\n"
      "scratch dir: {}\nfilling the log…\n",
      s.events, s.streams, s.runs, root.string());
  const auto fill_started = SteadyClock::now();
  fill(root, s);
  fmt::print("filled in {:.1f} s\n\n", seconds_since(fill_started));

  std::vector<Figures> raw_runs, rebuild_runs;
  for (int r = 0; r < s.runs; ++r) {
    auto scan = eventstore::raw_scan_events(root);
    if (!scan) die(describe(scan.error()));
    raw_runs.push_back(Figures{double(scan->events) / scan->seconds, 0, 0});

    auto log = eventstore::Log::open(root);
    if (!log) die(describe(log.error()));
    auto store = eventstore::KvStore::open(root / "views");
    if (!store) die(describe(store.error()));
    projections::example::CounterTotals totals;
    projections::Projector projector(**log, **store, totals);
    const auto started = SteadyClock::now();
    if (auto ok = projector.rebuild_now(nullptr); !ok) die(describe(ok.error()));
    const double seconds = seconds_since(started);
    auto view = projector.view();
    if (!view || projections::example::sum_of(*view).value_or(-1) != s.events)
      die("the rebuilt totals do not add up to the events");
    rebuild_runs.push_back(Figures{double(s.events) / seconds, 0, 0});
    fmt::print("run {}: raw scan {:.0f}/s ({} events, {:.0f} MB), rebuild {:.0f}/s\n", r + 1,
               raw_runs.back().per_second, scan->events, double(scan->bytes) / 1e6,
               rebuild_runs.back().per_second);
  }
  if (s.dir.empty()) fs::remove_all(root);
  const Figures raw = median(raw_runs), rebuild = median(rebuild_runs);
  fmt::print("\n{:<34} {:>12}\n", "", "events/s");
  fmt::print("{:<34} {:>12.0f}\n", "raw RocksDB scan of the events", raw.per_second);
  fmt::print("{:<34} {:>12.0f}\n", "rebuild of counter_totals", rebuild.per_second);
  fmt::print("\nrebuild / raw scan = {:.2f}\n", rebuild.per_second / raw.per_second);
}

}  // namespace

void add_bench_rebuild(CLI::App& bench) {
  auto* cmd = bench.add_subcommand(
      "rebuild",
      "Read-model rebuild speed from the log, next to a plain RocksDB scan of the same "
      "events, in the same run");
  auto s = std::make_shared<Settings>();
  cmd->add_option("--events", s->events, "events in the log")->capture_default_str();
  cmd->add_option("--streams", s->streams, "counters the events are spread over")
      ->capture_default_str();
  cmd->add_option("--runs", s->runs, "runs; the median is reported")->capture_default_str();
  cmd->add_option("--dir", s->dir, "scratch dir (default: a temporary dir, removed after)");
  cmd->callback([s] { run(*s); });
}

}  // namespace tally::tools
