// The `tally` subcommands. Each file adds one command to the CLI; main.cc only lists them.
// Tools are thin: they parse flags, call the modules and print.
#pragma once

#include <CLI/CLI.hpp>

namespace tally::tools {

void add_bench_command(CLI::App& app);     // tally bench …, made of:
void add_bench_append(CLI::App& bench);    //   tally bench append
void add_bench_commands(CLI::App& bench);  //   tally bench commands
void add_bench_rebuild(CLI::App& bench);   //   tally bench rebuild
void add_bench_firing(CLI::App& bench);    //   tally bench firing
void add_rebuild_command(CLI::App& app);   // tally rebuild
void add_verify_command(CLI::App& app);    // tally verify
void add_serve_command(CLI::App& app);     // tally serve
void add_keys_command(CLI::App& app);      // tally keys add
void add_erase_command(CLI::App& app);     // tally erase

}  // namespace tally::tools
