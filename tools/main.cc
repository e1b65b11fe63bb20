#include <sys/stat.h>

#include "tools/commands.h"

int main(int argc, char** argv) {
  // A data dir holds every subject's PII key and the coupon-code keys: what tally creates is
  // for its own user alone (0700 dirs, 0600 files), whatever umask it was started under.
  ::umask(077);
  CLI::App app{"tally: an event-sourced ledger for coupons, seats, messages and memberships"};
  app.require_subcommand(1);
  tally::tools::add_bench_command(app);
  tally::tools::add_rebuild_command(app);
  tally::tools::add_verify_command(app);
  tally::tools::add_serve_command(app);
  tally::tools::add_keys_command(app);
  tally::tools::add_erase_command(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
