// Group commit: the single writer of the log. Internal to eventstore/.
//
// Two stages, each on its own thread:
//   sequencer: queue → batch → stage (idempotency, expected versions, positions, hash chain)
//              into one WriteBatch → hand to the committer; later, answer the appenders.
//   committer: write the batch and fsync → publish the new head.
// While the committer syncs batch k, the sequencer answers batch k-1 and stages batch k+1,
// so the committer goes from one sync to the next without waiting. A busy log syncs less
// per event, never less per append.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "eventstore/log.h"
#include "eventstore/rocks.h"

namespace tally::eventstore {

struct Families {
  rocksdb::ColumnFamilyHandle* events;        // position → envelope
  rocksdb::ColumnFamilyHandle* streams;       // stream, version → position
  rocksdb::ColumnFamilyHandle* outcomes;      // idempotency key → stored outcome
  rocksdb::ColumnFamilyHandle* outcome_ages;  // recorded_at, key → (nothing), for pruning
};

// Where the log ended when it was opened.
struct Tip {
  Position head;
  std::string hash;  // of the event at head; the genesis hash for an empty log
  Timestamp recorded_at;
};

class Writer {
 public:
  using Done = std::function<void(Result<AppendResult>)>;

  Writer(rocksdb::DB& db, Families families, const Clock& clock, const LogOptions& options,
         Tip tip);
  ~Writer();  // answers everything queued, then stops

  // `request` must be validated already (see validate in log.cc).
  void submit(AppendRequest request, Done done);

  Position head() const { return head_.load(std::memory_order_acquire); }
  Position wait_beyond(Position after, std::chrono::milliseconds timeout) const;
  LogStats stats() const;
  Result<std::size_t> prune_outcomes(Timestamp older_than, std::size_t max);
  // The stored outcome of an idempotency key; safe from any thread.
  Result<std::optional<StoredOutcome>> find_outcome(std::string_view key) const;

 private:
  struct Pending {
    AppendRequest request;
    Done done;
  };
  struct Batch;
  struct InflightKey {
    std::string fingerprint;
    Batch* batch;       // staged there, not answered yet
    std::size_t index;  // in batch->pending
  };

  void sequence();
  void commit_batches();
  std::unique_ptr<Batch> stage_batch(std::vector<Pending>& taken);
  void stage(Pending&& pending, Batch& batch);
  void answer(Batch& batch);
  Result<StreamVersion> current_version(std::string_view stream);
  void prune_if_due();

  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using HeadMap = std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>>;

  rocksdb::DB& db_;
  const Families families_;
  const Clock& clock_;
  const LogOptions options_;

  // Sequencer thread only: stream heads and chain tip as staged (ahead of the committed state
  // by at most the batch being committed), and the idempotency keys of unanswered batches.
  HeadMap heads_;
  Position next_position_;
  std::string last_hash_;
  Timestamp last_recorded_at_;
  Timestamp last_prune_;
  std::unordered_map<std::string, InflightKey, StringHash, std::equal_to<>> inflight_keys_;

  std::atomic<Position> head_;
  mutable std::mutex head_mutex_;
  mutable std::condition_variable head_changed_;

  // Hand-offs between appenders, the sequencer and the committer.
  std::mutex mutex_;
  std::condition_variable sequencer_wake_, committer_wake_;
  std::deque<Pending> queue_;
  std::unique_ptr<Batch> to_commit_;              // staged, waiting for the committer
  bool committing_ = false;                       // the committer holds a batch
  std::deque<std::unique_ptr<Batch>> committed_;  // written (or failed), to be answered
  std::optional<Error> failed_;                   // a write failed: fail-stop
  bool stopping_ = false;
  bool committer_stopping_ = false;

  std::atomic<std::uint64_t> batches_{0}, appends_{0}, events_{0}, sync_micros_{0};
  std::thread committer_;
  std::thread sequencer_;
};

}  // namespace tally::eventstore
