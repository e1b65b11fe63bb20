#include "projections/projector.h"

#include <fmt/format.h>
#include <pthread.h>

#include <deque>
#include <future>

#include "core/numbers.h"

namespace tally::projections {
namespace {

const eventstore::RecordedEvent& event_of(const eventstore::RecordedEvent& event) {
  return event;
}
const eventstore::RecordedEvent& event_of(
    const std::shared_ptr<const eventstore::RecordedEvent>& event) {
  return *event;
}

}  // namespace

Result<std::optional<std::string>> View::get(std::string_view key) const {
  return snapshot_->get(prefix_ + std::string(key));
}

Result<eventstore::KvRows> View::scan(std::string_view prefix, std::size_t max) const {
  return range(prefix, eventstore::prefix_end(prefix), max);
}

Result<eventstore::KvRows> View::range(std::string_view from, std::string_view to,
                                       std::size_t max) const {
  const std::string upper =
      to.empty() ? eventstore::prefix_end(prefix_) : prefix_ + std::string(to);
  auto rows = snapshot_->scan(prefix_ + std::string(from), upper, max);
  if (!rows) return rows;
  for (auto& row : *rows) row.first.erase(0, prefix_.size());
  return rows;
}

Projector::Projector(const eventstore::Reader& log, eventstore::KvStore& store,
                     Projection& projection, std::size_t events_per_batch)
    : log_(log),
      store_(store),
      projection_(projection),
      events_per_batch_(std::max<std::size_t>(events_per_batch, 1)) {}

Projector::Projector(const SharedTail& tail, eventstore::KvStore& store, Projection& projection,
                     std::size_t events_per_batch)
    : Projector(static_cast<const eventstore::Reader&>(tail), store, projection, events_per_batch) {
  tail_ = &tail;
}

Projector::~Projector() {
  stopping_ = true;
  if (rebuilder_.joinable()) rebuilder_.join();
  if (follower_.joinable()) follower_.join();
}

std::string Projector::rows_prefix(std::uint64_t gen) const {
  return fmt::format("r/{}/{:08}/", name(), gen);
}

std::string Projector::checkpoint_key(std::uint64_t gen) const {
  return fmt::format("c/{}/{:08}", name(), gen);
}

std::string Projector::generation_key() const {
  return fmt::format("g/{}", name());
}

std::string Projector::layout_key() const {
  return fmt::format("l/{}", name());
}

Result<Projector::Generation> Projector::serving() {
  auto gen = stored_generation();
  if (!gen) return gen;
  auto layout_text = store_.snapshot()->get(layout_key());
  if (!layout_text) return tl::unexpected(layout_text.error());
  // Stores from before layouts were recorded hold layout 1.
  const auto stored = *layout_text ? parse_number<std::uint32_t>(**layout_text) : 1u;
  if (!stored) return tally::fail(Code::corruption, "bad layout of " + std::string(name()));
  if (*stored == projection_.layout()) return gen;
  // Rows in another layout cannot be read: serve a fresh generation, built from position 0
  // by whoever opens it next (the follower, catch_up), and drop the old rows.
  const Generation fresh{gen->number + 1, Position(0)};
  eventstore::KvBatch batch;
  const std::string old_rows = rows_prefix(gen->number);
  batch.erase_range(old_rows, eventstore::prefix_end(old_rows));
  batch.erase(checkpoint_key(gen->number));
  batch.put(generation_key(), std::to_string(fresh.number));
  batch.put(layout_key(), std::to_string(projection_.layout()));
  if (auto ok = store_.write(std::move(batch)); !ok) return tl::unexpected(ok.error());
  return fresh;
}

Result<Projector::Generation> Projector::stored_generation() const {
  auto snapshot = store_.snapshot();
  auto gen_text = snapshot->get(generation_key());
  if (!gen_text) return tl::unexpected(gen_text.error());
  Generation gen{1, Position(0)};
  if (*gen_text) {
    auto number = parse_number<std::uint64_t>(**gen_text);
    if (!number) return tally::fail(Code::corruption, "bad generation of " + std::string(name()));
    gen.number = *number;
  }
  auto checkpoint = snapshot->get(checkpoint_key(gen.number));
  if (!checkpoint) return tl::unexpected(checkpoint.error());
  if (*checkpoint) {
    auto position = parse_number<std::uint64_t>(**checkpoint);
    if (!position) return tally::fail(Code::corruption, "bad checkpoint of " + std::string(name()));
    gen.position = Position(*position);
  }
  return gen;
}

Result<View> Projector::view() const {
  // Read before the snapshot: the rows it holds are at least those at `reached`, and events
  // up to `reached` past the stored checkpoint changed none of them.
  const Position reached = position_.load();
  auto snapshot = store_.snapshot();
  auto gen_text = snapshot->get(generation_key());
  if (!gen_text) return tl::unexpected(gen_text.error());
  const std::uint64_t gen = *gen_text ? parse_number<std::uint64_t>(**gen_text).value_or(0) : 1;
  auto checkpoint = snapshot->get(checkpoint_key(gen));
  if (!checkpoint) return tl::unexpected(checkpoint.error());
  const Position stored(*checkpoint ? parse_number<std::uint64_t>(**checkpoint).value_or(0) : 0);
  const bool serving = gen == generation_.load();
  return View(std::move(snapshot), rows_prefix(gen), serving ? std::max(stored, reached) : stored);
}

Result<Position> Projector::apply_range(std::uint64_t gen, Position from, Position until,
                                        const std::function<void(Position)>& applied, Rows* live) {
  // Bounds what a restart reads again when the model ignores a long run of events.
  constexpr std::uint64_t kCheckpointAtLeastEvery = 65536;
  // Reading and decoding cost several times what applying does, so the next pages are read
  // and decoded on other threads while this one applies: positions are gap-free up to
  // `until` (<= head), so every page's bounds are known before it is read.
  constexpr std::size_t kPagesAhead = 2;
  using Page = std::vector<eventstore::RecordedEvent>;
  std::deque<std::future<Result<Page>>> pages;
  std::vector<Page> spare;  // applied pages, whose storage the next reads reuse
  Position asked = from;    // the last position a page was asked for
  auto ask_ahead = [&] {
    while (pages.size() < kPagesAhead && asked < until) {
      const Position after = asked;
      asked = Position(std::min<std::uint64_t>(until.value, after.value + events_per_batch_));
      Page page;
      if (!spare.empty()) {
        page = std::move(spare.back());
        spare.pop_back();
      }
      // A range that is one page (a follower's usual step) is read here, without a thread.
      const bool alone = after == from && asked == until;
      pages.push_back(std::async(
          alone ? std::launch::deferred : std::launch::async,
          [this, after, n = asked.value - after.value, page = std::move(page)]() mutable {
            return log_.read_page(after.next(), n, page).map([&] { return std::move(page); });
          }));
    }
  };
  Position at = from;
  std::optional<Rows> own;
  Rows& rows = live ? *live : own.emplace(store_.snapshot(), rows_prefix(gen));
  if (live) rows.rebase(store_.snapshot());
  // Not held between steps: a snapshot kept while the model idles would keep every row the
  // other models overwrite meanwhile from being compacted away.
  struct Release {
    Rows* rows;
    ~Release() {
      if (rows) rows->rebase(nullptr);
    }
  } release{live};
  const bool lazy = live != nullptr;
  // One run of events following `at`: applied, then rows and checkpoint written when due.
  auto fold = [&](const auto& events) -> Status {
    if (events.empty() || event_of(events.front()).position != at.next())
      return tally::fail(Code::corruption, fmt::format("{}: the log has no event at position {}",
                                                       name(), at.next().value));
    for (const auto& each : events) {
      const eventstore::RecordedEvent& event = event_of(each);
      if (auto ok = projection_.apply(event, rows); !ok) {
        Error error = ok.error();
        error.message =
            fmt::format("{} at position {}: {}", name(), event.position.value, error.message);
        return tl::unexpected(std::move(error));
      }
    }
    at = event_of(events.back()).position;
    if (!lazy || rows.changed() || at.value - checkpointed_.value >= kCheckpointAtLeastEvery) {
      const bool changed = rows.changed();
      eventstore::KvBatch batch;
      rows.write_to(batch);
      batch.put(checkpoint_key(gen), std::to_string(at.value));
      if (auto ok = store_.write(std::move(batch)); !ok) return ok;
      if (lazy) checkpointed_ = at;
      if (lazy && changed) ++writes_;  // announced by `applied`, under the mutex
      rows.rebase(store_.snapshot());
    }
    applied(at);
    return {};
  };
  // A follower near the head takes the events the other projectors share.
  if (live && tail_ && from < until) {
    auto shared = tail_->share(from.next(), until.value - from.value);
    if (!shared) return tl::unexpected(shared.error());
    if (*shared) {
      if (auto ok = fold(**shared); !ok) return tl::unexpected(ok.error());
      return at;
    }
  }
  for (ask_ahead(); !pages.empty() && !stopping_; ask_ahead()) {
    auto events = pages.front().get();
    pages.pop_front();
    if (!events) return tl::unexpected(events.error());
    ask_ahead();
    if (auto ok = fold(*events); !ok) return tl::unexpected(ok.error());
    spare.push_back(std::move(*events));
  }
  // Stopping: pages still being read are waited for by their futures' destructors.
  return at;
}

Result<Projector::Generation> Projector::serving_of_this_log() {
  auto gen = serving();
  if (!gen) return gen;
  // Rows past the head were built from another log (one restored from an older backup, say):
  // following this one from there would skip its events.
  if (const Position head = log_.head(); gen->position > head)
    return tally::fail(Code::corruption,
                       fmt::format("the read model {} is at position {}, past the log's head {}: "
                                   "it was built from another log; rebuild it (tally rebuild "
                                   "--all, with the server stopped)",
                                   name(), gen->position.value, head.value));
  return gen;
}

Status Projector::catch_up() {
  auto gen = serving_of_this_log();
  if (!gen) return tl::unexpected(gen.error());
  generation_ = gen->number;
  auto at = apply_range(gen->number, gen->position, log_.head(), [&](Position p) {
    std::lock_guard lock(mutex_);
    position_ = p;
  });
  if (!at) return tl::unexpected(at.error());
  position_ = *at;
  return {};
}

Status Projector::start() {
  auto gen = serving_of_this_log();
  if (!gen) return tl::unexpected(gen.error());
  generation_ = gen->number;
  position_ = gen->position;
  checkpointed_ = gen->position;
  head_at_start_ = log_.head();
  follower_ = std::thread([this] {
    // "proj-<model>" in ps, top and perf; Linux keeps 15 characters of a thread's name.
    pthread_setname_np(pthread_self(), ("proj-" + std::string(name())).substr(0, 15).c_str());
    follow();
  });
  return {};
}

void Projector::follow() {
  Position at = position_;
  std::optional<Rows> live;  // of the serving copy
  while (!stopping_) {
    std::optional<std::uint64_t> rebuilt;
    Position built;
    {
      std::lock_guard lock(mutex_);
      rebuilt = std::exchange(rebuilt_, std::nullopt);
      built = rebuilt_position_;
    }
    if (rebuilt) {
      // The copy stopped where this one was a moment ago (or further on, when this one had
      // stopped behind it): bring it to the later of the two, then serve it.
      const Position target = std::max(at, built);
      auto caught_up = apply_range(*rebuilt, built, target, [](Position) {});
      // Stopped half way: the copy is not at `target`, so it must not serve.
      if (caught_up && *caught_up != target) return;
      Status switched =
          caught_up ? switch_to(*rebuilt, target) : Status(tl::unexpected(caught_up.error()));
      if (!switched) {
        rebuild_failed(switched.error());  // the serving copy is as it was
        continue;
      }
      at = target;
      checkpointed_ = at;
      live.reset();  // those were the old copy's rows
      {
        std::lock_guard lock(mutex_);
        position_ = at;
        rebuilding_ = false;
        rebuild_progress_.reset();
        error_.reset();  // a copy that had stopped is replaced by one that serves
      }
      advanced_.notify_all();
    }
    if (failed()) {  // the serving copy stopped: it waits for a rebuild to replace it
      if (!await_rebuild()) return;
      continue;
    }
    const Position head = log_.head();
    if (head > at) {
      if (!live) live.emplace(nullptr, rows_prefix(generation_));
      auto reached = apply_range(
          generation_, at, head,
          [&](Position p) {
            {
              std::lock_guard lock(mutex_);
              position_ = p;
            }
            advanced_.notify_all();
          },
          &*live);
      if (!reached) {
        fail(reached.error());
        // Rows are written before their positions are reported applied: the copy is
        // consistent at the last one reported, where a rebuild takes over from.
        at = position_.load();
        live.reset();  // rows the failed step changed but never wrote
        continue;
      }
      at = *reached;
      // Under load the head has moved on again by now. Stepping at once would read and write
      // a commit or two per step, each paying for its snapshot and batch: let commits gather
      // first, as after a wait.
      gather();
      continue;
    }
    // Wakes as soon as something is committed; the timeout only bounds how late a stop or a
    // finished rebuild is noticed.
    if (log_.wait_beyond(at, std::chrono::milliseconds(100)) > at) gather();
  }
}

bool Projector::failed() const {
  std::lock_guard lock(mutex_);
  return error_.has_value();
}

bool Projector::await_rebuild() {
  std::unique_lock lock(mutex_);
  while (!stopping_ && !rebuilt_) wanted_.wait_for(lock, std::chrono::milliseconds(100));
  return !stopping_;
}

void Projector::gather() {
  // A busy log commits every millisecond or so; reading each commit on its own costs a read
  // per model per commit. Unless a reader is waiting for a position, let commits gather
  // briefly: the model is then a few milliseconds behind, which no reader asked it not to be.
  constexpr auto kGatherFor = std::chrono::milliseconds(5);
  std::unique_lock lock(mutex_);
  wanted_.wait_for(lock, kGatherFor, [&] { return waiting_ > 0 || stopping_ || rebuilt_; });
}

Status Projector::switch_to(std::uint64_t gen, Position built) {
  const std::uint64_t old = generation_;
  eventstore::KvBatch batch;
  batch.put(generation_key(), std::to_string(gen));
  batch.put(layout_key(), std::to_string(projection_.layout()));
  batch.put(checkpoint_key(gen), std::to_string(built.value));
  const std::string old_rows = rows_prefix(old);
  batch.erase_range(old_rows, eventstore::prefix_end(old_rows));
  batch.erase(checkpoint_key(old));
  if (auto ok = store_.write(std::move(batch)); !ok) return ok;
  generation_ = gen;
  {
    std::lock_guard lock(mutex_);  // a waiter between its check and its sleep must hear this
    ++writes_;
  }
  advanced_.notify_all();
  return {};
}

Status Projector::build(std::uint64_t gen, const std::function<void(const Progress&)>& progress) {
  {
    // Leftovers of an interrupted rebuild into the same generation.
    eventstore::KvBatch clear;
    const std::string rows = rows_prefix(gen);
    clear.erase_range(rows, eventstore::prefix_end(rows));
    clear.erase(checkpoint_key(gen));
    if (auto ok = store_.write(std::move(clear)); !ok) return ok;
  }
  const auto started = std::chrono::steady_clock::now();
  const bool following = follower_.joinable();
  Position at(0);
  for (;;) {
    // Following: chase the serving copy, which hands over once this one is close behind. A
    // serving copy that failed stands still: go to the head then, and meet its cause here.
    const bool chase = following && !failed();
    const Position target = chase ? position_.load() : log_.head();
    if (target.value <= at.value + (chase ? events_per_batch_ : 0)) break;
    auto reached = apply_range(gen, at, target, [&](Position p) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      const double rate = seconds > 0 ? double(p.value) / seconds : 0;
      const auto eta = std::chrono::seconds(
          rate > 0 ? static_cast<std::int64_t>(double(target.value - p.value) / rate) : 0);
      Progress now{p, target, rate, eta};
      {
        std::lock_guard lock(mutex_);
        rebuild_progress_ = now;
      }
      if (progress) progress(now);
    });
    if (!reached) return tl::unexpected(reached.error());
    if (stopping_) return tally::fail(Code::shutting_down, "stopped during a rebuild");
    at = *reached;
  }
  std::lock_guard lock(mutex_);
  rebuilt_position_ = at;
  return {};
}

Status Projector::rebuild() {
  {
    std::lock_guard lock(mutex_);
    if (rebuilding_) return tally::fail(Code::invalid_argument, "a rebuild is already running");
    rebuilding_ = true;
    rebuild_error_.reset();
    rebuild_progress_ = Progress{Position(0), log_.head(), 0, {}};
  }
  if (rebuilder_.joinable()) rebuilder_.join();
  rebuilder_ = std::thread([this] {
    const std::uint64_t gen = generation_ + 1;
    if (auto ok = build(gen, nullptr); !ok) return rebuild_failed(ok.error());
    {
      std::lock_guard lock(mutex_);
      rebuilt_ = gen;  // the follower switches to it
    }
    wanted_.notify_all();
  });
  return {};
}

Status Projector::rebuild_now(const std::function<void(const Progress&)>& progress) {
  auto gen = serving();
  if (!gen) return tl::unexpected(gen.error());
  generation_ = gen->number;
  if (auto ok = build(gen->number + 1, progress); !ok) return ok;
  if (auto ok = switch_to(gen->number + 1, rebuilt_position_); !ok) return ok;
  position_ = rebuilt_position_;
  return {};
}

Position Projector::wait_for(Position position, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  if (position_.load() >= position) return position_.load();
  ++waiting_;
  wanted_.notify_one();
  advanced_.wait_for(lock, timeout, [&] { return position_.load() >= position || error_; });
  --waiting_;
  return position_.load();
}

void Projector::wait_for_write(std::uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  advanced_.wait_for(lock, timeout, [&] { return writes_.load() != seen || error_; });
}

void Projector::rebuild_failed(Error error) {
  std::lock_guard lock(mutex_);
  rebuilding_ = false;
  rebuild_progress_.reset();
  // The serving copy is unharmed: it keeps serving, and says why the rebuild failed.
  if (error.code != Code::shutting_down) rebuild_error_ = std::move(error);
}

void Projector::fail(Error error) {
  if (on_failure_) on_failure_(error);
  {
    std::lock_guard lock(mutex_);
    error_ = std::move(error);
  }
  advanced_.notify_all();
}

ProjectorStatus Projector::status() const {
  ProjectorStatus s;
  s.name = std::string(name());
  s.position = position_.load();
  const Position head = log_.head();
  s.lag = head.value > s.position.value ? head.value - s.position.value : 0;
  std::lock_guard lock(mutex_);
  s.error = error_ ? error_ : rebuild_error_;
  s.rebuild = rebuild_progress_;
  if (error_)
    s.state = "failed";
  else if (rebuilding_)
    s.state = "rebuilding";
  else if (s.position < head_at_start_)
    s.state = "catching_up";
  else
    s.state = "live";
  return s;
}

}  // namespace tally::projections
