// The tally data dir: a FORMAT marker, an exclusive lock, and the databases under it.
// Opening never resets anything: an empty or missing dir becomes a data dir; a dir with
// anything else in it is refused.
#pragma once

#include <filesystem>

#include "core/result.h"

namespace tally::eventstore {

// Held while the data dir is open; a second holder, in this or another process, is refused.
class DataDirLock {
 public:
  DataDirLock(DataDirLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  DataDirLock& operator=(DataDirLock&&) = delete;
  ~DataDirLock();

  // Makes `dir` a data dir if it is missing or empty (when `create` is set; else that is
  // Code::not_found), checks its FORMAT otherwise, and takes its lock: Code::not_a_data_dir,
  // Code::incompatible_format, Code::data_dir_locked, Code::io_error.
  // `shared`: a reader's lock, held beside other readers' (never beside a writer's); nothing
  // in the dir is written.
  static Result<DataDirLock> acquire(const std::filesystem::path& dir, bool create,
                                     bool shared = false);

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace tally::eventstore
