#include "eventstore/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tally::eventstore {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kFormatFile = "FORMAT";
constexpr std::string_view kLockFile = "LOCK";
constexpr std::string_view kFormatLine = "tally data dir, format 1\n";

tl::unexpected<Error> os_error(std::string_view what, const fs::path& path) {
  return fail(Code::io_error,
              std::string(what) + " " + path.string() + ": " + std::strerror(errno));
}

// Writes the marker durably: a crash leaves either no FORMAT or a whole one.
Status write_format(const fs::path& dir) {
  const fs::path tmp = dir / "FORMAT.tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return os_error("cannot create", tmp);
  const bool ok = ::write(fd, kFormatLine.data(), kFormatLine.size()) ==
                      static_cast<ssize_t>(kFormatLine.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return os_error("cannot write", tmp);
  if (::rename(tmp.c_str(), (dir / kFormatFile).c_str()) != 0)
    return os_error("cannot rename", tmp);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || ::fsync(dfd) != 0) return os_error("cannot sync", dir);
  ::close(dfd);
  return {};
}

Status check_or_create(const fs::path& dir, bool create) {
  std::error_code ec;
  const bool missing = !fs::exists(dir, ec);
  if (!create && (missing || (fs::is_directory(dir, ec) && fs::is_empty(dir, ec))))
    return fail(Code::not_found, "there is no tally data dir at " + dir.string());
  if (missing) {
    if (!fs::create_directories(dir, ec))
      return fail(Code::io_error, "cannot create data dir " + dir.string() + ": " + ec.message());
    return write_format(dir);
  }
  if (!fs::is_directory(dir, ec))
    return fail(Code::not_a_data_dir, dir.string() + " is not a directory");
  const fs::path format = dir / kFormatFile;
  if (!fs::exists(format, ec)) {
    if (fs::is_empty(dir, ec)) return write_format(dir);
    return fail(Code::not_a_data_dir, dir.string() +
                                          " is not empty and has no FORMAT file: it is not a "
                                          "tally data dir; refusing to touch it (for a new "
                                          "one, name an empty or missing dir, e.g. one under "
                                          "it)");
  }
  std::ifstream in(format);
  std::stringstream text;
  text << in.rdbuf();
  if (text.str() == kFormatLine) return {};
  if (text.str().rfind("tally data dir", 0) == 0) {
    std::string found = text.str();
    while (!found.empty() && (found.back() == '\n' || found.back() == '\r')) found.pop_back();
    return fail(Code::incompatible_format,
                dir.string() + " has a data dir format this build cannot read: " + found);
  }
  return fail(Code::not_a_data_dir, format.string() + " is not a tally FORMAT file");
}

}  // namespace

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing drops the flock
}

Result<DataDirLock> DataDirLock::acquire(const fs::path& dir, bool create, bool shared) {
  if (auto ok = check_or_create(dir, create && !shared); !ok) return tl::unexpected(ok.error());
  const fs::path lock = dir / kLockFile;
  const int fd = shared ? ::open(lock.c_str(), O_RDONLY | O_CLOEXEC)
                        : ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  // A copy without LOCK (backups often leave such files out) has no writer to exclude.
  if (fd < 0 && shared && errno == ENOENT) return DataDirLock(-1);
  if (fd < 0) return os_error("cannot open", lock);
  // flock locks belong to the open file description, so a second open in this same process
  // is refused too, not only another process.
  if (::flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK)
      return fail(Code::data_dir_locked,
                  dir.string() + " is already open in another tally process (or this one)");
    errno = err;
    return os_error("cannot lock", lock);
  }
  return DataDirLock(fd);
}

}  // namespace tally::eventstore
