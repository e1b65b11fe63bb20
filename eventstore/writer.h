// Group commit: the single writer of the log. Internal to eventstore/.
//
// An appender stages its own append (idempotency, expected versions, positions, hash chain)
// into the open WriteBatch under one mutex, in its own thread: no hand-off before the write.
// The envelope and most of the hashed bytes are prepared before taking the mutex. Two threads
// do the rest:
//   committer: takes the staged batch, writes it with fsync, publishes the new head.
//   answerer:  answers the appenders of a written batch.
// While the committer syncs batch k, the answerer answers batch k-1 and appenders stage batch
// k+1, so a batch holds everything that arrived during the previous sync. A busy log syncs
// less per event, never less per append.
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

#include "eventstore/codec.h"
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

  // `request` must be validated already (see validate in log.cc). `done` runs on the
  // appender's thread for answers known at once (rejections, replays), else on the answerer's.
  void submit(AppendRequest request, Done done);
  // An idempotency record without events, answering `first`..`last` (Log::remember_async).
  void remember(Idempotency record, Position first, Position last, Done done);

  Position head() const { return head_.load(std::memory_order_acquire); }
  Position wait_beyond(Position after, std::chrono::milliseconds timeout) const;
  LogStats stats() const;
  std::optional<Error> failure() const;  // the failed write that stopped appends, if any
  Result<std::size_t> prune_outcomes(Timestamp older_than, std::size_t max);
  // The stored outcome of an idempotency key; safe from any thread.
  Result<std::optional<StoredOutcome>> find_outcome(std::string_view key) const;

 private:
  struct Pending {
    AppendRequest request;
    Done done;
    std::vector<codec::PreparedEvent> prepared;  // its events in order, made before locking
    // Set for a record without events: the positions it answers with.
    std::optional<std::pair<Position, Position>> remembers;
  };
  struct Batch;
  struct InflightKey {
    std::string fingerprint;
    Batch* batch;       // staged there, not answered yet
    std::size_t index;  // in batch->pending
  };

  void enqueue(Pending pending);
  void commit_batches();
  void answer_batches();
  // With mutex_ held. Returns the answer when it is known without writing.
  std::optional<Result<AppendResult>> stage(Pending& pending);
  Batch& open_batch();
  // With mutex_ held: the events of `pending` into `batch`, at the streams' `current` versions.
  void stage_events(Pending& pending, const std::vector<StreamVersion>& current, Batch& batch);
  // Forgets the idempotency keys of `written` as in flight.
  void forget_keys(const std::deque<std::unique_ptr<Batch>>& written);
  void answer(Batch& batch);  // answers its appenders; its keys are forgotten already
  Result<StreamVersion> current_version(std::string_view stream);
  void evict_written_heads();
  void prune_if_due();

  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Head {
    std::uint64_t version;  // as staged
    std::uint64_t last;     // position of the stream's last staged event; 0: read from disk
  };
  using HeadMap = std::unordered_map<std::string, Head, StringHash, std::equal_to<>>;

  rocksdb::DB& db_;
  const Families families_;
  const Clock& clock_;
  const LogOptions options_;

  // Staging, guarded by mutex_: stream heads (a bounded cache of them) and chain tip as staged
  // (ahead of the committed state by the batches not yet written), the idempotency keys of
  // unanswered batches, and the staged batches in position order (the open one last).
  mutable std::mutex mutex_;
  HeadMap heads_;
  std::size_t evict_heads_at_ = options_.cached_stream_heads;
  Position next_position_;
  std::string last_hash_;
  Timestamp last_recorded_at_;
  std::unordered_map<std::string, InflightKey, StringHash, std::equal_to<>> inflight_keys_;
  std::deque<std::unique_ptr<Batch>> staged_;
  std::size_t staged_appends_ = 0;
  bool committer_idle_ = false;
  std::optional<Error> failed_;  // a write failed: fail-stop
  bool stopping_ = false;
  std::condition_variable committer_wake_;

  // Written batches, from the committer to the answerer, and answered ones back for reuse.
  // Taken inside mutex_ (open_batch), never around it.
  std::mutex answer_mutex_;
  std::condition_variable answerer_wake_;
  std::deque<std::unique_ptr<Batch>> committed_;
  std::vector<std::unique_ptr<Batch>> spare_;  // answered, emptied, for open_batch to reuse
  bool answerer_stopping_ = false;
  Timestamp next_prune_;  // answerer thread only; the first batch answered prunes

  std::atomic<Position> head_;
  mutable std::mutex head_mutex_;
  mutable std::condition_variable head_changed_;

  std::atomic<std::uint64_t> appends_{0}, events_{0}, sync_micros_{0}, pruned_{0};
  std::array<std::atomic<std::uint64_t>, LogStats::kSyncMicrosBounds.size() + 1> sync_buckets_{};
  std::array<std::atomic<std::uint64_t>, LogStats::kBatchEventsBounds.size() + 1> batch_buckets_{};
  std::thread committer_;
  std::thread answerer_;
};

}  // namespace tally::eventstore
