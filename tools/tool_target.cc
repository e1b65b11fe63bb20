#include "tools/tool_target.h"

#include <fmt/format.h>

namespace tally::tools {

void add_target_options(CLI::App& command, ToolTarget& target) {
  command.add_option("--data-dir", target.data_dir, "the tally data dir (the server stopped)");
  auto* server =
      command.add_option("--server", target.server, "a running server's URL, http://HOST:PORT");
  command.add_option("--key", target.key_file, "with --server: a file holding an admin key")
      ->needs(server);
  server->excludes("--data-dir");
}

tl::expected<std::unique_ptr<eventstore::Log>, int> open_offline_log(std::string_view tool,
                                                                     const ToolTarget& target) {
  if (target.data_dir.empty()) {
    fmt::print(stderr, "tally {}: give --data-dir DIR, or --server URL --key FILE\n", tool);
    return tl::unexpected(2);
  }
  eventstore::LogOptions options;
  options.create_if_missing = false;
  auto log = eventstore::Log::open(target.data_dir, options);
  if (!log) {
    const bool in_use = log.error().code == Code::data_dir_locked;
    fmt::print(stderr, "tally {}: cannot open the data dir: {}{}\n", tool, describe(log.error()),
               in_use ? " (to act through the running server, give --server URL --key FILE)" : "");
    return tl::unexpected(2);
  }
  return std::move(*log);
}

}  // namespace tally::tools
