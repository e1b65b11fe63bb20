// The command runtime: where a domain's pure rules meet the log.
//
// A domain is a type D with
//   State, Command, Event                       value types
//   std::string stream(const Command&)          the stream the command is decided on
//   State evolve(State, const Event&)           pure: how an event changes the state
//   Decision<Event> decide(const State&, const Command&)
//                                               pure: the events, or a Rejection with a code
//   std::string answer(const State& after, const Command&)
//                                               what the caller is told (kept for replays)
//   eventstore::NewEvent encode(const Event&);  Result<Event> decode(const RecordedEvent&)
// and optionally
//   std::optional<EarlierAppend> repeats(const State&, const Command&)
//                                               pure: for a command accepted without events,
//                                               the append it answers again (a second cancel)
//                                               or whose state it confirms (a second block)
//   std::optional<Rejection> withholds(const State&, const Command&)
//                                               pure: a stored answer not to give again in
//                                               this state (an erased customer's), refused
// and nothing else: no clock (time comes in the command), no I/O.
//
// CommandBus<D> loads a stream's state (cached; folded from the log on a miss), decides,
// appends with the expected version and the idempotency record, and answers with the
// positions. Commands for one stream run on one shard thread, each decided on the state
// left by the previous one even while that one's append is still syncing, so 64 callers on
// one stream form a queue, not a retry storm. A conflict that still happens (another writer)
// is retried up to Options::max_attempts, then surfaces as Code::concurrency_conflict.
//
// Idempotency: the same key and fingerprint return the stored outcome (replayed = true);
// another fingerprint is Code::idempotency_conflict; a duplicate arriving while the first is
// in flight gets the first one's outcome. A command accepted without events stores its record
// alone. Rejections append nothing and are not remembered: a retry is decided again.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "commands/shards.h"
#include "core/result.h"
#include "eventstore/log.h"

namespace tally::commands {

struct Rejection {
  std::string code;  // stable, from domain.md: "insufficient_balance"
  std::string message;
};

template <class Event>
using Decision = tl::expected<std::vector<Event>, Rejection>;

// Stream versions of an earlier append. A command the contract answers once for good (cancel
// a membership) repeats it: the same positions, replayed, even after its idempotency record
// was pruned. One that only confirms a state (block purchases twice) answers the append that
// made it, not replayed (api.md). Positions are not the domain's to know, so it names versions.
struct EarlierAppend {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  bool replayed = true;
};

// What the edge knows about a command besides its body.
struct Context {
  std::string idempotency_key;  // empty: none
  std::string fingerprint;      // of the request body; required with a key
  std::string actor;
  std::string correlation_id;
  std::string causation_id;
};

struct Outcome {
  Position first;  // the positions written; of the original append on a replay. A command
  Position last;   // accepted without events answers the append it repeats (D::repeats), else
                   // the position of the state it confirms, in both.
  bool replayed = false;
  std::string answer;
};

struct Options {
  std::size_t shards = 4;
  std::size_t max_attempts = 5;          // appends per command before concurrency_conflict
  std::size_t cached_streams = 100'000;  // per shard; idle states beyond are dropped
  std::chrono::milliseconds wait_timeout{30'000};  // execute() gives up waiting after this
};

// Counters for benchmarks and /metrics.
struct Stats {
  std::uint64_t accepted = 0, rejected = 0, replayed = 0, retries = 0, failed = 0;
};

template <class D>
class CommandBus {
 public:
  using State = typename D::State;
  using Command = typename D::Command;
  using Event = typename D::Event;
  using Done = std::function<void(Result<Outcome>)>;

  CommandBus(eventstore::Log& log, Options options = {})
      : log_(log), options_(options), shards_(options.shards, "tally-cmd") {
    for (std::size_t i = 0; i < shards_.size(); ++i) shard_state_.emplace_back(new ShardState);
  }
  // Waits for every command in flight; the log must outlive the bus.
  ~CommandBus() {
    std::unique_lock lock(inflight_mutex_);
    idle_.wait(lock, [&] { return inflight_ == 0; });
  }

  // `done` runs on a shard thread, on the log's answering thread or, for answers known at
  // once, on this one: keep it short.
  void execute_async(Command command, Context context, Done done) {
    {
      std::lock_guard lock(inflight_mutex_);
      ++inflight_;
    }
    auto job = std::make_shared<Job>(std::move(command), std::move(context), std::move(done));
    job->stream = D::stream(job->command);
    job->shard = shards_.shard_of(job->stream);
    // Usually decided right here: the caller's thread is awake already, the shard's is not.
    shards_.run_here_or_post(job->shard, [this, job] { run(job); });
  }

  Result<Outcome> execute(Command command, Context context = {}) {
    auto answer = std::make_shared<std::promise<Result<Outcome>>>();
    auto future = answer->get_future();
    execute_async(std::move(command), std::move(context),
                  [answer](Result<Outcome> r) { answer->set_value(std::move(r)); });
    if (future.wait_for(options_.wait_timeout) != std::future_status::ready)
      return fail(Code::overloaded, "the command was not decided in time");
    return future.get();
  }

  Stats stats() const {
    return Stats{accepted_.load(), rejected_.load(), replayed_.load(), retries_.load(),
                 failed_.load()};
  }

 private:
  struct Job {
    Job(Command c, Context x, Done d)
        : command(std::move(c)), context(std::move(x)), done(std::move(d)) {}
    Command command;
    Context context;
    Done done;
    std::string stream;
    std::size_t shard = 0;
    std::size_t attempts = 0;
    bool owns_key = false;          // registered its idempotency key as in flight
    std::uint64_t generation = 0;   // of the cached state it was decided on
    std::uint64_t appended_to = 0;  // the stream version its append ends at
  };
  struct Cached {
    State state{};
    StreamVersion version;    // including appends still in flight
    StreamVersion committed;  // of the last event known committed
    Position last;            // of the last event known committed
    std::size_t pending = 0;
    std::uint64_t generation = 0;  // a state folded again is a new generation
    // Commands accepted without events on a state whose appends were in flight, by the
    // version they confirm: answered once it is committed (durable before acknowledged).
    std::vector<std::pair<std::uint64_t, std::shared_ptr<Job>>> waiting;
  };
  struct InflightKey {
    std::string fingerprint;
    std::vector<Done> followers;
  };
  // Touched only by the shard's own thread.
  struct ShardState {
    std::unordered_map<std::string, Cached> cache;
    std::unordered_map<std::string, InflightKey> keys;
    std::uint64_t generations = 0;
  };

  void run(const std::shared_ptr<Job>& job) {
    ShardState& shard = *shard_state_[job->shard];
    const Context& ctx = job->context;
    if (!ctx.idempotency_key.empty() && !job->owns_key) {
      // A retry of the same request goes to the same stream, hence to this shard.
      if (auto it = shard.keys.find(ctx.idempotency_key); it != shard.keys.end()) {
        if (it->second.fingerprint != ctx.fingerprint)
          return finish(job, fail(Code::idempotency_conflict,
                                  "the idempotency key was used for another request"));
        it->second.followers.push_back(std::move(job->done));  // answered in finish()
        return;
      }
      auto stored = log_.find_outcome(ctx.idempotency_key);
      if (!stored) return finish(job, tl::unexpected(stored.error()));
      if (*stored) {
        if ((*stored)->fingerprint != ctx.fingerprint)
          return finish(job, fail(Code::idempotency_conflict,
                                  "the idempotency key was used for another request"));
        if constexpr (requires(const State& state) { D::withholds(state, job->command); }) {
          auto loaded = load(shard, job->stream);
          if (!loaded) return finish(job, tl::unexpected(loaded.error()));
          if (auto refusal = D::withholds((*loaded)->state, job->command)) {
            ++rejected_;
            return finish(job, tl::unexpected(Error{Code::rejected, std::move(refusal->message),
                                                    std::move(refusal->code)}));
          }
        }
        ++replayed_;
        return finish(job, Outcome{(*stored)->first, (*stored)->last, true, (*stored)->outcome});
      }
      shard.keys.emplace(ctx.idempotency_key, InflightKey{ctx.fingerprint, {}});
      job->owns_key = true;
    }

    auto loaded = load(shard, job->stream);
    if (!loaded) return finish(job, tl::unexpected(loaded.error()));
    Cached& cached = **loaded;
    auto decision = D::decide(cached.state, job->command);
    if (!decision) {
      ++rejected_;
      Error error{Code::rejected, std::move(decision.error().message),
                  std::move(decision.error().code)};
      return finish(job, tl::unexpected(std::move(error)));
    }
    if (decision->empty()) return confirm(job, cached);
    // The cached state moves on now, not on a copy: the next command is decided on it
    // without waiting for the sync, and if the append fails the entry is folded again.
    for (const auto& event : *decision) cached.state = D::evolve(std::move(cached.state), event);
    std::string answer = D::answer(cached.state, job->command);

    eventstore::AppendRequest request;
    eventstore::StreamAppend append{job->stream,
                                    cached.version.value == 0
                                        ? eventstore::ExpectedVersion::no_stream()
                                        : eventstore::ExpectedVersion::exact(cached.version),
                                    {}};
    for (const auto& event : *decision) append.events.push_back(D::encode(event));
    request.streams.push_back(std::move(append));
    request.correlation_id = ctx.correlation_id;
    request.causation_id = ctx.causation_id;
    request.actor = ctx.actor;
    if (!ctx.idempotency_key.empty())
      request.idempotency = eventstore::Idempotency{ctx.idempotency_key, ctx.fingerprint, answer};

    cached.version = StreamVersion(cached.version.value + decision->size());
    ++cached.pending;
    job->generation = cached.generation;
    job->appended_to = cached.version.value;
    // Finished on the log's answering thread when the shard is free: it is awake already,
    // and waking the shard's thread for every commit cost more than the rest of the answer.
    log_.append_async(std::move(request), [this, job, answer = std::move(answer)](
                                              Result<eventstore::AppendResult> r) {
      shards_.run_here_or_post(job->shard, [this, job, answer, r = std::move(r)]() mutable {
        appended(job, std::move(answer), std::move(r));
      });
    });
  }

  // A command accepted without events: it confirms the state (or repeats an earlier append),
  // so it is answered once what it confirms is durable.
  void confirm(const std::shared_ptr<Job>& job, Cached& cached) {
    std::optional<EarlierAppend> earlier;
    if constexpr (requires { D::repeats(cached.state, job->command); })
      earlier = D::repeats(cached.state, job->command);
    const std::uint64_t confirms = earlier ? earlier->last : cached.version.value;
    if (confirms > cached.committed.value) {
      cached.waiting.emplace_back(confirms, job);  // run again when appended() commits it
      return;
    }
    Outcome outcome{cached.last, cached.last, false, D::answer(cached.state, job->command)};
    if (earlier) {
      auto placed = positions_of(job->stream, *earlier);
      if (!placed) return finish(job, tl::unexpected(placed.error()));
      outcome.first = placed->first;
      outcome.last = placed->second;
      outcome.replayed = earlier->replayed;
    }
    if (!job->owns_key) return answer_confirmed(job, std::move(outcome));
    // Accepted, so its key is remembered like an append's (api.md: only rejections are not):
    // reused with another body it is idempotency_conflict, not decided again.
    eventstore::Idempotency record{job->context.idempotency_key, job->context.fingerprint,
                                   outcome.answer};
    const Position first = outcome.first, last = outcome.last;
    log_.remember_async(
        std::move(record), first, last,
        [this, job, outcome = std::move(outcome)](Result<eventstore::AppendResult> r) mutable {
          shards_.run_here_or_post(
              job->shard, [this, job, outcome = std::move(outcome), r = std::move(r)]() mutable {
                if (!r) {
                  ++failed_;
                  return finish(job, tl::unexpected(std::move(r.error())));
                }
                if (r->replayed)  // known to the log already (another process)
                  outcome = Outcome{r->first, r->last, true, std::move(r->outcome)};
                answer_confirmed(job, std::move(outcome));
              });
        });
  }

  void answer_confirmed(const std::shared_ptr<Job>& job, Outcome outcome) {
    ++(outcome.replayed ? replayed_ : accepted_);
    finish(job, std::move(outcome));
  }

  void appended(const std::shared_ptr<Job>& job, std::string answer,
                Result<eventstore::AppendResult> result) {
    ShardState& shard = *shard_state_[job->shard];
    auto it = shard.cache.find(job->stream);
    if (it != shard.cache.end() && it->second.generation != job->generation) it = shard.cache.end();
    if (it != shard.cache.end()) --it->second.pending;
    if (result && !result->replayed) {
      std::vector<std::shared_ptr<Job>> due;
      if (it != shard.cache.end()) {
        Cached& cached = it->second;
        if (result->last > cached.last) cached.last = result->last;
        if (job->appended_to > cached.committed.value)
          cached.committed = StreamVersion(job->appended_to);
        std::erase_if(cached.waiting, [&](auto& w) {
          if (w.first > cached.committed.value) return false;
          due.push_back(std::move(w.second));
          return true;
        });
      }
      ++accepted_;
      finish(job, Outcome{result->first, result->last, false, std::move(answer)});
      for (auto& waiting : due) run(waiting);
      return;
    }
    // Our events were not appended, so the state decided on is wrong: fold it again, and
    // decide again what waited on it.
    std::vector<std::pair<std::uint64_t, std::shared_ptr<Job>>> waiting;
    if (it != shard.cache.end()) {
      waiting = std::move(it->second.waiting);
      shard.cache.erase(it);
    }
    for (auto& w : waiting) run(w.second);
    if (result) {  // the log knew the key (another process, or a twin under another stream)
      ++replayed_;
      return finish(job, Outcome{result->first, result->last, true, std::move(result->outcome)});
    }
    if (result.error().code == Code::version_conflict) {
      if (++job->attempts < options_.max_attempts) {
        ++retries_;
        return run(job);
      }
      return finish(job, fail(Code::concurrency_conflict,
                              "stream " + job->stream + " kept changing; retry the command"));
    }
    ++failed_;
    finish(job, tl::unexpected(std::move(result.error())));
  }

  Result<Cached*> load(ShardState& shard, const std::string& stream) {
    if (auto it = shard.cache.find(stream); it != shard.cache.end()) return &it->second;
    if (shard.cache.size() >= options_.cached_streams) evict_idle(shard);
    Cached cached;
    cached.generation = ++shard.generations;
    for (;;) {
      auto events = log_.read_stream(stream, cached.version.next(), 1000);
      if (!events) return tl::unexpected(events.error());
      for (const auto& recorded : *events) {
        auto event = D::decode(recorded);
        if (!event) return tl::unexpected(event.error());
        cached.state = D::evolve(std::move(cached.state), *event);
        cached.version = recorded.version;
        cached.committed = recorded.version;
        cached.last = recorded.position;
      }
      if (events->size() < 1000) break;
    }
    return &shard.cache.emplace(stream, std::move(cached)).first->second;
  }

  Result<std::pair<Position, Position>> positions_of(const std::string& stream,
                                                     EarlierAppend earlier) {
    auto events =
        log_.read_stream(stream, StreamVersion(earlier.first), earlier.last - earlier.first + 1);
    if (!events) return tl::unexpected(events.error());
    if (events->empty() || events->back().version.value != earlier.last)
      return tl::unexpected(Error{Code::internal, stream + " lacks the versions it repeats"});
    return std::pair{events->front().position, events->back().position};
  }

  // States are cheap to fold again; those with appends in flight must stay.
  void evict_idle(ShardState& shard) {
    for (auto it = shard.cache.begin(); it != shard.cache.end();)
      it = it->second.pending == 0 ? shard.cache.erase(it) : std::next(it);
  }

  void finish(const std::shared_ptr<Job>& job, Result<Outcome> result) {
    if (job->owns_key) {
      ShardState& shard = *shard_state_[job->shard];
      auto node = shard.keys.extract(job->context.idempotency_key);
      for (auto& follower : node.mapped().followers) {
        auto replay = result;
        if (replay) replay->replayed = true;
        follower(std::move(replay));
        release();
      }
    }
    job->done(std::move(result));
    release();
  }

  void release() {
    std::lock_guard lock(inflight_mutex_);
    if (--inflight_ == 0) idle_.notify_all();
  }

  eventstore::Log& log_;
  const Options options_;
  std::vector<std::unique_ptr<ShardState>> shard_state_;
  std::atomic<std::uint64_t> accepted_{0}, rejected_{0}, replayed_{0}, retries_{0}, failed_{0};
  std::mutex inflight_mutex_;
  std::condition_variable idle_;
  std::size_t inflight_ = 0;
  Shards shards_;  // last: its threads stop before the state they use goes
};

}  // namespace tally::commands
