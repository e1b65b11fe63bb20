// Group commit: the single writer of the log. Internal to eventstore/.
//
// queue → batch → stage (idempotency, expected versions, positions, hash chain) → one
// WriteBatch → one sync → publish the new head → answer. Appenders that arrive while a sync
// is running queue up and share the next one, so a busy log syncs less per event, not less.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
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

  // `request` must be validated already (see validate_append in log.cc).
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

  void run();
  void commit(std::vector<Pending>& pending);
  void stage(const AppendRequest& request, Batch& batch, std::size_t index);
  Result<StreamVersion> current_version(std::string_view stream, const Batch& batch);
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

  // Writer thread only: committed stream heads seen so far and where the chain ends.
  HeadMap heads_;
  Position next_position_;
  std::string last_hash_;
  Timestamp last_recorded_at_;
  Timestamp last_prune_;
  std::optional<Error> failed_;  // set once a write or sync failed: fail-stop

  std::atomic<Position> head_;
  mutable std::mutex head_mutex_;
  mutable std::condition_variable head_changed_;

  std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::deque<Pending> queue_;
  bool stopping_ = false;

  std::atomic<std::uint64_t> batches_{0}, appends_{0}, events_{0}, sync_micros_{0};
  std::thread thread_;
};

}  // namespace tally::eventstore
