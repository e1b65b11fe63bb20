#include "eventstore/writer.h"

#include <pthread.h>
#include <rocksdb/write_batch.h>

#include <algorithm>

#include "core/ids.h"
#include "eventstore/codec.h"

namespace tally::eventstore {
namespace {

constexpr auto kPruneEvery = std::chrono::hours(1);
constexpr auto kPruneAgain = std::chrono::milliseconds(50);  // after a round that left some due

// Counts `value` in the first bucket whose bound is at least it, else in the last one. Only
// the committer counts, so relaxed increments suffice; readers see each bucket whole.
template <std::size_t N>
void count_in(std::array<std::atomic<std::uint64_t>, N + 1>& buckets,
              const std::array<std::uint64_t, N>& bounds, std::uint64_t value) {
  const auto i = std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin();
  buckets[static_cast<std::size_t>(i)].fetch_add(1, std::memory_order_relaxed);
}

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

// One group commit: staged by appenders, written by the committer, answered by the answerer.
struct Writer::Batch {
  // Room for a typical group commit up front: growing it copies the batch under the mutex.
  static constexpr std::size_t kReserved = std::size_t{32} << 10;
  rocksdb::WriteBatch write{kReserved};
  std::vector<Pending> pending;       // staged appends, answered once the write is done
  std::vector<AppendResult> results;  // theirs, if the write succeeds
  std::vector<std::pair<std::size_t, Pending>> followers;  // same key as pending[first]
  std::vector<std::string> keys;  // idempotency keys to forget once answered
  Timestamp now;
  Position first;
  Position last;
  std::size_t events = 0;
  std::size_t appends = 0;       // pending that stage events (records written alone are not)
  std::optional<Error> failure;  // of the write

  // Empties it for the next group commit, keeping the storage of the write and the vectors
  // (unless the write grew far past its reservation: that storage is let go).
  void reset() {
    if (write.GetDataSize() > 2 * kReserved)
      write = rocksdb::WriteBatch(kReserved);
    else
      write.Clear();
    pending.clear();
    results.clear();
    followers.clear();
    keys.clear();
    events = 0;
    appends = 0;
    failure.reset();
  }
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
      // A read-only log takes no appends (Log refuses them), so it runs no threads for them.
      committer_(options.read_only ? std::thread() : std::thread([this] { commit_batches(); })),
      answerer_(options.read_only ? std::thread() : std::thread([this] { answer_batches(); })) {}

Writer::~Writer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  committer_wake_.notify_one();
  if (committer_.joinable()) committer_.join();  // returns once everything staged is written
  {
    std::lock_guard lock(answer_mutex_);
    answerer_stopping_ = true;
  }
  answerer_wake_.notify_one();
  if (answerer_.joinable()) answerer_.join();  // returns once everything written is answered
}

void Writer::submit(AppendRequest request, Done done) {
  Pending pending{std::move(request), std::move(done), {}, {}};
  for (const auto& s : pending.request.streams)
    for (const auto& event : s.events)
      pending.prepared.push_back(
          codec::prepare_event(s.stream, event, pending.request.correlation_id,
                               pending.request.causation_id, pending.request.actor));
  enqueue(std::move(pending));
}

void Writer::remember(Idempotency record, Position first, Position last, Done done) {
  AppendRequest request;
  request.idempotency = std::move(record);
  enqueue(Pending{std::move(request), std::move(done), {}, std::pair{first, last}});
}

void Writer::enqueue(Pending pending) {
  std::optional<Result<AppendResult>> now;
  bool wake_committer = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_)
      now = fail(Code::shutting_down, "the log is closing");
    else if (failed_)
      now = tl::unexpected(*failed_);
    else if (staged_appends_ >= options_.max_queued_appends)
      now = fail(Code::overloaded, "too many appends waiting for the disk; retry later");
    else
      now = stage(pending);
    wake_committer = !now && committer_idle_;
  }
  // Outside the lock: an answer may take its time without holding up other appenders.
  if (now && !*now && now->error().code == Code::corruption && options_.on_damage)
    options_.on_damage(now->error());  // staging read a damaged stream head or outcome
  if (now) pending.done(std::move(*now));
  if (wake_committer) committer_wake_.notify_one();
}

void Writer::commit_batches() {
  pthread_setname_np(pthread_self(), "tally-commit");
  std::unique_lock lock(mutex_);
  for (;;) {
    committer_idle_ = true;
    committer_wake_.wait(lock, [&] { return !staged_.empty() || stopping_; });
    committer_idle_ = false;
    if (staged_.empty()) return;
    std::unique_ptr<Batch> batch = std::move(staged_.front());
    staged_.pop_front();
    staged_appends_ -= batch->pending.size();
    // A batch staged behind a failed one continues its positions: writing it would leave a gap.
    batch->failure = failed_;
    lock.unlock();

    if (!batch->failure) {
      rocksdb::WriteOptions sync;
      sync.sync = true;
      // No memtable_insert_hint_per_batch: it acts only when writers share a write group (the
      // committer with a prune), and in RocksDB 7.8 concurrent hinted inserts tripped an
      // assertion in the skip list (seen in the read-model store).
      const auto start = std::chrono::steady_clock::now();
      const auto status = db_.Write(sync, &batch->write);
      const auto micros =
          static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::steady_clock::now() - start)
                                         .count());
      sync_micros_ += micros;
      if (status.ok()) {
        count_in(sync_buckets_, LogStats::kSyncMicrosBounds, micros);
        count_in(batch_buckets_, LogStats::kBatchEventsBounds, batch->events);
        {
          std::lock_guard head_lock(head_mutex_);
          head_.store(batch->last, std::memory_order_release);
        }
        head_changed_.notify_all();
        appends_ += batch->appends;
        events_ += batch->events;
      } else {
        // The batch may or may not be on disk: refuse everything from now on (fail-stop).
        batch->failure = rocks::to_error(status, "group commit");
        {
          std::lock_guard fail_lock(mutex_);
          failed_ = batch->failure;
        }
        if (options_.on_failure) options_.on_failure(*batch->failure);
      }
    }
    {
      std::lock_guard answer_lock(answer_mutex_);
      committed_.push_back(std::move(batch));
    }
    answerer_wake_.notify_one();
    lock.lock();
  }
}

void Writer::answer_batches() {
  pthread_setname_np(pthread_self(), "tally-answer");
  std::unique_lock lock(answer_mutex_);
  for (;;) {
    answerer_wake_.wait(lock, [&] { return !committed_.empty() || answerer_stopping_; });
    if (committed_.empty()) return;
    std::deque<std::unique_ptr<Batch>> done;
    done.swap(committed_);
    lock.unlock();
    forget_keys(done);
    for (auto& batch : done) {
      answer(*batch);
      batch->reset();
    }
    prune_if_due();
    lock.lock();
    // A new batch reserved 32 KiB, which the allocator served from fresh pages on every group
    // commit, under the staging mutex: a few answered ones are kept for open_batch.
    constexpr std::size_t kSpares = 4;
    for (auto& batch : done)
      if (spare_.size() < kSpares) spare_.push_back(std::move(batch));
  }
}

void Writer::forget_keys(const std::deque<std::unique_ptr<Batch>>& written) {
  // Before anyone hears back: a retry with the same key must find the stored record, not
  // follow a batch that has already been answered. One hold of the mutex for the round.
  std::lock_guard lock(mutex_);
  for (const auto& batch : written)
    for (const auto& key : batch->keys) inflight_keys_.erase(key);
}

Writer::Batch& Writer::open_batch() {
  if (staged_.empty() || staged_.back()->events >= options_.max_batch_events) {
    std::unique_ptr<Batch> batch;
    {
      std::lock_guard spares(answer_mutex_);  // nested in mutex_: never the other way round
      if (!spare_.empty()) {
        batch = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    if (!batch) batch = std::make_unique<Batch>();
    batch->now = std::max(clock_.now(), last_recorded_at_);  // recorded_at never goes back
    last_recorded_at_ = batch->now;
    batch->first = next_position_;
    batch->last = Position(next_position_.value - 1);  // until an append stages events in it
    staged_.push_back(std::move(batch));
  }
  return *staged_.back();
}

std::optional<Result<AppendResult>> Writer::stage(Pending& pending) {
  const AppendRequest& request = pending.request;
  const Idempotency* idem = request.idempotency ? &*request.idempotency : nullptr;
  if (idem) {
    if (auto it = inflight_keys_.find(idem->key); it != inflight_keys_.end()) {
      if (it->second.fingerprint != idem->fingerprint)
        return fail(Code::idempotency_conflict, "idempotency key was used for another request");
      // In flight together: the duplicate gets the first one's answer.
      it->second.batch->followers.emplace_back(it->second.index, std::move(pending));
      return std::nullopt;
    }
    auto stored = find_outcome(idem->key);
    if (!stored) return tl::unexpected(stored.error());
    if (*stored) {
      if ((*stored)->fingerprint != idem->fingerprint)
        return fail(Code::idempotency_conflict, "idempotency key was used for another request");
      const auto& o = **stored;
      return AppendResult{o.first, o.last, true, o.outcome};
    }
  }

  Batch* batch = nullptr;
  Position first, last;
  if (pending.remembers) {  // a record only: no events, so no positions of its own
    batch = &open_batch();
    std::tie(first, last) = *pending.remembers;
  } else {
    std::vector<StreamVersion> current;
    current.reserve(request.streams.size());
    for (const auto& s : request.streams) {
      auto version = current_version(s.stream);
      if (!version) return tl::unexpected(version.error());
      if (!holds(s.expected, *version))
        return fail(Code::version_conflict,
                    "stream " + s.stream + " is at version " + std::to_string(version->value));
      current.push_back(*version);
    }
    batch = &open_batch();
    first = next_position_;
    stage_events(pending, current, *batch);
    last = Position(next_position_.value - 1);
    batch->last = last;
    batch->events += last.value - first.value + 1;
    ++batch->appends;
  }
  if (idem) {
    const StoredOutcome record{idem->fingerprint, idem->outcome, first, last, batch->now};
    batch->write.Put(families_.outcomes, idem->key, codec::encode_outcome(record));
    batch->write.Put(families_.outcome_ages, codec::outcome_age_key(batch->now, idem->key), "");
    inflight_keys_.insert_or_assign(idem->key,
                                    InflightKey{idem->fingerprint, batch, batch->pending.size()});
    batch->keys.push_back(idem->key);
  }
  batch->results.push_back(AppendResult{first, last, false, {}});
  batch->pending.push_back(std::move(pending));
  ++staged_appends_;
  return std::nullopt;
}

void Writer::stage_events(Pending& pending, const std::vector<StreamVersion>& current,
                          Batch& batch) {
  const AppendRequest& request = pending.request;
  std::size_t n = 0;  // into pending.prepared
  for (std::size_t k = 0; k < request.streams.size(); ++k) {
    const auto& s = request.streams[k];
    StreamVersion version = current[k];
    for (std::size_t e = 0; e < s.events.size(); ++e) {
      version = version.next();
      const codec::Place place{next_position_, version, batch.now};
      auto& prepared = pending.prepared[n++];
      std::string hash = codec::chain_hash(last_hash_, place, prepared.fields);
      batch.write.Put(families_.events, codec::position_key(place.position),
                      codec::place_event(std::move(prepared), place, last_hash_, hash));
      batch.write.Put(families_.streams, codec::stream_key(s.stream, version),
                      codec::position_key(place.position));
      last_hash_ = std::move(hash);
      next_position_ = next_position_.next();
    }
    if (version != current[k])
      heads_.insert_or_assign(s.stream, Head{version.value, next_position_.value - 1});
  }
}

void Writer::answer(Batch& batch) {
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
  if (auto it = heads_.find(stream); it != heads_.end()) return StreamVersion(it->second.version);
  // Not in heads_: the last index entry of the stream says. heads_ keeps every stream with
  // staged events not yet written, so what the database holds for this one is complete.
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(rocksdb::ReadOptions(), families_.streams));
  const std::string prefix = codec::stream_prefix(stream);
  it->SeekForPrev(codec::stream_key(stream, StreamVersion(~std::uint64_t{0})));
  std::uint64_t version = 0;
  if (it->Valid() && it->key().starts_with(prefix))
    version = codec::get_u64(it->key().ToStringView().substr(prefix.size()));
  if (auto ok = rocks::check(it->status(), "reading stream head"); !ok)
    return tl::unexpected(ok.error());
  if (heads_.size() >= evict_heads_at_) evict_written_heads();
  heads_.emplace(std::string(stream), Head{version, 0});
  return StreamVersion(version);
}

void Writer::evict_written_heads() {
  // Only heads whose events are all written: the database answers for those as well.
  const std::uint64_t written = head().value;
  std::erase_if(heads_, [&](const auto& entry) { return entry.second.last <= written; });
  // Heads still in flight stay; if they are many, the next sweep waits until as many more
  // came, so sweeps cost O(1) per append whatever the load.
  evict_heads_at_ = std::max(options_.cached_stream_heads, 2 * heads_.size());
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
  LogStats s{0, appends_.load(), events_.load(), sync_micros_.load(), pruned_.load()};
  for (std::size_t i = 0; i < s.sync_micros_buckets.size(); ++i)
    s.sync_micros_buckets[i] = sync_buckets_[i].load(std::memory_order_relaxed);
  // Every group commit is in the batch-size histogram once: its count is the batches.
  for (std::size_t i = 0; i < s.batch_events_buckets.size(); ++i) {
    s.batch_events_buckets[i] = batch_buckets_[i].load(std::memory_order_relaxed);
    s.batches += s.batch_events_buckets[i];
  }
  return s;
}

std::optional<Error> Writer::failure() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

void Writer::prune_if_due() {
  const auto now = clock_.now();
  if (now < next_prune_) return;
  const std::size_t round = options_.idempotency_prune_round;
  auto pruned = prune_outcomes(now - options_.idempotency_retention, round);
  // A full round may have left more due: the next comes soon, so pruning keeps up with any
  // rate of keyed appends, while each round stays small next to the group commits.
  next_prune_ = now + (pruned && *pruned == round ? Timestamp::duration(kPruneAgain)
                                                  : Timestamp::duration(kPruneEvery));
  ignore_failure(pruned,
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
  pruned_ += count;
  return count;
}

}  // namespace tally::eventstore
