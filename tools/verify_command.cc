#include <fmt/format.h>

#include <cstdlib>

#include "eventstore/log.h"
#include "tools/api_client.h"
#include "tools/commands.h"
#include "tools/tool_target.h"

namespace tally::tools {
namespace {

void print_intact(std::uint64_t head) {
  if (head == 0)
    fmt::print("log intact: it has no events yet\n");
  else
    fmt::print("log intact: positions 1..{} verified\n", head);
}

// POST /api/v1/admin/verify: the server checks its live log up to the head it finds.
int through_server(const ToolTarget& target) {
  auto j = call_as_admin("verify", target.server, target.key_file, "/api/v1/admin/verify",
                         nlohmann::json::object(), 200, std::chrono::hours(1));
  if (!j) return 2;  // not checked: the reason is printed
  if (j->value("intact", false)) {
    print_intact(j->value("verified_to", std::uint64_t{0}));
    return 0;
  }
  if (j->contains("first_bad_position"))
    fmt::print(stderr, "first bad position: {}\n",
               j->value("first_bad_position", std::uint64_t{0}));
  else
    fmt::print(stderr, "tally verify: damaged: {}\n", j->value("damage", std::string("?")));
  return 1;
}

}  // namespace

void add_verify_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "verify",
      "Check the log's hash chain and invariants, then its files' checksums. Exit 0 when "
      "intact; exit 1 when damaged, printing 'first bad position: N' on stderr (or, for damage "
      "outside the events, what is damaged); exit 2 when it cannot check. On --data-dir (default "
      "./data) with the server stopped, it writes nothing there (a snapshot or a read-only "
      "mount will do); with --server URL --key FILE the running server checks its live log.");
  auto target = std::make_shared<ToolTarget>();
  target->data_dir = "./data";
  add_target_options(*cmd, *target);
  cmd->callback([target] {
    if (target->online()) std::exit(through_server(*target));
    // Damage is exit 1, even damage the log cannot open past; anything else stopping the
    // check is exit 2.
    const auto stop = [](const std::string& what, const Error& error) {
      const bool damaged = error.code == Code::corruption;
      fmt::print(stderr, "tally verify: {}{}{}\n", damaged ? "damaged: " : "", what,
                 describe(error));
      std::exit(damaged ? 1 : 2);
    };
    // Read-only: verify writes nothing in the dir, so it runs on a snapshot or a mount that
    // cannot be written, and a second verify may run beside it.
    const std::string& dir = target->data_dir;
    auto log = eventstore::Log::open(
        dir, eventstore::LogOptions{.create_if_missing = false, .read_only = true});
    if (!log && log.error().code == Code::data_dir_locked)
      stop("cannot open " + dir +
               " (to check a running server's log, give --server URL --key "
               "FILE): ",
           log.error());
    if (!log) stop("cannot open " + dir + ": ", log.error());
    auto bad = (*log)->verify();
    if (!bad) stop("", bad.error());
    if (*bad) {
      fmt::print(stderr, "first bad position: {}\n", (*bad)->value);
      std::exit(1);
    }
    print_intact((*log)->head().value);
  });
}

}  // namespace tally::tools
