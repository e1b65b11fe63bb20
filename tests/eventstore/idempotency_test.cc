#include <doctest/doctest.h>

#include <future>
#include <thread>

#include "support.h"

namespace tally::eventstore {
using namespace test;

namespace {
AppendRequest keyed(std::string key, std::string fingerprint, std::string stream = "coupon-1") {
  auto r = one_event(std::move(stream));
  r.idempotency =
      Idempotency{std::move(key), std::move(fingerprint), "outcome-of-" + r.streams[0].stream};
  return r;
}
}  // namespace

TEST_CASE("the same key and request returns the first outcome and appends nothing") {
  TempDir dir;
  auto log = open_log(dir.data());
  auto first = log->append(keyed("S1/T1", "body-a"));
  REQUIRE(first);
  CHECK_FALSE(first->replayed);
  auto again = log->append(keyed("S1/T1", "body-a"));
  REQUIRE(again);
  CHECK(again->replayed);
  CHECK(again->first == first->first);
  CHECK(again->last == first->last);
  CHECK(again->outcome == "outcome-of-coupon-1");
  CHECK(log->head() == Position(1));
}

TEST_CASE("the same key with another request is an idempotency conflict") {
  TempDir dir;
  auto log = open_log(dir.data());
  REQUIRE(log->append(keyed("S1/T1", "body-a")));
  auto other = log->append(keyed("S1/T1", "body-b"));
  REQUIRE_FALSE(other);
  CHECK(other.error().code == Code::idempotency_conflict);
  CHECK(log->head() == Position(1));
}

TEST_CASE("a rejected append is not remembered: its retry is decided afresh") {
  TempDir dir;
  auto log = open_log(dir.data());
  REQUIRE(log->append(one_event("coupon-1")));
  auto r = keyed("S1/T2", "body");
  r.streams[0].expected = ExpectedVersion::no_stream();
  CHECK(log->append(r).error().code == Code::version_conflict);
  CHECK(log->find_outcome("S1/T2").value() == std::nullopt);
  r.streams[0].expected = ExpectedVersion::exact(StreamVersion(1));
  auto retried = log->append(r);
  REQUIRE(retried);
  CHECK_FALSE(retried->replayed);
}

TEST_CASE("a record without events answers what it confirms, durably, and conflicts") {
  TempDir dir;
  const auto remember = [](Log& log, std::string key, std::string fingerprint, Position first,
                           Position last) {
    std::promise<Result<AppendResult>> answer;
    log.remember_async(Idempotency{std::move(key), std::move(fingerprint), "confirmed"}, first,
                       last, [&](Result<AppendResult> r) { answer.set_value(std::move(r)); });
    return answer.get_future().get();
  };
  {
    auto log = open_log(dir.data());
    REQUIRE(log->append(one_event("coupon-1")));
    REQUIRE(log->append(keyed("S1/T1", "body-a")));
    auto kept = remember(*log, "K2", "body-k", Position(1), Position(1));
    REQUIRE(kept);
    CHECK_FALSE(kept->replayed);
    CHECK(kept->first == Position(1));
    CHECK(log->head() == Position(2));  // no event, no position of its own
    // A key the log knows answers as an append with it would.
    auto known = remember(*log, "S1/T1", "body-a", Position(1), Position(1));
    REQUIRE(known);
    CHECK(known->replayed);
    CHECK(known->first == Position(2));
    CHECK(remember(*log, "S1/T1", "body-b", Position(1), Position(1)).error().code ==
          Code::idempotency_conflict);
    CHECK(remember(*log, "K3", "b", Position(1), Position(3)).error().code ==
          Code::invalid_argument);  // not written yet
    CHECK(remember(*log, "", "b", Position(1), Position(1)).error().code == Code::invalid_argument);
    REQUIRE(log->append(one_event("coupon-1")));  // positions go on after the record: no gap
    CHECK(log->head() == Position(3));
  }
  auto log = open_log(dir.data());
  auto again = log->append(keyed("K2", "body-k"));
  REQUIRE(again);
  CHECK(again->replayed);
  CHECK(again->first == Position(1));
  CHECK(again->last == Position(1));
  CHECK(again->outcome == "confirmed");
  CHECK(log->append(keyed("K2", "body-other")).error().code == Code::idempotency_conflict);
  CHECK(log->head() == Position(3));
  CHECK(log->verify().value() == std::nullopt);
}

TEST_CASE("idempotency records survive a reopen") {
  TempDir dir;
  Position original;
  {
    auto log = open_log(dir.data());
    original = log->append(keyed("S1/T1", "body-a")).value().first;
    REQUIRE(log->append(one_event("other-1")));
  }
  auto log = open_log(dir.data());
  auto replay = log->append(keyed("S1/T1", "body-a"));
  REQUIRE(replay);
  CHECK(replay->replayed);
  CHECK(replay->first == original);
  CHECK(log->append(keyed("S1/T1", "body-b")).error().code == Code::idempotency_conflict);
  CHECK(log->head() == Position(2));
}

TEST_CASE("duplicates in flight together get the first one's answer") {
  TempDir dir;
  auto log = open_log(dir.data());
  constexpr int kCallers = 24;
  std::vector<Result<AppendResult>> results(kCallers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCallers; ++i)
    threads.emplace_back([&, i] { results[i] = log->append(keyed("S9/T9", "same-body")); });
  for (auto& t : threads) t.join();
  int originals = 0;
  for (const auto& r : results) {
    REQUIRE(r);
    CHECK(r->first == Position(1));
    if (!r->replayed) ++originals;
  }
  CHECK(originals == 1);
  CHECK(log->head() == Position(1));
}

TEST_CASE("idempotency records are kept for the retention, then pruned") {
  TempDir dir;
  TestClock clock(Timestamp(std::chrono::seconds(1'800'000'000)));
  auto log = open_log(dir.data(), LogOptions{.clock = &clock});
  REQUIRE(log->append(keyed("old", "body")));
  clock.advance(std::chrono::hours(24 * 20));
  REQUIRE(log->append(keyed("newer", "body", "coupon-2")));

  clock.advance(std::chrono::hours(24 * 10) - std::chrono::minutes(1));  // "old" is 30 days - 1 min
  CHECK(log->prune_idempotency().value() == 0);
  CHECK(log->append(keyed("old", "body")).value().replayed);

  clock.advance(std::chrono::minutes(2));  // "old" is now past 30 days, "newer" is 10 days
  CHECK(log->prune_idempotency().value() == 1);
  CHECK(log->stats().idempotency_pruned == 1);
  CHECK(log->find_outcome("old").value() == std::nullopt);
  CHECK(log->find_outcome("newer").value().has_value());
  auto fresh = log->append(keyed("old", "another-body"));
  REQUIRE(fresh);
  CHECK_FALSE(fresh->replayed);
}

TEST_CASE("the log prunes by itself, in rounds that keep coming while records are due") {
  TempDir dir;
  TestClock clock(Timestamp(std::chrono::seconds(1'800'000'000)));
  auto log = open_log(dir.data(), LogOptions{.clock = &clock, .idempotency_prune_round = 3});
  auto key = [](int i) {
    std::string k = "k";
    return k += std::to_string(i);
  };
  for (int i = 1; i <= 7; ++i) REQUIRE(log->append(keyed(key(i), "body", "coupon-" + key(i))));
  auto kept = [&] {
    int n = 0;
    for (int i = 1; i <= 7; ++i) n += log->find_outcome(key(i)).value() ? 1 : 0;
    return n;
  };
  // A round runs on the answering thread after a batch is answered: the next append returns
  // only once that round is done.
  auto append_twice = [&] {
    REQUIRE(log->append(one_event("trigger")));
    REQUIRE(log->append(one_event("barrier")));
  };
  append_twice();
  CHECK(kept() == 7);  // none is old enough

  clock.advance(std::chrono::hours(24 * 31));
  append_twice();
  CHECK(kept() == 4);  // one round of 3, the oldest first
  append_twice();
  CHECK(kept() == 4);  // the next round is not due yet
  clock.advance(std::chrono::milliseconds(50));
  append_twice();
  CHECK(kept() == 1);  // a full round called the next one soon
  clock.advance(std::chrono::milliseconds(50));
  append_twice();
  CHECK(kept() == 0);

  // That round was not full: the log is caught up, and the next round is an hour away.
  REQUIRE(log->append(keyed("k8", "body", "coupon-8")));
  clock.advance(std::chrono::hours(24 * 31));
  append_twice();
  CHECK(log->find_outcome("k8").value() == std::nullopt);
}

}  // namespace tally::eventstore
