// tally bench commands: commands/s through the command runtime (example counter domain,
// fsync on), spread over many streams and all on one hot stream, in the same run. The hot
// figure shows whether sequencing a stream's commands keeps it from collapsing into retries.
#include <fmt/format.h>

#include <atomic>
#include <filesystem>
#include <memory>

#include "commands/example/counter.h"
#include "commands/runtime.h"
#include "eventstore/log.h"
#include "tools/bench_support.h"
#include "tools/commands.h"

namespace tally::tools {
namespace {

namespace fs = std::filesystem;
using commands::example::Counter;

struct Settings {
  int callers = 64;
  int commands = 50000;
  int streams = 10000;
  int runs = 3;
  std::string dir;
};

struct Run {
  Figures figures;
  commands::Stats stats;
};

// `stream_of(caller, k)`: the counter id of caller's k-th command.
Run bench_bus(const Settings& s, const fs::path& dir,
              const std::function<std::string(int, int)>& stream_of) {
  auto log = eventstore::Log::open(dir);
  if (!log) die(describe(log.error()));
  commands::CommandBus<Counter> bus(**log);
  std::vector<int> sent(s.callers, 0);
  std::atomic<bool> failed{false};
  const auto now = Timestamp(std::chrono::hours(24 * 20000));
  auto figures = drive(s.callers, s.commands, 1, [&](int caller, std::function<void()> done) {
    const std::string id = stream_of(caller, sent[caller]++);
    if (!bus.execute(Counter::Increment{id, 1, INT64_MAX / 2, now, std::chrono::hours(1)}))
      failed = true;
    done();
  });
  if (failed) die("a command failed");
  return Run{figures, bus.stats()};
}

void run(const Settings& s) {
  if (s.callers < 1 || s.commands < s.callers || s.streams < 1 || s.runs < 1)
    die("need callers >= 1, commands >= callers, streams >= 1, runs >= 1");
  const fs::path root = scratch_dir(s.dir);
  fmt::print(
      "tally bench commands: {} synchronous callers, {} counter increments per run, fsync on, "
      "median of {} runs\nscratch dir: {}\n\n",
      s.callers, s.commands, s.runs, root.string());
  std::vector<Figures> distinct, hot;
  for (int r = 0; r < s.runs; ++r) {
    const fs::path dir = root / ("run-" + std::to_string(r));
    fs::remove_all(dir);
    const int callers = s.callers, streams = s.streams;
    const Run d = bench_bus(s, dir / "distinct", [callers, streams](int caller, int k) {
      return std::to_string((caller + k * callers) % streams);
    });
    const Run h = bench_bus(s, dir / "hot", [](int, int) { return std::string("hot"); });
    fs::remove_all(dir);
    distinct.push_back(d.figures);
    hot.push_back(h.figures);
    fmt::print("run {}: distinct {:.0f}/s, hot {:.0f}/s ({} conflicts retried)\n", r + 1,
               d.figures.per_second, h.figures.per_second, h.stats.retries);
  }
  if (s.dir.empty()) fs::remove_all(root);
  const Figures d = median(distinct), h = median(hot);
  print_header("commands/s");
  print_row(fmt::format("{} distinct streams", s.streams), d);
  print_row("1 hot stream", h);
  fmt::print("\nhot / distinct = {:.2f}\n", h.per_second / d.per_second);
}

}  // namespace

void add_bench_commands(CLI::App& bench) {
  auto* cmd = bench.add_subcommand(
      "commands",
      "Commands/s through the command runtime (example counter domain, fsync on), over many "
      "streams and on one hot stream, in the same run");
  auto s = std::make_shared<Settings>();
  cmd->add_option("--callers", s->callers, "concurrent synchronous callers")->capture_default_str();
  cmd->add_option("--commands", s->commands, "commands per run, over all callers")
      ->capture_default_str();
  cmd->add_option("--streams", s->streams, "streams for the distinct case")->capture_default_str();
  cmd->add_option("--runs", s->runs, "runs; the median is reported")->capture_default_str();
  cmd->add_option("--dir", s->dir, "scratch dir (default: a temporary dir, removed after)");
  cmd->callback([s] { run(*s); });
}

}  // namespace tally::tools
