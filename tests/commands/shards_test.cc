// Shards: one task at a time per shard, in posting order, whether the shard's thread or a
// caller runs it; nothing posted is dropped at shutdown.
#include "commands/shards.h"

#include <doctest/doctest.h>

#include <atomic>
#include <functional>
#include <thread>
#include <vector>

namespace tally::commands {
namespace {

TEST_CASE("tasks of a shard never overlap and keep each poster's order, run here or queued") {
  constexpr int kPosters = 8, kEach = 2000;
  std::atomic<int> inside{0}, overlaps{0};
  std::vector<int> last_seen(kPosters, -1);  // touched only by a shard's runner
  int out_of_order = 0;
  {
    Shards shards(1, "test-shard");
    std::vector<std::thread> posters;
    for (int p = 0; p < kPosters; ++p)
      posters.emplace_back([&, p] {
        for (int i = 0; i < kEach; ++i) {
          auto task = [&, p, i] {
            if (inside.fetch_add(1) != 0) ++overlaps;
            if (last_seen[p] != i - 1) ++out_of_order;
            last_seen[p] = i;
            inside.fetch_sub(1);
          };
          // Half the posters hand over to the thread, half may run the work themselves.
          if (p % 2 == 0)
            shards.post(0, task);
          else
            shards.run_here_or_post(0, task);
        }
      });
    for (auto& t : posters) t.join();
  }  // the destructor runs what is still queued
  CHECK(overlaps.load() == 0);
  CHECK(out_of_order == 0);
  for (int p = 0; p < kPosters; ++p) CHECK(last_seen[p] == kEach - 1);
}

TEST_CASE("a caller that finds its shard idle runs the task itself, before returning") {
  Shards shards(2, "test-shard");
  std::thread::id ran_on;
  shards.run_here_or_post(0, [&] { ran_on = std::this_thread::get_id(); });
  CHECK(ran_on == std::this_thread::get_id());
}

TEST_CASE("what is queued while a caller runs its shard runs on that caller, not the thread") {
  // A command's completion often arrives while another command of the shard is being decided;
  // waking the shard's thread for it cost more than running it.
  Shards shards(1, "test-shard");
  std::thread::id second_ran_on;
  shards.run_here_or_post(0, [&] {
    // Another thread finds the shard busy, so its task is queued behind this one.
    std::thread([&] {
      shards.run_here_or_post(0, [&] { second_ran_on = std::this_thread::get_id(); });
    }).join();
  });
  CHECK(second_ran_on == std::this_thread::get_id());
}

TEST_CASE("a caller runs others' work a bounded number of rounds, then the thread takes over") {
  constexpr int kChain = 50;  // each task queues the next while the shard is running
  std::atomic<int> ran{0}, ran_here{0};
  const auto caller = std::this_thread::get_id();
  {
    Shards shards(1, "test-shard");
    std::function<void()> link = [&] {
      if (std::this_thread::get_id() == caller) ++ran_here;
      if (++ran < kChain) shards.run_here_or_post(0, link);
    };
    shards.run_here_or_post(0, link);
    CHECK(ran_here.load() < kChain);  // returned without running the whole chain
    while (ran.load() < kChain) std::this_thread::yield();
  }
  CHECK(ran.load() == kChain);
}

TEST_CASE("a task may post to its own shard: it runs after, not inside") {
  std::vector<int> order;
  {
    Shards shards(2, "test-shard");
    std::atomic<bool> done{false};
    shards.run_here_or_post(1, [&] {
      shards.run_here_or_post(1, [&] {
        order.push_back(2);
        done = true;
      });
      order.push_back(1);
    });
    while (!done) std::this_thread::yield();
  }
  CHECK(order == std::vector<int>{1, 2});
}

}  // namespace
}  // namespace tally::commands
