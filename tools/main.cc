#include "tools/commands.h"

int main(int argc, char** argv) {
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
