// Pieces of `tally serve` that touch files in the data dir: the admin key and the persisted
// test clock. Kept out of serve_command.cc so each stays one idea.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>

#include "api/context.h"
#include "core/clock.h"
#include "core/result.h"

namespace tally::tools {

// The admin key: from --admin-key-file (its first line), else DIR/admin.key, written with a
// random key (mode 0600) the first time; `created` says whether it was just written.
struct AdminKey {
  std::string key;
  std::filesystem::path path;
  bool created = false;
};
Result<AdminKey> load_admin_key(const std::filesystem::path& data_dir,
                                const std::string& admin_key_file);

// The file's content without trailing newlines (secrets and key files).
Result<std::string> read_secret_file(const std::filesystem::path& path);
// A key file's first line, the blanks around it dropped (a key has none inside).
Result<std::string> read_key_line(const std::filesystem::path& path);

struct HostPort {
  std::string host;  // without the [ ] around an IPv6 address
  std::string port;
};
// "HOST:PORT" or "[IPv6]:PORT" (--listen, --server). Code::invalid_argument says what is
// missing, for a usage message.
Result<HostPort> split_host_port(std::string_view text);

// The --test-clock clock, stored in DIR/test-clock after each advance (written to a temporary
// file, synced, renamed), so it never goes back across restarts: it starts at the later of
// the stored time and the real time.
class PersistedTestClock final : public api::TestClockControl {
 public:
  PersistedTestClock();
  // Reads DIR/test-clock (if any) and moves forward to it. Call once the data dir is open.
  Status load(const std::filesystem::path& data_dir);
  const Clock& clock() const { return clock_; }

  Timestamp now() const override { return clock_.now(); }
  Result<Timestamp> advance(std::chrono::seconds step, Timestamp limit) override;

 private:
  Status store(Timestamp t);

  TestClock clock_;
  std::filesystem::path file_;
  std::mutex mutex_;
};

}  // namespace tally::tools
