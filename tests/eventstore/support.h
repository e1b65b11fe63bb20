// Shared by the eventstore tests: a temporary data dir and short ways to build appends.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "eventstore/log.h"

namespace tally::eventstore::test {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/tally-test-XXXXXX";
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // The data dir itself is a subfolder, so tests can also see a dir that does not exist yet.
  std::filesystem::path data() const { return path_ / "data"; }

 private:
  std::filesystem::path path_;
};

inline NewEvent event(std::string type, std::string payload = "{}") {
  return NewEvent{std::move(type), std::move(payload), {}};
}

inline AppendRequest to_stream(std::string stream, ExpectedVersion expected,
                               std::vector<NewEvent> events) {
  AppendRequest r;
  r.streams.push_back(StreamAppend{std::move(stream), expected, std::move(events)});
  r.correlation_id = "cmd-1";
  r.actor = "test";
  return r;
}

inline AppendRequest one_event(std::string stream, std::string payload = "{}") {
  return to_stream(std::move(stream), ExpectedVersion::any(), {event("test.happened", payload)});
}

inline std::unique_ptr<Log> open_log(const std::filesystem::path& dir, LogOptions options = {}) {
  auto log = Log::open(dir, options);
  if (!log) throw std::runtime_error(describe(log.error()));
  return std::move(*log);
}

// Submits every request at once, none awaited before the next, and returns their answers in
// submission order.
inline std::vector<Result<AppendResult>> append_all_async(Log& log,
                                                          std::vector<AppendRequest> requests) {
  std::mutex mutex;
  std::condition_variable done;
  std::vector<std::optional<Result<AppendResult>>> answers(requests.size());
  std::size_t answered = 0;
  for (std::size_t i = 0; i < requests.size(); ++i)
    log.append_async(std::move(requests[i]), [&, i](Result<AppendResult> r) {
      std::lock_guard lock(mutex);
      answers[i] = std::move(r);
      ++answered;
      done.notify_one();
    });
  std::unique_lock lock(mutex);
  if (!done.wait_for(lock, std::chrono::seconds(30), [&] { return answered == answers.size(); }))
    throw std::runtime_error("appends not answered within 30 s");
  std::vector<Result<AppendResult>> out;
  out.reserve(answers.size());
  for (auto& a : answers) out.push_back(std::move(*a));
  return out;
}

}  // namespace tally::eventstore::test
