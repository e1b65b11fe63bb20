// tally rebuild NAME|--all: rebuilds read models from the log, offline (the server stopped),
// with a progress bar on a terminal and progress lines otherwise. With --server URL --key FILE
// the running server rebuilds them (POST /api/v1/admin/projections/{name}/rebuild) while it
// serves the old copies, and the tool follows GET /api/v1/admin/projections until they are
// live again.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "api/keys/api_keys.h"
#include "eventstore/kv.h"
#include "eventstore/log.h"
#include "projections/projector.h"
#include "tools/api_client.h"
#include "tools/commands.h"
#include "tools/tool_target.h"
#include "tools/wiring/read_models.h"

namespace tally::tools {
namespace {

struct Settings {
  ToolTarget target;
  std::vector<std::string> names;
  bool all = false;
};

// Draws the bar in place on a terminal; elsewhere (or when several models share the output)
// prints a line at most once a second. The finished line is printed once.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(std::string name, bool lines_only = false)
      : name_(std::move(name)), terminal_(!lines_only && ::isatty(STDERR_FILENO) == 1) {}

  void operator()(const projections::Progress& p) {
    const auto now = std::chrono::steady_clock::now();
    const bool done = p.position >= p.target;
    if (done_) return;
    done_ = done;
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
      // \x1b[K clears what a longer line left behind.
      fmt::print(stderr, "\r[{}{}] {}\x1b[K", std::string(filled, '#'),
                 std::string(kWidth - filled, ' '), line);
      if (done) fmt::print(stderr, "\n");
    } else {
      fmt::print(stderr, "{}\n", line);
    }
  }

 private:
  std::string name_;
  bool terminal_;
  bool done_ = false;
  std::chrono::steady_clock::time_point last_{};
};

// Ctrl-C leaves the server rebuilding: say so, on a line of its own.
void on_interrupt(int) {
  constexpr std::string_view kSaid =
      "\ntally rebuild: stopped following; the server carries on rebuilding (GET "
      "/api/v1/admin/projections shows how far)\n";
  [[maybe_unused]] const auto written = ::write(STDERR_FILENO, kSaid.data(), kSaid.size());
  ::_exit(130);
}

// The server's read models by name, from GET /api/v1/admin/projections.
tl::expected<std::map<std::string, nlohmann::json>, int> served_models(const Settings& s) {
  auto j = call_as_admin("rebuild", s.target.server, s.target.key_file, "/api/v1/admin/projections",
                         nullptr, 200);
  if (!j) return tl::unexpected(j.error());
  std::map<std::string, nlohmann::json> out;
  for (const auto& p : j->value("projections", nlohmann::json::array()))
    out[p.value("name", "")] = p;
  // The head the rebuilds head for: what the log held when the models were listed.
  for (auto& [name, p] : out) p["head"] = j->value("as_of_position", std::uint64_t{0});
  return out;
}

int through_server(const Settings& s) {
  auto models = served_models(s);
  if (!models) return models.error();
  std::vector<std::string> chosen;
  if (s.all)
    for (const auto& [name, p] : *models) chosen.push_back(name);
  for (const auto& name : s.names) {
    if (!models->contains(name)) {
      std::string known;
      for (const auto& [m, p] : *models) known += fmt::format(" {}", m);
      fmt::print(stderr, "tally rebuild: the server has no read model named {}; known:{}\n", name,
                 known);
      return 2;
    }
    chosen.push_back(name);
  }
  if (chosen.empty()) {
    fmt::print(stderr, "tally rebuild: name a read model or pass --all\n");
    return 2;
  }
  for (const auto& name : chosen) {
    auto started = call_as_admin("rebuild", s.target.server, s.target.key_file,
                                 "/api/v1/admin/projections/" + name + "/rebuild",
                                 nlohmann::json::object(), 202);
    if (!started) return started.error();
  }
  // The server answers its queries from the old copies meanwhile; follow until each is live.
  std::signal(SIGINT, on_interrupt);
  struct Followed {
    ProgressPrinter print;
    std::uint64_t first_at = 0;  // where the rebuild stood when first seen (it may have run)
    std::chrono::steady_clock::time_point first_seen{};
  };
  std::map<std::string, Followed> followed;
  for (const auto& name : chosen)
    followed.emplace(name, Followed{ProgressPrinter(name, chosen.size() > 1)});
  const auto started = std::chrono::steady_clock::now();
  for (std::set<std::string> left(chosen.begin(), chosen.end()); !left.empty();) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    auto now = served_models(s);
    if (!now) return now.error();
    const auto seen = std::chrono::steady_clock::now();
    for (auto it = left.begin(); it != left.end();) {
      const auto& p = (*now)[*it];
      Followed& f = followed.at(*it);
      const std::string state = p.value("state", "");
      if (state == "failed") {
        fmt::print(stderr,
                   "tally rebuild: {}: the rebuild failed ({}); the server's log says why\n", *it,
                   p.value("error", "unknown"));
        return 1;
      }
      const auto head = p.value("head", std::uint64_t{0});
      const auto at = state == "rebuilding" ? p.value("rebuild_position", std::uint64_t{0})
                                            : p.value("position", std::uint64_t{0});
      if (f.first_seen == std::chrono::steady_clock::time_point{}) {
        f.first_seen = seen;
        f.first_at = at;
      }
      // The rate this tool has seen, not one since a start it did not see.
      const double seconds = std::chrono::duration<double>(seen - f.first_seen).count();
      const double rate = seconds > 0 && at > f.first_at ? double(at - f.first_at) / seconds : 0;
      const auto eta = std::chrono::seconds(
          rate > 0 && head > at ? static_cast<std::int64_t>(double(head - at) / rate + 0.999) : 0);
      if (state == "rebuilding") {
        f.print(projections::Progress{Position(at), Position(std::max(head, at + 1)), rate, eta});
        ++it;
        continue;
      }
      f.print(projections::Progress{Position(at), Position(at), rate, {}});
      fmt::print("{}: rebuilt, live at position {} after {:.2f} s\n", *it, at,
                 std::chrono::duration<double>(seen - started).count());
      it = left.erase(it);
    }
  }
  return 0;
}

int run(const Settings& s) {
  if (s.target.online()) return through_server(s);
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

  auto log = open_offline_log("rebuild", s.target);
  if (!log) return log.error();
  auto store = eventstore::KvStore::open(std::filesystem::path(s.target.data_dir) / "views");
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
      "Rebuild read models from the log into a fresh copy, then switch to it: on --data-dir "
      "with the server stopped, or by a running server (--server URL --key FILE), which "
      "serves the old copy until the new one is live");
  add_target_options(*cmd, s->target);
  cmd->add_option("names", s->names, "read models to rebuild (e.g. schedules)");
  cmd->add_flag("--all", s->all, "rebuild every read model")->excludes(cmd->get_option("names"));
  cmd->callback([s] {
    const int code = run(*s);
    if (code != 0) std::exit(code);
  });
}

}  // namespace tally::tools
