// Exactly-once across crashes: a child process appends increments and runs the projector;
// the parent SIGKILLs it at random moments, restarts the projector from its checkpoint and
// checks that its rows equal a fresh rebuild from the log.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "projections/example/counter_views.h"
#include "support.h"

namespace tally::projections {
namespace {

using eventstore::test::TempDir;
using namespace std::chrono_literals;

constexpr int kKillCycles = 6;

[[noreturn]] void run_child(const std::filesystem::path& dir) {
  auto log = eventstore::Log::open(dir);
  auto store = log ? eventstore::KvStore::open(dir / "views") : tl::unexpected(log.error());
  if (!log || !store) _exit(2);
  example::CounterTotals totals;
  Projector projector(**log, **store, totals);
  if (!projector.start()) _exit(3);
  std::vector<std::thread> appenders;
  for (int t = 0; t < 4; ++t)
    appenders.emplace_back([&, t] {
      for (;;) {
        auto r = (*log)->append(test::increment_of("counter-" + std::to_string(t)));
        if (!r) _exit(4);
      }
    });
  std::this_thread::sleep_for(60s);  // the parent kills long before
  _exit(5);
}

TEST_CASE("after a kill, the restarted projector's rows equal a fresh rebuild") {
  TempDir dir;
  std::mt19937 random(std::random_device{}());
  for (int cycle = 0; cycle < kKillCycles; ++cycle) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::execl("/proc/self/exe", "projections_crash_test", "--crash-child", dir.data().c_str(),
              nullptr);
      _exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + random() % 500));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(WIFSIGNALED(status));

    auto log = eventstore::test::open_log(dir.data());
    auto store = eventstore::KvStore::open(dir.data() / "views").value();
    example::CounterTotals totals;
    Projector projector(*log, *store, totals);
    REQUIRE(projector.catch_up());
    const auto resumed = projector.view().value();
    CAPTURE(cycle);
    CHECK(resumed.position() == log->head());
    CHECK(example::sum_of(resumed).value() == static_cast<std::int64_t>(log->head().value));
    const auto resumed_rows = resumed.scan("", 1'000'000).value();
    REQUIRE(projector.rebuild_now(nullptr));
    CHECK(projector.view().value().scan("", 1'000'000).value() == resumed_rows);
  }
}

}  // namespace
}  // namespace tally::projections

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == "--crash-child")
    tally::projections::run_child(argv[2]);
  doctest::Context context(argc, argv);
  return context.run();
}
