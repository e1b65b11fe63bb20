// Sequential executors keyed by stream. Work for one stream always runs one task at a time,
// in the order it was posted, so commands on a hot stream are sequenced rather than raced
// into version conflicts (design.md, decision 3). Each shard has a thread; a caller that
// finds its shard idle may run the work itself (run_here_or_post), which spares waking that
// thread for every command: on two cores the wake-up cost more than deciding.
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
  // Queues `task` for the shard's thread.
  void post(std::size_t shard, std::function<void()> task);
  // Runs `task` in this thread if no one is running the shard's tasks, together with what is
  // queued; else queues it. What is queued meanwhile runs here for a few rounds, then goes
  // to the thread, so a caller does a bounded amount of others' work.
  void run_here_or_post(std::size_t shard, std::function<void()> task);

 private:
  using Tasks = std::deque<std::function<void()>>;
  struct Shard {
    std::mutex mutex;
    std::condition_variable wake;
    Tasks tasks;
    bool running = false;  // the thread or a caller is running tasks
    bool stopping = false;
    std::thread thread;
  };
  static void run(Shard& shard);
  // With `lock` held on entry and exit: runs what is queued now, unlocked, as the runner.
  static void run_queued(Shard& shard, std::unique_lock<std::mutex>& lock);

  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace tally::commands
