#include <sys/stat.h>

#include <cstdio>
#include <utility>

#include "tools/commands.h"

int main(int argc, char** argv) {
  // A data dir holds every subject's PII key and the coupon-code keys: what tally creates is
  // for its own user alone (0700 dirs, 0600 files), whatever umask it was started under.
  ::umask(077);
  CLI::App app{"tally: an event-sourced ledger for coupons, seats, messages and memberships"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tally " TALLY_VERSION);
  tally::tools::add_bench_command(app);
  tally::tools::add_rebuild_command(app);
  tally::tools::add_verify_command(app);
  tally::tools::add_serve_command(app);
  tally::tools::add_keys_command(app);
  tally::tools::add_erase_command(app);
  // CLI11 would call a mistyped command a missing one ("A subcommand is required").
  if (argc > 1 && argv[1][0] != '-') {
    const auto known = std::as_const(app).get_subcommands(
        [&](const CLI::App* sub) { return sub->check_name(argv[1]); });
    if (known.empty()) {
      std::fprintf(stderr, "tally: no command named %s; run tally --help for the commands\n",
                   argv[1]);
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; a usage error exits 2, as the tools' own refusals do
    // (CLI11's own codes, 105-114, tell a script nothing it could rely on).
    return app.exit(e) == 0 ? 0 : 2;
  }
  return 0;
}
