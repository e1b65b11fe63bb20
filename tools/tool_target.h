// Where an offline-or-online tool acts (api.md, Tools): on --data-dir DIR with the server
// stopped, or through a running server with --server URL --key FILE (an admin key).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "eventstore/log.h"

namespace tally::tools {

struct ToolTarget {
  std::string data_dir;
  std::string server;
  std::string key_file;

  bool online() const { return !server.empty(); }
};

void add_target_options(CLI::App& command, ToolTarget& target);

// The log of --data-dir, never created (a mistyped dir is an error, not a new log). When it
// cannot be opened, or no --data-dir was given, prints why after "tally TOOL: " and gives
// the exit code, 2.
tl::expected<std::unique_ptr<eventstore::Log>, int> open_offline_log(std::string_view tool,
                                                                     const ToolTarget& target);

}  // namespace tally::tools
