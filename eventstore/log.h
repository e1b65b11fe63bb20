// The tally event log: the only source of truth (design.md).
//
// Guarantees:
//  - Positions are global, gap-free and in commit order: 1, 2, 3…; stream versions are 1, 2, 3….
//  - Durable before return: append() answers only after its events are fsync'd. Concurrent
//    appends share one RocksDB WriteBatch and one sync (group commit); there is no unsynced mode.
//  - Atomic across streams: an append to several streams commits all of its events or none.
//  - Optimistic concurrency: each stream in an append states the version it expects; if one
//    does not hold, nothing is written and the answer is Code::version_conflict.
//  - Idempotency: an append may carry a key, a fingerprint of the request and an outcome; the
//    key is stored in the same write as the events. A later append with the key returns the
//    stored outcome (replayed = true) and appends nothing, across restarts; with another
//    fingerprint it is Code::idempotency_conflict. Records are kept for
//    LogOptions::idempotency_retention, then pruned.
//  - Tamper evidence: each event carries hash = SHA-256(prev_hash ‖ canonical bytes), see
//    core/proto/tally/v1/event.proto; verify() finds the first position where that breaks.
//  - Fail-stop on I/O errors: if a write or sync fails, the log refuses every later append
//    (Code::io_error) rather than guess what reached the disk; reopen to recover.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "eventstore/keys.h"
#include "eventstore/reader.h"

namespace tally::eventstore {

struct ExpectedVersion {
  enum class Kind { any, no_stream, exact };
  Kind kind = Kind::any;
  StreamVersion version;

  static ExpectedVersion any() { return {}; }
  static ExpectedVersion no_stream() { return {Kind::no_stream, StreamVersion(0)}; }
  static ExpectedVersion exact(StreamVersion v) { return {Kind::exact, v}; }
};

struct NewEvent {
  std::string type;      // "coupon.redeemed"
  std::string payload;   // the domain event's bytes, PII already sealed
  std::string event_id;  // left empty, the log assigns a UUIDv7
};

struct StreamAppend {
  std::string stream;  // "<category>-<id>": 1–256 bytes, no NUL
  ExpectedVersion expected;
  std::vector<NewEvent> events;
};

struct Idempotency {
  std::string key;          // e.g. "coupon-redeem/S1/T42"
  std::string fingerprint;  // identifies the request body; another body is a conflict
  std::string outcome;      // what to answer a replay with (opaque to the log)
};

struct AppendRequest {
  std::vector<StreamAppend> streams;  // each stream at most once
  std::string correlation_id;
  std::string causation_id;
  std::string actor;
  std::optional<Idempotency> idempotency;
};

struct AppendResult {
  Position first;  // the first and last positions written (or of the original, on a replay)
  Position last;
  bool replayed = false;
  std::string outcome;  // the stored outcome, on a replay
};

struct StoredOutcome {
  std::string fingerprint;
  std::string outcome;
  Position first;
  Position last;
  Timestamp recorded_at;
};

struct LogOptions {
  // Make a data dir where there is none (a missing or empty dir). Tools that only inspect a
  // log set it false, so a mistyped path is an error (Code::not_found), not a new empty log.
  bool create_if_missing = true;
  // Time for recorded_at and idempotency retention. Not owned; must outlive the log.
  // Null means the system clock.
  const Clock* clock = nullptr;
  // How long idempotency records are kept before pruning. domain.md §0 asks for >= 30 days.
  std::chrono::hours idempotency_retention{24 * 30};
  // Records deleted per pruning round. Rounds run hourly, and every 50 ms while a round finds
  // this many: pruning keeps up with 20 rounds' worth of keyed appends a second, and a round
  // (run between answering two batches) delays answers by a millisecond or two at most.
  std::size_t idempotency_prune_round = 1000;
  // Most events in one group commit. Larger batches amortise the sync further but delay the
  // first appender of a batch; the sync (~160 µs) dominates far below this.
  std::size_t max_batch_events = 8192;
  // Appends waiting for the writer before new ones are refused with Code::overloaded. This
  // bounds memory and latency under overload instead of queueing without limit.
  std::size_t max_queued_appends = 100000;
  // Stream versions the writer keeps in memory to check expected versions without a read.
  // Past this many, those of streams with nothing in flight are dropped (read again on their
  // next append), so a log of many millions of streams does not grow the process without end.
  std::size_t cached_stream_heads = 1'000'000;
  // Told once, on the committer's thread, when a write or sync fails and the log stops taking
  // appends (fail-stop): the one moment an operator must hear of, whatever else is logged.
  std::function<void(const Error&)> on_failure = {};
  // Told, on the reading thread, each time a read finds stored bytes damaged (Code::corruption):
  // such reads fail, the rest are answered, and only this (and `tally verify`) says so.
  std::function<void(const Error&)> on_damage = {};
  // Opens the databases as they are and writes nothing in the data dir (tools that only
  // inspect: verify): beside other readers, never beside a writer; appends are refused
  // (Code::invalid_argument) and leave the log as it was.
  bool read_only = false;
};

struct LogStats {
  // Histogram bucket upper bounds (inclusive); each histogram has one more bucket, above all.
  static constexpr std::array<std::uint64_t, 12> kSyncMicrosBounds{
      100, 200, 500, 1'000, 2'000, 5'000, 10'000, 20'000, 50'000, 100'000, 200'000, 500'000};
  static constexpr std::array<std::uint64_t, 11> kBatchEventsBounds{1,  2,   4,   8,   16,  32,
                                                                    64, 128, 256, 512, 1024};

  std::uint64_t batches = 0;             // group commits made
  std::uint64_t appends = 0;             // appends committed (replays not counted)
  std::uint64_t events = 0;              // events committed
  std::uint64_t sync_micros_total = 0;   // time spent in Write+fsync
  std::uint64_t idempotency_pruned = 0;  // idempotency records dropped past the retention
  // Group commits by their Write+fsync time and by their events; per bucket, not cumulative.
  std::array<std::uint64_t, kSyncMicrosBounds.size() + 1> sync_micros_buckets{};
  std::array<std::uint64_t, kBatchEventsBounds.size() + 1> batch_events_buckets{};
};

class Log final : public Reader {
 public:
  // Opens the log of the tally data dir `dir`, creating it when `dir` is missing or empty.
  // A dir held by another process is Code::data_dir_locked; a dir with foreign content is
  // Code::not_a_data_dir; damaged files, or a log or key store missing from a dir in use, are
  // Code::corruption. Never resets anything.
  static Result<std::unique_ptr<Log>> open(const std::filesystem::path& dir,
                                           LogOptions options = {});
  ~Log() override;  // finishes queued appends, then closes

  Result<AppendResult> append(AppendRequest request);
  // As append(), answering through `done` on the writer's thread: keep `done` short.
  void append_async(AppendRequest request, std::function<void(Result<AppendResult>)> done);
  // The idempotency record of a command accepted without events, which answers with the
  // positions of what it confirmed (`first`, `last`): kept durably in a group commit like an
  // append's, so the key replays them and another fingerprint is idempotency_conflict. A key
  // already known is answered as an append with it would be.
  void remember_async(Idempotency record, Position first, Position last,
                      std::function<void(Result<AppendResult>)> done);

  // The stored outcome for an idempotency key, if one is kept.
  Result<std::optional<StoredOutcome>> find_outcome(std::string_view key) const;
  // Removes idempotency records older than the retention; returns how many went.
  Result<std::size_t> prune_idempotency();

  Result<std::vector<RecordedEvent>> read_stream(std::string_view stream, StreamVersion from,
                                                 std::size_t max) const override;
  Result<std::vector<RecordedEvent>> read_all(Position from, std::size_t max) const override;
  Status read_page(Position from, std::size_t max, std::vector<RecordedEvent>& page) const override;
  Position head() const override;
  Result<StreamVersion> stream_version(std::string_view stream) const override;
  Position wait_beyond(Position after, std::chrono::milliseconds timeout) const override;

  // Walks the whole log: positions gap-free, stream versions consecutive and indexed, every
  // prev_hash equal to the previous hash, every hash recomputed, then every block of its files
  // against its checksum. The first bad position, or nullopt when the log is intact;
  // Code::corruption when the damage is outside the events (eventstore/verify.h).
  Result<std::optional<Position>> verify() const;

  KeyStore& keys();
  LogStats stats() const;
  // Set once a write or sync failed: from then on every append is refused (fail-stop) until
  // the log is opened again.
  std::optional<Error> failure() const;
  // True once a read (or an append's staging) found stored bytes damaged since the log was
  // opened: the log still answers what it can read, so only this says that some of it is lost.
  bool damage_seen() const;

  struct Parts;  // RocksDB, writer, key store: private to eventstore/

 private:
  explicit Log(std::unique_ptr<Parts> parts);
  // The reads as stored; the public ones pass their damage to LogOptions::on_damage.
  Status read_stored_page(Position from, std::size_t max, std::vector<RecordedEvent>& page) const;
  Result<std::vector<RecordedEvent>> read_stored_stream(std::string_view stream, StreamVersion from,
                                                        std::size_t max) const;
  Result<StreamVersion> stored_stream_version(std::string_view stream) const;
  template <class R>
  R noticed(R result) const {
    if (!result && result.error().code == Code::corruption) tell_damage(result.error());
    return result;
  }
  void tell_damage(const Error& error) const;

  std::unique_ptr<Parts> parts_;
};

}  // namespace tally::eventstore
