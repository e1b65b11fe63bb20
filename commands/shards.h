// Single-threaded executors keyed by stream. Work for one stream always runs on the same
// thread, in the order it was posted, so commands on a hot stream are sequenced rather than
// raced into version conflicts (design.md, decision 3).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace tally::commands {

class Shards {
 public:
  // `name` names the threads ("<name>-<i>") for ps, perf and gdb.
  Shards(std::size_t count, std::string name);
  ~Shards();  // runs everything already posted, then joins the threads
  Shards(const Shards&) = delete;
  Shards& operator=(const Shards&) = delete;

  std::size_t size() const { return shards_.size(); }
  std::size_t shard_of(std::string_view stream) const;
  void post(std::size_t shard, std::function<void()> task);

 private:
  struct Shard {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::function<void()>> tasks;
    bool stopping = false;
    std::thread thread;
  };
  static void run(Shard& shard);

  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace tally::commands
