#include "eventstore/writer.h"

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
    case ExpectedVersion::Kind::any: return true;
    case ExpectedVersion::Kind::no_stream: return current.value == 0;
    case ExpectedVersion::Kind::exact: return current == expected.version;
  }
  return false;
}

}  // namespace

// What one group commit has staged so far, on top of the committed state.
struct Writer::Batch {
  struct StagedKey {
    std::size_t index;
    std::string fingerprint;
  };
  rocksdb::WriteBatch write;
  HeadMap heads;  // streams this batch advances, at their staged version
  std::unordered_map<std::string, StagedKey> keys;
  std::vector<Result<AppendResult>> results;
  std::vector<bool> staged;                 // in `write`, answered after the sync
  std::vector<std::ptrdiff_t> duplicate_of;  // same key as an earlier request of this batch
  Timestamp now;
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
      thread_([this] { run(); }) {}

Writer::~Writer() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_changed_.notify_one();
  thread_.join();
}

void Writer::submit(AppendRequest request, Done done) {
  {
    std::lock_guard lock(queue_mutex_);
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
  queue_changed_.notify_one();
}

void Writer::run() {
  std::vector<Pending> pending;
  for (;;) {
    {
      std::unique_lock lock(queue_mutex_);
      queue_changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is answered
      std::size_t events = 0;
      while (!queue_.empty() && (pending.empty() || events < options_.max_batch_events)) {
        for (const auto& s : queue_.front().request.streams) events += s.events.size();
        pending.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit(pending);
    pending.clear();
    prune_if_due();
  }
}

void Writer::commit(std::vector<Pending>& pending) {
  Batch batch;
  batch.now = std::max(clock_.now(), last_recorded_at_);  // recorded_at never goes back
  batch.results.resize(pending.size());
  batch.staged.assign(pending.size(), false);
  batch.duplicate_of.assign(pending.size(), -1);
  const Position first_new = next_position_;
  for (std::size_t i = 0; i < pending.size(); ++i) stage(pending[i].request, batch, i);

  if (next_position_ != first_new) {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    const auto start = std::chrono::steady_clock::now();
    const auto status = db_.Write(sync, &batch.write);
    sync_micros_ += std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    if (!status.ok()) {
      // The batch may or may not be on disk: refuse everything from now on (fail-stop).
      failed_ = rocks::to_error(status, "group commit");
      for (std::size_t i = 0; i < pending.size(); ++i)
        if (batch.staged[i]) batch.results[i] = tl::unexpected(*failed_);
    } else {
      for (auto& [stream, version] : batch.heads) heads_[stream] = version;
      last_recorded_at_ = batch.now;
      {
        std::lock_guard lock(head_mutex_);
        head_.store(Position(next_position_.value - 1), std::memory_order_release);
      }
      head_changed_.notify_all();
      ++batches_;
      events_ += next_position_.value - first_new.value;
      appends_ += std::count(batch.staged.begin(), batch.staged.end(), true);
    }
  }

  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (const auto first = batch.duplicate_of[i]; first >= 0) {
      // In flight together: the duplicate gets the first one's answer.
      batch.results[i] = batch.results[first];
      if (batch.results[i]) {
        batch.results[i]->replayed = true;
        batch.results[i]->outcome = pending[first].request.idempotency->outcome;
      }
    }
    pending[i].done(std::move(batch.results[i]));
  }
}

void Writer::stage(const AppendRequest& request, Batch& batch, std::size_t index) {
  auto& result = batch.results[index];
  if (failed_) {
    result = tl::unexpected(*failed_);
    return;
  }
  const Idempotency* idem = request.idempotency ? &*request.idempotency : nullptr;
  if (idem) {
    if (auto it = batch.keys.find(idem->key); it != batch.keys.end()) {
      if (it->second.fingerprint != idem->fingerprint)
        result = fail(Code::idempotency_conflict, "idempotency key was used for another request");
      else
        batch.duplicate_of[index] = static_cast<std::ptrdiff_t>(it->second.index);
      return;
    }
    auto stored = find_outcome(idem->key);
    if (!stored) {
      result = tl::unexpected(stored.error());
      return;
    }
    if (*stored) {
      if ((*stored)->fingerprint != idem->fingerprint)
        result = fail(Code::idempotency_conflict, "idempotency key was used for another request");
      else
        result = AppendResult{(*stored)->first, (*stored)->last, true, (*stored)->outcome};
      return;
    }
  }

  std::vector<StreamVersion> current;
  current.reserve(request.streams.size());
  for (const auto& s : request.streams) {
    auto version = current_version(s.stream, batch);
    if (!version) {
      result = tl::unexpected(version.error());
      return;
    }
    if (!holds(s.expected, *version)) {
      result = fail(Code::version_conflict,
                    "stream " + s.stream + " is at version " + std::to_string(version->value));
      return;
    }
    current.push_back(*version);
  }

  const Position first = next_position_;
  for (std::size_t k = 0; k < request.streams.size(); ++k) {
    const auto& s = request.streams[k];
    StreamVersion version = current[k];
    for (const auto& event : s.events) {
      version = version.next();
      RecordedEvent e{next_position_, s.stream,   version,          event.event_id,
                      event.type,     batch.now,  request.correlation_id,
                      request.causation_id,       request.actor,    event.payload,
                      last_hash_,     {}};
      e.hash = codec::chain_hash(e);
      batch.write.Put(families_.events, codec::position_key(e.position), codec::encode_event(e));
      batch.write.Put(families_.streams, codec::stream_key(s.stream, version),
                      codec::position_key(e.position));
      last_hash_ = std::move(e.hash);
      next_position_ = next_position_.next();
    }
    if (version != current[k]) batch.heads.insert_or_assign(s.stream, version.value);
  }
  const Position last(next_position_.value - 1);
  if (idem) {
    const StoredOutcome record{idem->fingerprint, idem->outcome, first, last, batch.now};
    batch.write.Put(families_.outcomes, idem->key, codec::encode_outcome(record));
    batch.write.Put(families_.outcome_ages, codec::outcome_age_key(batch.now, idem->key), "");
    batch.keys.emplace(idem->key, Batch::StagedKey{index, idem->fingerprint});
  }
  result = AppendResult{first, last, false, {}};
  batch.staged[index] = true;
}

Result<StreamVersion> Writer::current_version(std::string_view stream, const Batch& batch) {
  if (auto it = batch.heads.find(stream); it != batch.heads.end())
    return StreamVersion(it->second);
  if (auto it = heads_.find(stream); it != heads_.end()) return StreamVersion(it->second);
  // Not seen since opening: the last index entry of the stream says. The writer is the only
  // writer, so what the database holds is exactly the committed state.
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
