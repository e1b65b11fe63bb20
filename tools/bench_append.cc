// tally bench append: the log's append throughput and latency with fsync on, next to plain
// RocksDB doing the same writes with the best batching we know, in the same run.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "eventstore/log.h"
#include "eventstore/raw_baseline.h"
#include "tools/bench_support.h"
#include "tools/commands.h"

namespace tally::tools {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Settings {
  int producers = 64;
  int events = 200000;
  int payload = 200;
  int inflight = 1;
  int runs = 3;
  std::string dir;
  std::string only;  // "tally" or "raw": run one side alone, e.g. under a profiler
};

Figures bench_tally(const Settings& s, const fs::path& dir, const std::string& payload) {
  auto log = eventstore::Log::open(dir);
  if (!log) die(describe(log.error()));
  std::vector<std::string> streams;
  for (int p = 0; p < s.producers; ++p) streams.push_back("bench-" + std::to_string(p));
  std::atomic<bool> failed{false};
  auto figures = drive(s.producers, s.events, s.inflight, [&](int p, std::function<void()> done) {
    eventstore::AppendRequest r;
    r.streams.push_back({streams[p],
                         eventstore::ExpectedVersion::any(),
                         {eventstore::NewEvent{"bench.appended", payload, {}}}});
    r.actor = "bench";
    // One in flight: the producer blocks in append(), as a synchronous caller would.
    if (s.inflight == 1) {
      if (!(*log)->append(std::move(r))) failed = true;
      return done();
    }
    (*log)->append_async(std::move(r), [&failed, done = std::move(done)](auto result) {
      if (!result) failed = true;
      done();
    });
  });
  if (failed) die("an append failed");
  const auto stats = (*log)->stats();
  fmt::print("  tally: {} group commits, {:.1f} events each, {:.0f} µs in write+sync each\n",
             stats.batches, double(stats.events) / double(stats.batches),
             double(stats.sync_micros_total) / double(stats.batches));
  return figures;
}

Figures bench_raw(const Settings& s, const fs::path& dir, const std::string& payload,
                  eventstore::RawBaseline::Batching batching) {
  auto raw = eventstore::RawBaseline::open(dir, batching);
  if (!raw) die(describe(raw.error()));
  std::atomic<bool> failed{false};
  // The raw baselines are synchronous: producers keep one append in flight.
  auto figures = drive(s.producers, s.events, 1, [&](int, std::function<void()> done) {
    if (!(*raw)->append(payload)) failed = true;
    done();
  });
  if (failed) die("a raw append failed");
  if (auto writes = (*raw)->synced_writes(); writes && *writes > 0)
    fmt::print("  raw writer thread: {} synced writes, {:.1f} events each\n", *writes,
               double(s.events) / double(*writes));
  return figures;
}

void run(const Settings& s) {
  if (s.producers < 1 || s.events < s.producers || s.payload < 0 || s.inflight < 1 || s.runs < 1)
    die("need producers >= 1, events >= producers, payload >= 0, inflight >= 1, runs >= 1");
  const fs::path root = scratch_dir(s.dir);
  std::string payload(s.payload, '\0');
  std::mt19937 random(42);
  for (auto& c : payload) c = static_cast<char>('a' + random() % 26);

  fmt::print(
      "tally bench append: {} producers, {} events of {} bytes, {} in flight each, "
      "fsync on, median of {} runs\nscratch dir: {}\n\n",
      s.producers, s.events, s.payload, s.inflight, s.runs, root.string());
  std::vector<Figures> tally, group, thread;
  std::vector<double> ratios;  // of each run: on a shared machine the disk drifts between runs
  const bool raw = s.only != "tally", ours = s.only != "raw";
  for (int r = 0; r < s.runs; ++r) {
    const fs::path dir = root / ("run-" + std::to_string(r));
    fs::remove_all(dir);
    fs::create_directories(dir);
    group.push_back(raw ? bench_raw(s, dir / "raw-group", payload,
                                    eventstore::RawBaseline::Batching::rocksdb_write_group)
                        : Figures{});
    thread.push_back(raw ? bench_raw(s, dir / "raw-thread", payload,
                                     eventstore::RawBaseline::Batching::writer_thread)
                         : Figures{});
    tally.push_back(ours ? bench_tally(s, dir / "tally", payload) : Figures{});
    fs::remove_all(dir);
    fmt::print(
        "run {}: tally {:.0f}/s ({:.1f} CPU µs each), raw write group {:.0f}/s, raw writer thread "
        "{:.0f}/s ({:.1f} CPU µs each)",
        r + 1, tally.back().per_second, tally.back().cpu_us, group.back().per_second,
        thread.back().per_second, thread.back().cpu_us);
    if (raw && ours) {
      ratios.push_back(tally.back().per_second /
                       std::max(group.back().per_second, thread.back().per_second));
      fmt::print(", tally / best raw {:.2f}", ratios.back());
    }
    fmt::print("\n");
  }
  if (s.dir.empty()) fs::remove_all(root);

  const Figures t = median(tally), g = median(group), w = median(thread);
  const Figures& best = g.per_second >= w.per_second ? g : w;
  print_header("events/s");
  if (ours) print_row("tally log (append)", t);
  if (raw) {
    print_row("raw RocksDB, write group", g);
    print_row("raw RocksDB, one writer thread", w);
  }
  if (raw && ours) {
    std::sort(ratios.begin(), ratios.end());
    fmt::print("\ntally / best raw = {:.2f} (medians); median of the runs' own ratios {:.2f}\n",
               t.per_second / best.per_second, ratios[ratios.size() / 2]);
  }
}

}  // namespace

void add_bench_append(CLI::App& bench) {
  auto* append = bench.add_subcommand(
      "append",
      "Append throughput and latency of the log with fsync on, next to plain RocksDB synced "
      "writes of the same payloads, in the same run");
  auto s = std::make_shared<Settings>();
  append->add_option("--producers", s->producers, "concurrent appenders")->capture_default_str();
  append->add_option("--events", s->events, "events per run, over all producers")
      ->capture_default_str();
  append->add_option("--payload", s->payload, "payload bytes per event")->capture_default_str();
  append->add_option("--inflight", s->inflight, "appends each tally producer keeps pending")
      ->capture_default_str();
  append->add_option("--runs", s->runs, "runs; the median is reported")->capture_default_str();
  append->add_option("--only", s->only, "run only one side: tally or raw")
      ->check(CLI::IsMember({"tally", "raw"}));
  append->add_option("--dir", s->dir, "scratch dir (default: a temporary dir, removed after)");
  append->callback([s] { run(*s); });
}

}  // namespace tally::tools
