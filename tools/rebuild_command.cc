// tally rebuild NAME|--all: rebuilds read models from the log, offline (the server stopped),
// with a progress bar on a terminal and progress lines otherwise.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "api/keys/api_keys.h"
#include "eventstore/kv.h"
#include "eventstore/log.h"
#include "projections/projector.h"
#include "tools/commands.h"
#include "tools/wiring/read_models.h"

namespace tally::tools {
namespace {

struct Settings {
  std::string data_dir;
  std::vector<std::string> names;
  bool all = false;
};

// Draws the bar in place on a terminal; elsewhere prints a line at most once a second.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(std::string name) : name_(std::move(name)) {}

  void operator()(const projections::Progress& p) {
    const auto now = std::chrono::steady_clock::now();
    const bool done = p.position >= p.target;
    if (!done && now - last_ <
                     (terminal_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(1000)))
      return;
    last_ = now;
    const double fraction =
        p.target.value == 0 ? 1.0 : double(p.position.value) / double(p.target.value);
    const std::string line =
        fmt::format("{} {:>3.0f}%  {}/{} events  {:.0f} events/s  ETA {}s", name_, fraction * 100,
                    p.position.value, p.target.value, p.events_per_second, p.eta.count());
    if (terminal_) {
      constexpr int kWidth = 30;
      const int filled = static_cast<int>(fraction * kWidth);
      fmt::print(stderr, "\r[{}{}] {}", std::string(filled, '#'), std::string(kWidth - filled, ' '),
                 line);
      if (done) fmt::print(stderr, "\n");
    } else {
      fmt::print(stderr, "{}\n", line);
    }
  }

 private:
  std::string name_;
  bool terminal_ = ::isatty(STDERR_FILENO) == 1;
  std::chrono::steady_clock::time_point last_{};
};

int run(const Settings& s) {
  auto models = wiring::server_read_models();
  // And the key index, which `tally serve` runs beside them (it answers the authenticator).
  models.push_back(std::make_unique<api::keys::ApiKeys>());
  std::vector<projections::Projection*> chosen;
  for (auto& model : models)
    if (s.all || std::find(s.names.begin(), s.names.end(), model->name()) != s.names.end())
      chosen.push_back(model.get());
  for (const auto& name : s.names)
    if (std::none_of(models.begin(), models.end(),
                     [&](const auto& m) { return m->name() == name; })) {
      std::string known;
      for (const auto& m : models) known += fmt::format(" {}", m->name());
      fmt::print(stderr, "tally rebuild: no read model named {}; known:{}\n", name, known);
      return 2;
    }
  if (chosen.empty()) {
    fmt::print(stderr, "tally rebuild: name a read model or pass --all\n");
    return 2;
  }

  eventstore::LogOptions options;
  options.create_if_missing = false;
  auto log = eventstore::Log::open(s.data_dir, options);
  if (!log) {
    fmt::print(stderr, "tally rebuild: {}\n", describe(log.error()));
    return 2;
  }
  auto store = eventstore::KvStore::open(std::filesystem::path(s.data_dir) / "views");
  if (!store) {
    fmt::print(stderr, "tally rebuild: {}\n", describe(store.error()));
    return 2;
  }
  for (auto* model : chosen) {
    projections::Projector projector(**log, **store, *model);
    ProgressPrinter progress{std::string(model->name())};
    const auto started = std::chrono::steady_clock::now();
    if (auto ok = projector.rebuild_now(std::ref(progress)); !ok) {
      fmt::print(stderr, "tally rebuild: {}: {}\n", model->name(), describe(ok.error()));
      return 1;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    fmt::print("{}: rebuilt up to position {} in {:.2f} s\n", model->name(),
               projector.position().value, seconds);
  }
  return 0;
}

}  // namespace

void add_rebuild_command(CLI::App& app) {
  auto s = std::make_shared<Settings>();
  auto* cmd = app.add_subcommand(
      "rebuild",
      "Rebuild read models from the log into a fresh copy, then switch to it (server stopped)");
  cmd->add_option("--data-dir", s->data_dir, "the tally data dir")->required();
  cmd->add_option("names", s->names, "read models to rebuild (e.g. schedules)");
  cmd->add_flag("--all", s->all, "rebuild every read model")->excludes(cmd->get_option("names"));
  cmd->callback([s] {
    const int code = run(*s);
    if (code != 0) std::exit(code);
  });
}

}  // namespace tally::tools
