#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <numeric>
#include <set>
#include <thread>

#include "support.h"

namespace tally::eventstore {
using namespace test;

TEST_CASE("appenders racing on one expected version: exactly one wins each round") {
  TempDir dir;
  auto log = open_log(dir.data());
  constexpr int kThreads = 16, kRounds = 20;
  std::atomic<int> round_winners[kRounds] = {};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        // Everyone claims version round+1; wait until the previous round has a winner.
        while (log->stream_version("hot-1").value().value < std::uint64_t(round))
          std::this_thread::yield();
        auto r = log->append(to_stream("hot-1", ExpectedVersion::exact(StreamVersion(round)),
                                       {event("claimed", std::to_string(t))}));
        if (r)
          ++round_winners[round];
        else if (r.error().code == Code::version_conflict)
          ++conflicts;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int round = 0; round < kRounds; ++round) CHECK(round_winners[round] == 1);
  CHECK(conflicts == kThreads * kRounds - kRounds);
  CHECK(log->stream_version("hot-1").value() == StreamVersion(kRounds));
  CHECK(log->verify().value() == std::nullopt);
}

TEST_CASE("concurrent appenders share group commits and get distinct, gap-free positions") {
  TempDir dir;
  auto log = open_log(dir.data());
  constexpr int kThreads = 32, kEach = 50;
  std::mutex mutex;
  std::set<std::uint64_t> positions;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = log->append(one_event("s-" + std::to_string(t), std::to_string(i)));
        CHECK(r);
        if (!r) continue;
        std::lock_guard lock(mutex);
        CHECK(positions.insert(r->first.value).second);
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(positions.size() == std::size_t(kThreads * kEach));
  CHECK(*positions.begin() == 1);
  CHECK(*positions.rbegin() == std::uint64_t(kThreads * kEach));
  const auto stats = log->stats();
  CHECK(stats.events == std::uint64_t(kThreads * kEach));
  CHECK(stats.batches < stats.events);  // appends were grouped, not synced one by one
  // Every group commit is in each histogram once.
  const auto sum = [](const auto& buckets) {
    return std::accumulate(buckets.begin(), buckets.end(), std::uint64_t(0));
  };
  CHECK(sum(stats.sync_micros_buckets) == stats.batches);
  CHECK(sum(stats.batch_events_buckets) == stats.batches);
  for (int t = 0; t < kThreads; ++t) {
    auto events = log->read_stream("s-" + std::to_string(t), StreamVersion(1), 100).value();
    REQUIRE(events.size() == std::size_t(kEach));
    for (int i = 0; i < kEach; ++i) CHECK(events[i].payload == std::to_string(i));
  }
  CHECK(log->verify().value() == std::nullopt);
}

TEST_CASE("the batch-size histogram puts each group commit under the least bound it fits") {
  TempDir dir;
  auto log = open_log(dir.data());
  REQUIRE(log->append(one_event("s-1")));  // alone: a batch of one event
  REQUIRE(log->append(to_stream("s-2", ExpectedVersion::any(),
                                {event("a"), event("b"), event("c")})));  // 3: under 4
  const auto stats = log->stats();
  CHECK(stats.batches == 2);
  CHECK(stats.batch_events_buckets[0] == 1);  // le 1
  CHECK(stats.batch_events_buckets[1] == 0);  // le 2
  CHECK(stats.batch_events_buckets[2] == 1);  // le 4
}

TEST_CASE("async appends are answered in commit order with their own positions") {
  TempDir dir;
  auto log = open_log(dir.data());
  constexpr int kAppends = 2000;
  std::vector<AppendRequest> requests;
  for (int i = 0; i < kAppends; ++i)
    requests.push_back(one_event("s-" + std::to_string(i % 7), std::to_string(i)));
  const auto answers = append_all_async(*log, std::move(requests));
  // Submitted from one thread, so the queue order is the log order.
  for (int i = 0; i < kAppends; ++i)
    CHECK((answers[i] ? answers[i]->first.value : 0) == std::uint64_t(i + 1));
}

TEST_CASE("records written alone interleave with appends: no gap, head never back, replays") {
  TempDir dir;
  LogOptions options;
  options.max_batch_events = 3;  // many group commits, some holding records only
  auto log = open_log(dir.data(), options);
  constexpr int kThreads = 16, kEach = 30;
  std::atomic<bool> stop{false};
  std::atomic<int> head_went_back{0};
  std::thread watcher([&] {
    Position seen(0);
    while (!stop) {
      const Position now = log->head();
      if (now < seen) ++head_went_back;
      seen = now;
    }
  });
  const auto keyed = [](std::string stream, std::string key) {
    auto r = one_event(std::move(stream));
    r.idempotency = Idempotency{std::move(key), "fp", "appended"};
    return r;
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string id = std::to_string(t) + "-" + std::to_string(i);
        auto made = log->append(keyed("s-" + std::to_string(t), "a-" + id));
        REQUIRE(made);
        // A record of what that made, and at once an append with the record's key: while
        // the record is in flight it follows it, after it finds it; it never appends.
        std::promise<Result<AppendResult>> kept;
        log->remember_async(Idempotency{"r-" + id, "fp", "confirmed"}, made->first, made->last,
                            [&](Result<AppendResult> r) { kept.set_value(std::move(r)); });
        auto twin = log->append(keyed("s-" + std::to_string(t), "r-" + id));
        auto record = kept.get_future().get();
        REQUIRE(record);
        CHECK_FALSE(record->replayed);
        CHECK(record->first == made->first);
        REQUIRE(twin);
        CHECK(twin->replayed);
        CHECK(twin->first == made->first);
        CHECK(twin->outcome == "confirmed");
      }
    });
  }
  for (auto& t : threads) t.join();
  stop = true;
  watcher.join();
  CHECK(head_went_back == 0);
  CHECK(log->head() == Position(kThreads * kEach));  // one position per append, none for a record
  CHECK(log->verify().value() == std::nullopt);      // gap-free, the chain whole
  CHECK(log->stats().appends == std::uint64_t(kThreads * kEach));  // records are no appends
}

}  // namespace tally::eventstore
