// Crash safety: a child process appends from several threads and writes each acknowledged
// position to a pipe; the parent SIGKILLs it at random moments, reopens the log, and checks
// that every acknowledged event is there, positions are gap-free and the chain verifies.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "support.h"

namespace tally::eventstore {
using namespace test;

namespace {

constexpr int kChildThreads = 8;
constexpr int kKillCycles = 12;

// Appends until killed; reports "<position> <payload>\n" after each append returns.
[[noreturn]] void run_child(const std::filesystem::path& dir) {
  auto log = Log::open(dir);
  if (!log) {
    fprintf(stderr, "child: %s\n", describe(log.error()).c_str());
    _exit(2);
  }
  std::mutex out;
  std::vector<std::thread> threads;
  const long base = static_cast<long>((*log)->head().value);
  for (int t = 0; t < kChildThreads; ++t) {
    threads.emplace_back([&, t] {
      for (long seq = 0;; ++seq) {
        const std::string payload =
            "p" + std::to_string(base) + "-" + std::to_string(t) + "-" + std::to_string(seq);
        auto r = (*log)->append(one_event("crash-" + std::to_string(t), payload));
        if (!r) _exit(3);
        const std::string line = std::to_string(r->first.value) + " " + payload + "\n";
        std::lock_guard lock(out);
        if (::write(STDOUT_FILENO, line.data(), line.size()) != ssize_t(line.size())) _exit(4);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(60));  // the parent kills long before
  _exit(5);
}

// Starts the child, lets it run for `run_for`, SIGKILLs it; returns what it acknowledged.
std::map<std::uint64_t, std::string> run_and_kill(const std::filesystem::path& dir,
                                                  std::chrono::milliseconds run_for) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl("/proc/self/exe", "eventstore_crash_test", "--crash-child", dir.c_str(), nullptr);
    _exit(127);
  }
  ::close(fds[1]);
  std::mutex mutex;
  std::condition_variable first_ack;
  std::string received;
  std::thread reader([&] {
    char buf[65536];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) {
      std::lock_guard lock(mutex);
      received.append(buf, n);
      first_ack.notify_one();
    }
  });
  {
    // The kill timer starts once the child appends, so a slow start (a sanitizer build, a
    // busy machine) never turns a cycle into a kill before the log was even opened.
    std::unique_lock lock(mutex);
    CHECK(first_ack.wait_for(lock, std::chrono::seconds(30),
                             [&] { return received.find('\n') != std::string::npos; }));
  }
  std::this_thread::sleep_for(run_for);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  reader.join();  // the pipe closes with the child: everything it wrote is read
  ::close(fds[0]);
  CHECK(WIFSIGNALED(status));

  std::map<std::uint64_t, std::string> acked;
  std::istringstream lines(received);
  for (std::string line; std::getline(lines, line);) {
    if (lines.eof()) break;  // a line cut by the kill was never fully reported
    const auto space = line.find(' ');
    acked.emplace(std::stoull(line.substr(0, space)), line.substr(space + 1));
  }
  return acked;
}

}  // namespace

TEST_CASE("no acknowledged event is lost when the process is killed at random moments") {
  TempDir dir;
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> millis(30, 400);
  std::map<std::uint64_t, std::string> all_acked;
  for (int cycle = 0; cycle < kKillCycles; ++cycle) {
    const auto acked = run_and_kill(dir.data(), std::chrono::milliseconds(millis(random)));
    all_acked.insert(acked.begin(), acked.end());

    auto log = open_log(dir.data());
    const Position head = log->head();
    REQUIRE(!all_acked.empty());
    CHECK(head.value >= all_acked.rbegin()->first);
    const auto events = log->read_all(Position(1), head.value).value();
    REQUIRE(events.size() == head.value);  // gap-free: 1..head, all readable
    std::vector<std::uint64_t> lost;
    for (const auto& [position, payload] : all_acked)
      if (events[position - 1].payload != payload) lost.push_back(position);
    INFO("cycle " << cycle << ", first lost position " << (lost.empty() ? 0 : lost.front()));
    CHECK(lost.empty());
    CHECK(log->verify().value() == std::nullopt);
    MESSAGE("cycle " << cycle << ": " << acked.size() << " acknowledged, head " << head.value);
  }
}

}  // namespace tally::eventstore

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == "--crash-child")
    tally::eventstore::run_child(argv[2]);
  return doctest::Context(argc, argv).run();
}
