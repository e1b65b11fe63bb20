// What the `tally bench` subcommands share: driving concurrent callers, measuring
// throughput and latency percentiles, printing rows.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tally::tools {

struct Figures {
  double per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
  // Process CPU time (user + system, every thread) per operation: on a machine with few
  // cores, CPU per operation bounds throughput as much as the disk does.
  double cpu_us = 0;
};

// Caller `p` starts one operation and calls done() when it has completed.
using Submit = std::function<void(int caller, std::function<void()> done)>;

// Runs `total` operations spread over `callers`, each keeping `inflight` pending, and
// measures throughput and per-operation latency.
Figures drive(int callers, int total, int inflight, const Submit& submit);

Figures median(std::vector<Figures> runs);
// A table of rows: `unit` heads the throughput column ("events/s").
void print_header(std::string_view unit);
void print_row(std::string_view name, const Figures& f);

// The --dir flag, or a fresh path under the temporary dir named after this process.
std::filesystem::path scratch_dir(const std::string& flag);

[[noreturn]] void die(const std::string& what);

}  // namespace tally::tools
