// A few threads for work that may block (waiting up to 2 s for a read model to reach a
// min_position, a synchronous command) so that it never blocks an I/O thread. The queue is
// bounded: when it is full the caller answers 503 `overloaded` instead of queueing.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tally::api {

class WaitPool {
 public:
  WaitPool(std::size_t threads, std::size_t max_queued);
  ~WaitPool();  // runs what is queued, then joins

  // False when the queue is full (or the pool is stopping): the work is not run.
  bool try_post(std::function<void()> work);

 private:
  void loop();

  const std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tally::api
