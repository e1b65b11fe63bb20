#include "eventstore/writer.h"

#include <pthread.h>
#include <rocksdb/write_batch.h>

#include <algorithm>

#include "core/ids.h"
#include "eventstore/codec.h"

namespace tally::eventstore {
namespace {

constexpr auto kPruneEvery = std::chrono::hours(1);
constexpr std::size_t kPruneAtMost = 10000;  // per round, so appends wait little behind it

bool holds(const ExpectedVersion& expected, StreamVersion current) {
  switch (expected.kind) {
    case ExpectedVersion::Kind::any:
      return true;
    case ExpectedVersion::Kind::no_stream:
      return current.value == 0;
    case ExpectedVersion::Kind::exact:
      return current == expected.version;
  }
  return false;
}

}  // namespace

// One group commit: what the sequencer staged, for the committer to write.
struct Writer::Batch {
  rocksdb::WriteBatch write;
  std::vector<Pending> pending;       // staged appends, answered once the write is done
  std::vector<AppendResult> results;  // theirs, if the write succeeds
  std::vector<std::pair<std::size_t, Pending>> followers;  // same key as pending[first]
  std::vector<std::string> keys;  // idempotency keys to forget once answered
  Timestamp now;
  Position first;
  Position last;
  std::optional<Error> failure;  // of the write
};

Writer::Writer(rocksdb::DB& db, Families families, const Clock& clock, const LogOptions& options,
               Tip tip)
    : db_(db),
      families_(families),
      clock_(clock),
      options_(options),
      next_position_(tip.head.next()),
      last_hash_(std::move(tip.hash)),
      last_recorded_at_(tip.recorded_at),
      head_(tip.head),
      committer_([this] { commit_batches(); }),
      sequencer_([this] { sequence(); }) {}

Writer::~Writer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  sequencer_wake_.notify_one();
  sequencer_.join();  // returns once everything queued is answered
  {
    std::lock_guard lock(mutex_);
    committer_stopping_ = true;
  }
  committer_wake_.notify_one();
  committer_.join();
}

void Writer::submit(AppendRequest request, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      done(fail(Code::shutting_down, "the log is closing"));
      return;
    }
    if (queue_.size() >= options_.max_queued_appends) {
      done(fail(Code::overloaded, "too many appends queued; retry later"));
      return;
    }
    queue_.push_back(Pending{std::move(request), std::move(done)});
  }
  sequencer_wake_.notify_one();
}

void Writer::sequence() {
  pthread_setname_np(pthread_self(), "tally-sequence");
  std::unique_lock lock(mutex_);
  for (;;) {
    sequencer_wake_.wait(lock, [&] {
      return !committed_.empty() || (!to_commit_ && !queue_.empty()) ||
             (stopping_ && !to_commit_ && !committing_);
    });
    if (stopping_ && committed_.empty() && !to_commit_ && !committing_ && queue_.empty()) return;
    std::deque<std::unique_ptr<Batch>> done;
    done.swap(committed_);
    std::vector<Pending> taken;
    // At most one staged batch waits for the committer, so it never waits for staging.
    std::size_t events = 0;
    while (!to_commit_ && !queue_.empty() &&
           (taken.empty() || events < options_.max_batch_events)) {
      for (const auto& s : queue_.front().request.streams) events += s.events.size();
      taken.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    if (!taken.empty()) {
      if (auto batch = stage_batch(taken)) {
        lock.lock();
        to_commit_ = std::move(batch);
        lock.unlock();
        committer_wake_.notify_one();
      }
    }
    for (auto& batch : done) answer(*batch);  // while the committer syncs the next batch
    prune_if_due();
    lock.lock();
  }
}

void Writer::commit_batches() {
  pthread_setname_np(pthread_self(), "tally-commit");
  std::unique_lock lock(mutex_);
  for (;;) {
    committer_wake_.wait(lock, [&] { return to_commit_ || committer_stopping_; });
    if (!to_commit_) return;
    std::unique_ptr<Batch> batch = std::move(to_commit_);
    committing_ = true;
    // A batch staged behind a failed one continues its positions: writing it would leave a gap.
    const std::optional<Error> failed = failed_;
    lock.unlock();
    sequencer_wake_.notify_one();  // the slot is free: stage the next batch meanwhile
    if (failed) {
      batch->failure = failed;
      lock.lock();
      committed_.push_back(std::move(batch));
      committing_ = false;
      sequencer_wake_.notify_one();
      continue;
    }

    rocksdb::WriteOptions sync;
    sync.sync = true;
    // A batch's events have consecutive keys: each memtable insert resumes where the
    // previous one ended instead of searching from the top.
    sync.memtable_insert_hint_per_batch = true;
    const auto start = std::chrono::steady_clock::now();
    const auto status = db_.Write(sync, &batch->write);
    sync_micros_ += std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    if (status.ok()) {
      {
        std::lock_guard head_lock(head_mutex_);
        head_.store(batch->last, std::memory_order_release);
      }
      head_changed_.notify_all();
      ++batches_;
      appends_ += batch->pending.size();
      events_ += batch->last.value - batch->first.value + 1;
    } else {
      batch->failure = rocks::to_error(status, "group commit");
    }

    lock.lock();
    // The batch may or may not be on disk: refuse everything from now on (fail-stop).
    if (batch->failure) failed_ = batch->failure;
    committed_.push_back(std::move(batch));
    committing_ = false;
    sequencer_wake_.notify_one();
  }
}

std::unique_ptr<Writer::Batch> Writer::stage_batch(std::vector<Pending>& taken) {
  std::optional<Error> failed;
  {
    std::lock_guard lock(mutex_);
    failed = failed_;
  }
  auto batch = std::make_unique<Batch>();
  batch->now = std::max(clock_.now(), last_recorded_at_);  // recorded_at never goes back
  last_recorded_at_ = batch->now;
  batch->first = next_position_;
  for (auto& pending : taken) {
    if (failed)
      pending.done(tl::unexpected(*failed));
    else
      stage(std::move(pending), *batch);
  }
  if (batch->pending.empty()) return nullptr;
  batch->last = Position(next_position_.value - 1);
  return batch;
}

void Writer::stage(Pending&& pending, Batch& batch) {
  const AppendRequest& request = pending.request;
  const Idempotency* idem = request.idempotency ? &*request.idempotency : nullptr;
  if (idem) {
    if (auto it = inflight_keys_.find(idem->key); it != inflight_keys_.end()) {
      if (it->second.fingerprint != idem->fingerprint)
        return pending.done(
            fail(Code::idempotency_conflict, "idempotency key was used for another request"));
      // In flight together: the duplicate gets the first one's answer.
      it->second.batch->followers.emplace_back(it->second.index, std::move(pending));
      return;
    }
    auto stored = find_outcome(idem->key);
    if (!stored) return pending.done(tl::unexpected(stored.error()));
    if (*stored) {
      if ((*stored)->fingerprint != idem->fingerprint)
        return pending.done(
            fail(Code::idempotency_conflict, "idempotency key was used for another request"));
      const auto& o = **stored;
      return pending.done(AppendResult{o.first, o.last, true, o.outcome});
    }
  }

  std::vector<StreamVersion> current;
  current.reserve(request.streams.size());
  for (const auto& s : request.streams) {
    auto version = current_version(s.stream);
    if (!version) return pending.done(tl::unexpected(version.error()));
    if (!holds(s.expected, *version))
      return pending.done(fail(Code::version_conflict, "stream " + s.stream + " is at version " +
                                                           std::to_string(version->value)));
    current.push_back(*version);
  }

  const Position first = next_position_;
  for (std::size_t k = 0; k < request.streams.size(); ++k) {
    const auto& s = request.streams[k];
    StreamVersion version = current[k];
    for (const auto& event : s.events) {
      version = version.next();
      RecordedEvent e{next_position_,
                      s.stream,
                      version,
                      event.event_id,
                      event.type,
                      batch.now,
                      request.correlation_id,
                      request.causation_id,
                      request.actor,
                      event.payload,
                      last_hash_,
                      {}};
      e.hash = codec::chain_hash(e);
      batch.write.Put(families_.events, codec::position_key(e.position), codec::encode_event(e));
      batch.write.Put(families_.streams, codec::stream_key(s.stream, version),
                      codec::position_key(e.position));
      last_hash_ = std::move(e.hash);
      next_position_ = next_position_.next();
    }
    if (version != current[k]) heads_.insert_or_assign(s.stream, version.value);
  }
  const Position last(next_position_.value - 1);
  if (idem) {
    const StoredOutcome record{idem->fingerprint, idem->outcome, first, last, batch.now};
    batch.write.Put(families_.outcomes, idem->key, codec::encode_outcome(record));
    batch.write.Put(families_.outcome_ages, codec::outcome_age_key(batch.now, idem->key), "");
    inflight_keys_.insert_or_assign(idem->key,
                                    InflightKey{idem->fingerprint, &batch, batch.pending.size()});
    batch.keys.push_back(idem->key);
  }
  batch.results.push_back(AppendResult{first, last, false, {}});
  batch.pending.push_back(std::move(pending));
}

void Writer::answer(Batch& batch) {
  for (const auto& key : batch.keys) inflight_keys_.erase(key);
  auto result_of = [&](std::size_t i) -> Result<AppendResult> {
    if (batch.failure) return tl::unexpected(*batch.failure);
    return batch.results[i];
  };
  for (std::size_t i = 0; i < batch.pending.size(); ++i) batch.pending[i].done(result_of(i));
  for (auto& [first, follower] : batch.followers) {
    auto replay = result_of(first);
    if (replay) {
      replay->replayed = true;
      replay->outcome = batch.pending[first].request.idempotency->outcome;
    }
    follower.done(std::move(replay));
  }
}

Result<StreamVersion> Writer::current_version(std::string_view stream) {
  if (auto it = heads_.find(stream); it != heads_.end()) return StreamVersion(it->second);
  // Not seen since opening: the last index entry of the stream says. Every stream staged
  // since opening is in heads_, so what the database holds for this one is complete.
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(rocksdb::ReadOptions(), families_.streams));
  const std::string prefix = codec::stream_prefix(stream);
  it->SeekForPrev(codec::stream_key(stream, StreamVersion(~std::uint64_t{0})));
  std::uint64_t version = 0;
  if (it->Valid() && it->key().starts_with(prefix))
    version = codec::get_u64(it->key().ToStringView().substr(prefix.size()));
  if (auto ok = rocks::check(it->status(), "reading stream head"); !ok)
    return tl::unexpected(ok.error());
  heads_.emplace(std::string(stream), version);
  return StreamVersion(version);
}

Result<std::optional<StoredOutcome>> Writer::find_outcome(std::string_view key) const {
  std::string bytes;
  const auto s = db_.Get(rocksdb::ReadOptions(), families_.outcomes, key, &bytes);
  if (s.IsNotFound()) return std::optional<StoredOutcome>{};
  if (!s.ok()) return tl::unexpected(rocks::to_error(s, "reading idempotency record"));
  auto outcome = codec::decode_outcome(bytes);
  if (!outcome) return tl::unexpected(outcome.error());
  return std::optional<StoredOutcome>(std::move(*outcome));
}

Position Writer::wait_beyond(Position after, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(head_mutex_);
  head_changed_.wait_for(lock, timeout, [&] { return head() > after; });
  return head();
}

LogStats Writer::stats() const {
  return LogStats{batches_.load(), appends_.load(), events_.load(), sync_micros_.load()};
}

void Writer::prune_if_due() {
  const auto now = clock_.now();
  if (now - last_prune_ < kPruneEvery) return;
  last_prune_ = now;
  ignore_failure(prune_outcomes(now - options_.idempotency_retention, kPruneAtMost),
                 "a failed prune is retried next round; records only linger a little longer");
}

Result<std::size_t> Writer::prune_outcomes(Timestamp older_than, std::size_t max) {
  const std::string bound = codec::outcome_age_key(older_than, "");
  rocksdb::ReadOptions read;
  rocksdb::Slice upper(bound);
  read.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(read, families_.outcome_ages));
  rocksdb::WriteBatch deletes;
  std::size_t count = 0;
  for (it->SeekToFirst(); it->Valid() && count < max; it->Next(), ++count) {
    deletes.Delete(families_.outcome_ages, it->key());
    deletes.Delete(families_.outcomes, it->key().ToStringView().substr(8));
  }
  if (auto ok = rocks::check(it->status(), "scanning idempotency records"); !ok)
    return tl::unexpected(ok.error());
  if (count == 0) return count;
  if (auto ok = rocks::check(db_.Write(rocksdb::WriteOptions(), &deletes), "pruning"); !ok)
    return tl::unexpected(ok.error());
  return count;
}

}  // namespace tally::eventstore
