// A write that fails (here: a file that may not grow, as on a full disk) stops the log taking
// appends until it is opened again: the failed batch may or may not be on disk, so nothing may
// be staged behind it.
#include <doctest/doctest.h>
#include <sys/resource.h>

#include <csignal>
#include <mutex>

#include "support.h"

namespace tally::eventstore {
using namespace test;

namespace {

// While it lives, no file of this process may grow past `bytes`: a write past it fails with
// EFBIG instead of raising SIGXFSZ.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &old_);
    rlimit limited = old_;
    limited.rlim_cur = bytes;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &limited) == 0);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  void (*old_handler_)(int) = nullptr;
};

}  // namespace

TEST_CASE("a failed write stops every later append, is told once, and loses nothing acknowledged") {
  TempDir dir;
  std::mutex told_mutex;
  std::vector<Error> told;
  LogOptions options;
  options.on_failure = [&](const Error& error) {
    std::lock_guard lock(told_mutex);
    told.push_back(error);
  };
  auto log = open_log(dir.data(), options);
  REQUIRE(log->append(one_event("coupon-A")));
  CHECK_FALSE(log->failure());

  Position acknowledged = log->head();
  std::optional<Error> refused;
  {
    const FileSizeLimit limit(16 << 10);
    const std::string payload = R"({"pad":")" + std::string(200, 'x') + R"("})";
    for (int i = 0; i < 100000 && !refused; ++i) {
      auto appended = log->append(one_event("coupon-A", payload));
      if (appended)
        acknowledged = appended->last;
      else
        refused = appended.error();
    }
  }
  REQUIRE(refused);
  CHECK(refused->code == Code::io_error);
  CHECK(acknowledged > Position(10));

  // The disk has room again; the log stays stopped all the same.
  auto later = log->append(one_event("coupon-B"));
  REQUIRE_FALSE(later);
  CHECK(later.error().code == Code::io_error);
  REQUIRE(log->failure());
  CHECK(log->failure()->code == Code::io_error);
  CHECK(log->head() == acknowledged);
  {
    std::lock_guard lock(told_mutex);
    CHECK(told.size() == 1);
  }

  // Opened again: every acknowledged event is there, and appends are taken.
  log.reset();
  log = open_log(dir.data());
  CHECK(log->head() >= acknowledged);
  CHECK_FALSE(log->failure());
  auto events = log->read_all(Position(1), 1'000'000);
  REQUIRE(events);
  CHECK(events->size() >= acknowledged.value);
  CHECK(log->append(one_event("coupon-B")));
  CHECK(log->verify().value() == std::nullopt);
}

}  // namespace tally::eventstore
