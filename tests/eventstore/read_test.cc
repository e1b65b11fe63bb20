#include <doctest/doctest.h>
#include <fmt/format.h>

#include <atomic>
#include <thread>

#include "support.h"

namespace tally::eventstore {
using namespace test;

TEST_CASE("read_stream returns one stream's events from a version, in order, bounded") {
  TempDir dir;
  auto log = open_log(dir.data());
  for (int i = 1; i <= 5; ++i) {
    REQUIRE(log->append(one_event("order-1", fmt::format("p{}", i))));
    REQUIRE(log->append(one_event("order-10", fmt::format("q{}", i))));  // shares a prefix
  }
  auto from3 = log->read_stream("order-1", StreamVersion(3), 100).value();
  REQUIRE(from3.size() == 3);
  CHECK(from3[0].version == StreamVersion(3));
  CHECK(from3[0].payload == "p3");
  CHECK(from3[2].payload == "p5");
  for (const auto& e : from3) CHECK(e.stream == "order-1");
  CHECK(log->read_stream("order-1", StreamVersion(1), 2).value().size() == 2);
  CHECK(log->read_stream("order-1", StreamVersion(6), 10).value().empty());
  CHECK(log->read_stream("order-", StreamVersion(1), 10).value().empty());
}

TEST_CASE("read_all pages through the log from a position") {
  TempDir dir;
  auto log = open_log(dir.data());
  for (int i = 0; i < 25; ++i) REQUIRE(log->append(one_event("s-" + std::to_string(i % 4))));
  std::vector<RecordedEvent> seen;
  for (Position from(1);;) {
    auto page = log->read_all(from, 10).value();
    if (page.empty()) break;
    from = page.back().position.next();
    for (auto& e : page) seen.push_back(std::move(e));
  }
  REQUIRE(seen.size() == 25);
  for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i].position == Position(i + 1));
  CHECK(log->read_all(Position(26), 10).value().empty());
  CHECK(log->read_all(Position(0), 1).value().front().position == Position(1));
}

TEST_CASE("wait_beyond wakes when a later position commits, and times out otherwise") {
  TempDir dir;
  auto log = open_log(dir.data());
  REQUIRE(log->append(one_event("s-1")));
  CHECK(log->wait_beyond(Position(0), std::chrono::milliseconds(10)) == Position(1));
  const auto start = std::chrono::steady_clock::now();
  CHECK(log->wait_beyond(Position(1), std::chrono::milliseconds(50)) == Position(1));
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(50));

  std::thread appender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    CHECK(log->append(one_event("s-1")));
  });
  CHECK(log->wait_beyond(Position(1), std::chrono::seconds(10)) == Position(2));
  appender.join();
}

TEST_CASE("an answered append is in its stream and in the log at once, under concurrent appends") {
  // Readers see an event once its append is answered: by stream, by position and in head().
  TempDir dir;
  auto log = open_log(dir.data());
  std::atomic<int> missing{0};
  std::vector<std::thread> appenders;
  for (int t = 0; t < 8; ++t)
    appenders.emplace_back([&, t] {
      const std::string stream = "order-" + std::to_string(t);
      for (int i = 1; i <= 50; ++i) {
        auto appended = log->append(one_event(stream));
        if (!appended) return missing.fetch_add(1);
        auto events = log->read_stream(stream, StreamVersion(1), 100);
        if (!events || events->size() != std::size_t(i) ||
            events->back().position != appended->last || log->head() < appended->last)
          missing.fetch_add(1);
      }
      return 0;
    });
  for (auto& a : appenders) a.join();
  CHECK(missing == 0);
}

}  // namespace tally::eventstore
