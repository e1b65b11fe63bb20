// tally bench: the benchmark programs. Each measures tally next to a bar taken in the same
// run, on loopback and local disk only, bounded in count and time.
#include "tools/commands.h"

namespace tally::tools {

void add_bench_command(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "Benchmarks (loopback and local disk only)");
  bench->require_subcommand(1);
  add_bench_append(*bench);
  add_bench_commands(*bench);
  add_bench_rebuild(*bench);
  add_bench_firing(*bench);
}

}  // namespace tally::tools
