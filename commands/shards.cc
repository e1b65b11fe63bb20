#include "commands/shards.h"

#include <pthread.h>

namespace tally::commands {

Shards::Shards(std::size_t count, std::string name) {
  for (std::size_t i = 0; i < std::max<std::size_t>(count, 1); ++i) {
    auto shard = std::make_unique<Shard>();
    Shard& s = *shard;
    // Linux limits thread names to 15 characters.
    const std::string thread_name = (name + "-" + std::to_string(i)).substr(0, 15);
    s.thread = std::thread([&s, thread_name] {
      pthread_setname_np(pthread_self(), thread_name.c_str());
      run(s);
    });
    shards_.push_back(std::move(shard));
  }
}

Shards::~Shards() {
  for (auto& shard : shards_) {
    {
      std::lock_guard lock(shard->mutex);
      shard->stopping = true;
    }
    shard->wake.notify_one();
  }
  for (auto& shard : shards_) shard->thread.join();
}

std::size_t Shards::shard_of(std::string_view stream) const {
  return std::hash<std::string_view>{}(stream) % shards_.size();
}

void Shards::post(std::size_t shard, std::function<void()> task) {
  Shard& s = *shards_[shard % shards_.size()];
  std::lock_guard lock(s.mutex);
  s.tasks.push_back(std::move(task));
  // A runner at work finds the task itself (a caller wakes the thread when it is done), so
  // waking the thread then would only send it back to sleep. Under the lock: the task may
  // finish the owner's last command, and the owner may destroy this shard, before a notify
  // made after unlocking would run.
  if (!s.running) s.wake.notify_one();
}

void Shards::run_here_or_post(std::size_t shard, std::function<void()> task) {
  Shard& s = *shards_[shard % shards_.size()];
  std::unique_lock lock(s.mutex);
  s.tasks.push_back(std::move(task));
  if (s.running || s.stopping) {
    if (!s.running) s.wake.notify_one();  // as in post()
    return;
  }
  // What others queued meanwhile (mostly completions of this shard's appends) is run here
  // too, a few rounds at most: waking the shard's thread for it cost more than running it.
  constexpr int kRounds = 4;
  for (int round = 0; round < kRounds && !s.tasks.empty() && !s.stopping; ++round)
    run_queued(s, lock);
  // Under the lock, as in post(). A stopping thread waits for this runner to finish, too.
  if (!s.tasks.empty() || s.stopping) s.wake.notify_one();
}

void Shards::run(Shard& shard) {
  std::unique_lock lock(shard.mutex);
  for (;;) {
    shard.wake.wait(lock, [&] {
      return (shard.stopping && !shard.running) || (!shard.tasks.empty() && !shard.running);
    });
    if (shard.tasks.empty()) return;  // stopping, and everything posted has run
    run_queued(shard, lock);
  }
}

void Shards::run_queued(Shard& shard, std::unique_lock<std::mutex>& lock) {
  shard.running = true;
  Tasks tasks;
  tasks.swap(shard.tasks);
  lock.unlock();
  for (auto& task : tasks) task();
  lock.lock();
  shard.running = false;
}

}  // namespace tally::commands
