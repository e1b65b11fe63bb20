#include "commands/process_runner.h"

#include <fmt/format.h>
#include <pthread.h>

#include <memory>
#include <optional>
#include <vector>

namespace tally::commands {
namespace {

std::tuple<std::string, std::string, std::int64_t> identity(const DueItem& item) {
  return {item.kind, item.ref, item.due_at.time_since_epoch().count()};
}

}  // namespace

std::string firing_key(const DueItem& item) {
  return fmt::format("process/{}/{}/{}", item.kind, item.ref,
                     item.due_at.time_since_epoch().count());
}

ProcessRunner::ProcessRunner(const Clock& clock, const DueItems& items,
                             std::map<std::string, Fire> fires, Options options)
    : clock_(clock), items_(items), fires_(std::move(fires)), options_(options) {}

ProcessRunner::~ProcessRunner() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void ProcessRunner::start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tally-process");
    loop();
  });
}

Result<std::size_t> ProcessRunner::run_once() {
  std::lock_guard lock(mutex_);
  const Timestamp now = clock_.now();
  auto due = items_.due(now, options_.batch);
  if (!due) return tl::unexpected(due.error());
  // Items fired earlier and no longer listed have been projected away: forget them.
  std::set<std::tuple<std::string, std::string, std::int64_t>> listed;
  for (const auto& item : *due) listed.insert(identity(item));
  std::erase_if(fired_, [&](const auto& id) { return !listed.contains(id); });

  // Fired together; each outcome is kept at its item's index and counted once all are in.
  struct Round {
    std::mutex mutex;
    std::condition_variable all_in;
    std::size_t waiting = 0;
    std::vector<std::optional<Result<Outcome>>> outcomes;
    std::vector<Timestamp> answered;
  };
  auto round = std::make_shared<Round>();
  round->outcomes.resize(due->size());
  round->answered.resize(due->size());
  for (std::size_t i = 0; i < due->size() && !stopping_; ++i) {
    const auto& item = (*due)[i];
    if (fired_.contains(identity(item))) continue;
    auto fire = fires_.find(item.kind);
    if (fire == fires_.end()) continue;  // a kind served elsewhere (or not yet)
    {
      std::lock_guard lock(round->mutex);
      ++round->waiting;
    }
    fire->second(item, [round, i, this](Result<Outcome> outcome) {
      std::lock_guard lock(round->mutex);
      round->outcomes[i] = std::move(outcome);
      round->answered[i] = clock_.now();
      if (--round->waiting == 0) round->all_in.notify_all();
    });
  }
  {
    std::unique_lock lock(round->mutex);
    round->all_in.wait(lock, [&] { return round->waiting == 0; });
  }

  std::size_t fired = 0;
  std::lock_guard stats_lock(stats_mutex_);
  for (std::size_t i = 0; i < due->size(); ++i) {
    if (!round->outcomes[i]) continue;
    const auto& item = (*due)[i];
    const auto& outcome = *round->outcomes[i];
    if (outcome) {
      const auto lag =
          std::chrono::duration_cast<std::chrono::microseconds>(round->answered[i] - item.due_at)
              .count();
      const auto lag_micros = static_cast<std::uint64_t>(std::max<std::int64_t>(lag, 0));
      ++stats_.fired;
      stats_.lag_micros_total += lag_micros;
      stats_.lag_micros_max = std::max(stats_.lag_micros_max, lag_micros);
      fired_.insert(identity(item));
      ++fired;
    } else if (outcome.error().code == Code::rejected) {
      ++stats_.not_applicable;
      fired_.insert(identity(item));
    } else {
      ++stats_.failed;  // not remembered: tried again next round
    }
  }
  return fired;
}

void ProcessRunner::loop() {
  while (!stopping_) {
    ignore_failure(run_once(), "a round that cannot read the schedules is retried next tick");
    auto wait = options_.tick;
    if (auto next = items_.next_due(); next && *next) {
      const auto until =
          std::chrono::duration_cast<std::chrono::milliseconds>(**next - clock_.now());
      wait = std::clamp(until, std::chrono::milliseconds(0), options_.tick);
    }
    items_.wait_for_change(wait);
  }
}

FiringStats ProcessRunner::stats() const {
  std::lock_guard lock(stats_mutex_);
  return stats_;
}

}  // namespace tally::commands
