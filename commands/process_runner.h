// The process runner: fires what is due. It asks the schedules (through DueItems) for items
// due by the clock, hands each to its kind's Fire (which issues the domain's command with an
// idempotency key derived from the item, so a second firing replays instead of acting
// twice), and catches up on items that fell due while the server was down: they are still
// pending in the read model. A fired item leaves the schedules once the domain's event is
// projected; until then the runner does not fire it again.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>

#include "commands/due_items.h"
#include "commands/runtime.h"
#include "core/clock.h"

namespace tally::commands {

// Issues the command for a due item and tells `done` its outcome, on any thread; a rejection
// means the item no longer applies.
using Fired = std::function<void(Result<Outcome>)>;
using Fire = std::function<void(const DueItem&, Fired done)>;

// The idempotency key of a firing: one per item and due time.
std::string firing_key(const DueItem& item);

// A Fire that asks the domain's pure `on_due` which command the item calls for, and runs it.
template <class D, class OnDue>
Fire fire_through(CommandBus<D>& bus, OnDue on_due) {
  return [&bus, on_due](const DueItem& item, Fired done) {
    Context context;
    context.idempotency_key = firing_key(item);
    context.fingerprint = context.idempotency_key;
    context.actor = "process:" + item.kind;
    context.correlation_id = context.idempotency_key;
    bus.execute_async(on_due(item), std::move(context), std::move(done));
  };
}

struct FiringStats {
  std::uint64_t fired = 0;             // commands accepted (or replayed)
  std::uint64_t not_applicable = 0;    // rejected: the item no longer applied
  std::uint64_t failed = 0;            // errors; retried next round
  std::uint64_t lag_micros_total = 0;  // due time -> command appended, summed over `fired`
  std::uint64_t lag_micros_max = 0;
};

class ProcessRunner {
 public:
  struct Options {
    // How often the clock is looked at when nothing changes: bounds the firing lag under a
    // test clock, which moves without telling anyone. A real clock is slept on exactly.
    std::chrono::milliseconds tick{100};
    // Items fired per round, all at once: their commands share group commits, so a thousand
    // coupons expiring at one instant take a few syncs, not a thousand in a row.
    std::size_t batch = 1000;
  };

  ProcessRunner(const Clock& clock, const DueItems& items, std::map<std::string, Fire> fires,
                Options options);
  ProcessRunner(const Clock& clock, const DueItems& items, std::map<std::string, Fire> fires)
      : ProcessRunner(clock, items, std::move(fires), Options{}) {}
  ~ProcessRunner();  // stops once the round being fired has its outcomes

  void start();
  // One round now: fires what is due (up to a batch) and waits for their outcomes; returns
  // how many were fired.
  Result<std::size_t> run_once();
  FiringStats stats() const;

 private:
  void loop();

  const Clock& clock_;
  const DueItems& items_;
  const std::map<std::string, Fire> fires_;
  const Options options_;
  std::mutex mutex_;
  std::set<std::tuple<std::string, std::string, std::int64_t>> fired_;  // still listed
  FiringStats stats_;
  mutable std::mutex stats_mutex_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace tally::commands
