#include "eventstore/info_log.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace tally::eventstore::rocks {
namespace {

class InfoLog final : public rocksdb::Logger {
 public:
  InfoLog(std::filesystem::path file, std::size_t max_bytes)
      : file_(std::move(file)), max_bytes_(max_bytes) {
    start_file();
  }
  ~InfoLog() override {
    if (fd_ >= 0) ::close(fd_);
  }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    // The line as RocksDB's own logger writes it: local time to the microsecond, thread, text.
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
        1'000'000;
    std::tm local{};
    ::localtime_r(&seconds, &local);
    char line[4096];
    int n = std::snprintf(line, sizeof line, "%04d/%02d/%02d-%02d:%02d:%02d.%06lld %llx ",
                          local.tm_year + 1900, local.tm_mon + 1, local.tm_mday, local.tm_hour,
                          local.tm_min, local.tm_sec, static_cast<long long>(micros),
                          static_cast<unsigned long long>(::pthread_self()));
    va_list copy;
    va_copy(copy, ap);
    const int text = std::vsnprintf(line + n, sizeof line - n - 1, format, copy);
    va_end(copy);
    if (text < 0) return;
    n = std::min<int>(n + text, sizeof line - 2);  // a longer line is cut
    if (line[n - 1] != '\n') line[n++] = '\n';
    write_line(line, static_cast<std::size_t>(n));
  }

 private:
  void start_file() {
    std::error_code ec;
    std::filesystem::rename(file_, file_.string() + ".old", ec);  // none yet is fine
    fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    written_ = 0;
  }

  void write_line(const char* data, std::size_t size) {
    std::lock_guard lock(mutex_);
    if (written_ + size > max_bytes_) {
      if (fd_ >= 0) ::close(fd_);
      start_file();
    }
    // A file that could not be opened (no descriptors, no space) is tried again, without
    // moving the last one aside.
    if (fd_ < 0) fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd_ < 0) return;
    // One write per line, its result ignored: a full disk loses lines, nothing else.
    if (const ssize_t w = ::write(fd_, data, size); w > 0) written_ += static_cast<std::size_t>(w);
  }

  const std::filesystem::path file_;
  const std::size_t max_bytes_;
  std::mutex mutex_;
  int fd_ = -1;
  std::size_t written_ = 0;
};

class Discard final : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
};

}  // namespace

std::shared_ptr<rocksdb::Logger> open_info_log(const std::filesystem::path& dir,
                                               std::size_t max_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);  // RocksDB reports a dir it cannot use itself
  return std::make_shared<InfoLog>(dir / "LOG", max_bytes);
}

std::shared_ptr<rocksdb::Logger> discarding_info_log() {
  return std::make_shared<Discard>();
}

}  // namespace tally::eventstore::rocks
