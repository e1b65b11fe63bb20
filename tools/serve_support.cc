#include "tools/serve_support.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "api/keys/api_keys.h"
#include "core/numbers.h"

namespace tally::tools {
namespace fs = std::filesystem;

namespace {

Status write_all(int fd, const std::string& text, const fs::path& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return fail(Code::io_error, "cannot write " + path.string() + ": " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0)
    return fail(Code::io_error, "cannot sync " + path.string() + ": " + std::strerror(errno));
  return {};
}

}  // namespace

Result<std::string> read_secret_file(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))  // pipes and devices (<(pass show …), /dev/stdin) are fine
    return fail(Code::invalid_argument, path.string() + " is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Code::not_found, "cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

Result<std::string> read_key_line(const fs::path& path) {
  auto text = read_secret_file(path);
  if (!text) return tl::unexpected(text.error());
  // Without the blanks an editor leaves around it: a token never has them, so a key kept with
  // them would start the server and then match no request.
  std::string_view key = std::string_view(*text).substr(0, text->find('\n'));
  if (key.starts_with("\xEF\xBB\xBF")) key.remove_prefix(3);  // the UTF-8 mark some editors write
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!key.empty() && blank(key.front())) key.remove_prefix(1);
  while (!key.empty() && blank(key.back())) key.remove_suffix(1);
  if (std::any_of(key.begin(), key.end(), blank))
    return fail(Code::invalid_argument, path.string() + ": a key has no blanks");
  return std::string(key);
}

Result<AdminKey> load_admin_key(const fs::path& data_dir, const std::string& admin_key_file) {
  if (!admin_key_file.empty()) {
    auto key = read_key_line(admin_key_file);
    if (!key) return tl::unexpected(key.error());
    if (key->size() < 16)
      return fail(Code::invalid_argument,
                  admin_key_file + ": an admin key must be at least 16 characters");
    return AdminKey{std::move(*key), admin_key_file, false};
  }
  const fs::path path = data_dir / "admin.key";
  if (fs::exists(path)) {
    auto key = read_key_line(path);
    if (!key) return tl::unexpected(key.error());
    if (key->empty()) return fail(Code::corruption, path.string() + " is empty");
    return AdminKey{std::move(*key), path, false};
  }
  const std::string key = api::keys::new_key_text();
  if (key.empty()) return fail(Code::internal, "the system random source failed");
  // O_EXCL: never overwrite a key someone else just wrote; 0600: only the owner reads it.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail(Code::io_error, "cannot create " + path.string() + ": " + std::strerror(errno));
  auto written = write_all(fd, key + "\n", path);
  ::close(fd);
  if (!written) return tl::unexpected(written.error());
  return AdminKey{key, path, true};
}

Result<HostPort> split_host_port(std::string_view text) {
  std::string_view host;
  std::string_view::size_type colon = std::string_view::npos;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return fail(Code::invalid_argument, "an unclosed [");
    host = text.substr(1, close - 1);
    if (close + 1 < text.size() && text[close + 1] == ':') colon = close + 1;
  } else {
    colon = text.rfind(':');
    if (colon != std::string_view::npos) host = text.substr(0, colon);
  }
  if (colon == std::string_view::npos || host.empty() || colon + 1 == text.size())
    return fail(Code::invalid_argument, "a host and a port");
  return HostPort{std::string(host), std::string(text.substr(colon + 1))};
}

PersistedTestClock::PersistedTestClock() : clock_(SystemClock().now()) {}

Status PersistedTestClock::load(const fs::path& data_dir) {
  file_ = data_dir / "test-clock";
  if (!fs::exists(file_)) return store(clock_.now());
  auto text = read_secret_file(file_);
  if (!text) return tl::unexpected(text.error());
  const auto micros = parse_number<std::int64_t>(*text);
  if (!micros) return fail(Code::corruption, file_.string() + " does not hold a time");
  const auto stored = Timestamp(std::chrono::microseconds(*micros));
  if (stored > clock_.now()) clock_.advance(stored - clock_.now());
  return {};
}

Result<Timestamp> PersistedTestClock::advance(std::chrono::seconds step, Timestamp limit) {
  std::lock_guard lock(mutex_);  // advances are stored in the order they happen
  if (step.count() >= std::chrono::ceil<std::chrono::seconds>(limit - clock_.now()).count())
    return fail(Code::invalid_argument, "the step would take the clock past its limit");
  // Stored before anyone can read it: a time handed out (to a caller, an event's recorded_at,
  // a firing) must be there after a crash, or the clock would go back across the restart.
  if (auto ok = store(clock_.now() + step); !ok) return tl::unexpected(ok.error());
  return clock_.advance(step);
}

Status PersistedTestClock::store(Timestamp t) {
  const fs::path tmp = file_.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail(Code::io_error, "cannot write " + tmp.string() + ": " + std::strerror(errno));
  auto written = write_all(fd, std::to_string(t.time_since_epoch().count()) + "\n", tmp);
  ::close(fd);
  if (!written) return written;
  std::error_code ec;
  fs::rename(tmp, file_, ec);
  if (ec) return fail(Code::io_error, "cannot rename " + tmp.string() + ": " + ec.message());
  // The rename is durable once the directory is synced.
  const int dir = ::open(file_.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0 || ::fsync(dir) != 0) {
    const std::string why = std::strerror(errno);
    if (dir >= 0) ::close(dir);
    return fail(Code::io_error, "cannot sync " + file_.parent_path().string() + ": " + why);
  }
  ::close(dir);
  return {};
}

}  // namespace tally::tools
