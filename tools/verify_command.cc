#include <fmt/format.h>

#include <cstdlib>

#include "eventstore/log.h"
#include "tools/commands.h"

namespace tally::tools {

void add_verify_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "verify",
      "Check the log's hash chain and invariants, then its files' checksums. Exit 0 when "
      "intact; exit 1 when damaged, printing 'first bad position: N' on stderr (or, for damage "
      "outside the events, what is damaged); exit 2 when it cannot check. Run it with the "
      "server stopped; it writes nothing in the data dir (a snapshot or a read-only mount "
      "will do).");
  auto dir = std::make_shared<std::string>("./data");
  cmd->add_option("--data-dir", *dir, "the tally data dir")->capture_default_str();
  cmd->callback([dir] {
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
    auto log = eventstore::Log::open(
        *dir, eventstore::LogOptions{.create_if_missing = false, .read_only = true});
    if (!log) stop("cannot open " + *dir + ": ", log.error());
    auto bad = (*log)->verify();
    if (!bad) stop("", bad.error());
    if (*bad) {
      fmt::print(stderr, "first bad position: {}\n", (*bad)->value);
      std::exit(1);
    }
    const auto head = (*log)->head().value;
    if (head == 0)
      fmt::print("log intact: it has no events yet\n");
    else
      fmt::print("log intact: positions 1..{} verified\n", head);
  });
}

}  // namespace tally::tools
