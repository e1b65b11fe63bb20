// The command runtime against a real log: positions, rejections, idempotency, hot streams,
// conflicts with other writers.
#include "commands/runtime.h"

#include <doctest/doctest.h>

#include <atomic>
#include <set>
#include <thread>

#include "commands/example/counter.h"
#include "eventstore/support.h"

namespace tally::commands {
namespace {

using eventstore::test::open_log;
using eventstore::test::TempDir;
using example::Counter;
using namespace std::chrono_literals;

const Timestamp kNoon = Timestamp(std::chrono::hours(24 * 20000 + 12));

Counter::Command increment(std::string id, std::int64_t by = 1, std::int64_t limit = 1'000'000) {
  return Counter::Increment{std::move(id), by, limit, kNoon, 3600s};
}

Context keyed(std::string key, std::string fingerprint) {
  Context c;
  c.idempotency_key = std::move(key);
  c.fingerprint = std::move(fingerprint);
  c.actor = "test";
  return c;
}

TEST_CASE("an accepted command answers its positions and the domain's answer") {
  TempDir dir;
  auto log = open_log(dir.data());
  CommandBus<Counter> bus(*log);
  auto first = bus.execute(increment("a", 2));
  REQUIRE(first);
  CHECK(first->first == Position(1));
  CHECK(first->last == Position(1));
  CHECK_FALSE(first->replayed);
  CHECK(first->answer == R"({"value":2})");
  auto second = bus.execute(increment("a", 3));
  REQUIRE(second);
  CHECK(second->first == Position(2));
  CHECK(second->answer == R"({"value":5})");
  auto events = log->read_stream("counter-a", StreamVersion(1), 10).value();
  REQUIRE(events.size() == 2);
  CHECK(events[1].type == "counter.incremented");
}

TEST_CASE("state is folded from the log when the bus does not have it") {
  TempDir dir;
  {
    auto log = open_log(dir.data());
    CommandBus<Counter> bus(*log);
    REQUIRE(bus.execute(increment("a", 4)));
  }
  auto log = open_log(dir.data());
  CommandBus<Counter> bus(*log);
  auto r = bus.execute(increment("a", 1));
  REQUIRE(r);
  CHECK(r->answer == R"({"value":5})");
}

TEST_CASE("a rejection carries the domain's code and appends nothing") {
  TempDir dir;
  auto log = open_log(dir.data());
  CommandBus<Counter> bus(*log);
  REQUIRE(bus.execute(increment("a", 5, 5)));
  auto r = bus.execute(increment("a", 1, 5));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::rejected);
  CHECK(r.error().reason == "limit_reached");
  CHECK(log->head() == Position(1));
  CHECK(bus.stats().rejected == 1);
}

TEST_CASE("same key and body replays the stored outcome, also after a restart") {
  TempDir dir;
  Outcome original;
  {
    auto log = open_log(dir.data());
    CommandBus<Counter> bus(*log);
    auto r = bus.execute(increment("a", 2), keyed("k1", "body-1"));
    REQUIRE(r);
    original = *r;
    auto again = bus.execute(increment("a", 2), keyed("k1", "body-1"));
    REQUIRE(again);
    CHECK(again->replayed);
    CHECK(again->first == original.first);
    CHECK(again->answer == original.answer);
    CHECK(log->head() == Position(1));
  }
  auto log = open_log(dir.data());
  CommandBus<Counter> bus(*log);
  auto after_restart = bus.execute(increment("a", 2), keyed("k1", "body-1"));
  REQUIRE(after_restart);
  CHECK(after_restart->replayed);
  CHECK(after_restart->last == original.last);
  CHECK(after_restart->answer == R"({"value":2})");
  CHECK(log->head() == Position(1));
}

TEST_CASE("same key with another body is idempotency_conflict") {
  TempDir dir;
  auto log = open_log(dir.data());
  CommandBus<Counter> bus(*log);
  REQUIRE(bus.execute(increment("a", 2), keyed("k1", "body-1")));
  auto r = bus.execute(increment("a", 3), keyed("k1", "body-2"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::idempotency_conflict);
  CHECK(log->head() == Position(1));
}

TEST_CASE("duplicates in flight together get the first one's outcome") {
  TempDir dir;
  auto log = open_log(dir.data());
  CommandBus<Counter> bus(*log);
  constexpr int kCallers = 16;
  std::vector<Result<Outcome>> results(kCallers, fail(Code::internal, "not run"));
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i)
    callers.emplace_back(
        [&, i] { results[i] = bus.execute(increment("a", 1), keyed("dup", "same-body")); });
  for (auto& t : callers) t.join();
  int replays = 0;
  for (const auto& r : results) {
    REQUIRE(r);
    CHECK(r->first == Position(1));
    CHECK(r->answer == R"({"value":1})");
    replays += r->replayed;
  }
  CHECK(replays == kCallers - 1);
  CHECK(log->head() == Position(1));
}

TEST_CASE("64 callers on one stream are sequenced: no lost update, no conflict surfaced") {
  TempDir dir;
  auto log = open_log(dir.data());
  CommandBus<Counter> bus(*log);
  constexpr int kCallers = 64, kEach = 20;
  std::atomic<int> accepted{0}, refused{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i)
    callers.emplace_back([&] {
      for (int k = 0; k < kEach; ++k) (bus.execute(increment("hot")) ? accepted : refused)++;
    });
  for (auto& t : callers) t.join();
  CHECK(accepted == kCallers * kEach);
  CHECK(refused == 0);
  CHECK(bus.stats().retries == 0);
  CHECK(log->stream_version("counter-hot").value() == StreamVersion(kCallers * kEach));
  auto r = bus.execute(increment("hot", 1));
  REQUIRE(r);
  CHECK(r->answer == R"({"value":1281})");
}

TEST_CASE("a limit holds under 64 concurrent callers: exactly the limit is accepted") {
  TempDir dir;
  auto log = open_log(dir.data());
  CommandBus<Counter> bus(*log);
  std::atomic<int> accepted{0}, limited{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 64; ++i)
    callers.emplace_back([&] {
      for (int k = 0; k < 4; ++k) {
        auto r = bus.execute(increment("capped", 1, 100));
        if (r)
          ++accepted;
        else if (r.error().reason == "limit_reached")
          ++limited;
      }
    });
  for (auto& t : callers) t.join();
  CHECK(accepted == 100);
  CHECK(limited == 156);
}

TEST_CASE("a conflict with another writer is retried and then succeeds") {
  TempDir dir;
  auto log = open_log(dir.data());
  CommandBus<Counter> bus(*log);
  REQUIRE(bus.execute(increment("a", 1)));  // the bus now caches version 1
  REQUIRE(
      log->append(eventstore::test::to_stream("counter-a", eventstore::ExpectedVersion::any(),
                                              {Counter::encode(Counter::Incremented{10, {}})})));
  auto r = bus.execute(increment("a", 1));
  REQUIRE(r);
  CHECK(r->answer == R"({"value":12})");  // decided again on the folded state
  CHECK(bus.stats().retries == 1);
}

TEST_CASE("when retries run out the answer is concurrency_conflict") {
  TempDir dir;
  auto log = open_log(dir.data());
  Options options;
  options.max_attempts = 1;
  CommandBus<Counter> bus(*log, options);
  REQUIRE(bus.execute(increment("a", 1)));
  REQUIRE(log->append(eventstore::test::one_event("counter-a", R"({"by":1})")));
  auto r = bus.execute(increment("a", 1));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::concurrency_conflict);
}

}  // namespace
}  // namespace tally::commands
