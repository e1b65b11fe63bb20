#include "eventstore/log.h"

#include <algorithm>
#include <atomic>
#include <future>

#include "core/ids.h"
#include "eventstore/codec.h"
#include "eventstore/data_dir.h"
#include "eventstore/layout.h"
#include "eventstore/verify.h"

namespace tally::eventstore {
namespace {

constexpr std::size_t kMaxStreamName = 256;
constexpr std::size_t kMaxIdempotencyKey = 1024;

Status validate(const Idempotency& record) {
  if (record.key.empty() || record.key.size() > kMaxIdempotencyKey)
    return fail(Code::invalid_argument, "an idempotency key has 1-1024 bytes");
  return {};
}

Status validate(const AppendRequest& r) {
  if (r.streams.empty()) return fail(Code::invalid_argument, "an append names no stream");
  std::size_t events = 0;
  for (auto it = r.streams.begin(); it != r.streams.end(); ++it) {
    const auto& s = *it;
    if (s.stream.empty() || s.stream.size() > kMaxStreamName ||
        s.stream.find('\0') != std::string::npos)
      return fail(Code::invalid_argument, "a stream name has 1-256 bytes and no NUL");
    // Appends name one or a few streams: comparing with the earlier ones allocates nothing.
    if (std::any_of(r.streams.begin(), it, [&](const auto& o) { return o.stream == s.stream; }))
      return fail(Code::invalid_argument, "stream " + s.stream + " appears twice in one append");
    for (const auto& e : s.events)
      if (e.type.empty()) return fail(Code::invalid_argument, "an event has no type");
    events += s.events.size();
  }
  // A stream with no events only asserts its version; at least one stream must write.
  if (events == 0) return fail(Code::invalid_argument, "an append has no events");
  return r.idempotency ? validate(*r.idempotency) : Status{};
}

// The chain tip and head as the log was left, read from its last event.
Result<Tip> recover_tip(LogDatabase& log) {
  std::unique_ptr<rocksdb::Iterator> it(
      log.database->db().NewIterator(rocksdb::ReadOptions(), log.families.events));
  it->SeekToLast();
  if (auto ok = rocks::check(it->status(), "reading the last event"); !ok)
    return tl::unexpected(ok.error());
  if (!it->Valid()) return Tip{Position(0), std::string(codec::kGenesisHash), Timestamp()};
  auto last = codec::decode_event(it->value().ToStringView());
  if (!last) return tl::unexpected(last.error());
  if (last->position != codec::position_from_key(it->key().ToStringView()))
    return fail(Code::corruption, "the last event's key and position differ");
  return Tip{last->position, last->hash, last->recorded_at};
}

const SystemClock kSystemClock;

bool has_database(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::exists(dir / "CURRENT", ec);
}

// A data dir's databases are made when it is: log, then keys, then (by the server) views. One
// missing from a dir in use (a volume not mounted, a file lost) is never made anew, which would
// reuse positions or lose every sealed field and coupon code for good. A crash while the dir
// was first made leaves the later ones missing: those are made then.
Status check_databases(const std::filesystem::path& dir) {
  if (has_database(dir / "log")) return {};
  for (const char* later : {"keys", "views"})
    if (has_database(dir / later))
      return fail(Code::corruption, (dir / "log").string() + " is missing, yet " +
                                        (dir / later).string() +
                                        " shows this data dir in use: a log is never made "
                                        "anew; restore it (and its keys) from a backup");
  return {};
}

Status check_keys(const std::filesystem::path& dir, const Tip& tip) {
  if (tip.head == Position(0) || has_database(dir / "keys")) return {};
  return fail(Code::corruption, (dir / "keys").string() +
                                    " is missing, yet the log holds events: without it their "
                                    "sealed fields and coupon codes cannot be read, and keys are "
                                    "never made anew; restore it from a backup");
}

}  // namespace

struct Log::Parts {
  DataDirLock lock;
  LogDatabase log;
  std::unique_ptr<KeyStore> keys;
  const Clock* clock;
  LogOptions options;
  std::shared_ptr<std::atomic<bool>> damage_seen;  // shared with the writer's on_damage
  std::unique_ptr<Writer> writer;                  // last: stops first

  rocksdb::DB& db() const { return log.database->db(); }
};

Result<std::unique_ptr<Log>> Log::open(const std::filesystem::path& dir, LogOptions options) {
  auto lock = DataDirLock::acquire(dir, options.create_if_missing, options.read_only);
  if (!lock) return tl::unexpected(lock.error());
  if (auto ok = check_databases(dir); !ok) return tl::unexpected(ok.error());
  auto log = open_log_database(dir, options.read_only);
  if (!log) return tl::unexpected(log.error());
  auto tip = recover_tip(*log);
  if (!tip) return tl::unexpected(tip.error());
  if (auto ok = check_keys(dir, *tip); !ok) return tl::unexpected(ok.error());
  auto keys = KeyStore::open(dir / "keys", options.read_only);
  if (!keys) return tl::unexpected(keys.error());
  const Clock* clock = options.clock ? options.clock : &kSystemClock;
  auto damage_seen = std::make_shared<std::atomic<bool>>(false);
  options.on_damage = [damage_seen, told = std::move(options.on_damage)](const Error& error) {
    damage_seen->store(true, std::memory_order_relaxed);
    if (told) told(error);
  };
  auto parts = std::make_unique<Parts>(Parts{std::move(*lock), std::move(*log), std::move(*keys),
                                             clock, options, std::move(damage_seen), nullptr});
  parts->writer =
      std::make_unique<Writer>(parts->db(), parts->log.families, *clock, options, std::move(*tip));
  return std::unique_ptr<Log>(new Log(std::move(parts)));
}

Log::Log(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
Log::~Log() = default;

namespace {

Status writable(const LogOptions& options) {
  if (options.read_only) return fail(Code::invalid_argument, "the log is open read-only");
  return {};
}

}  // namespace

void Log::append_async(AppendRequest request, std::function<void(Result<AppendResult>)> done) {
  if (auto ok = writable(parts_->options); !ok) return done(tl::unexpected(ok.error()));
  if (auto ok = validate(request); !ok) return done(tl::unexpected(ok.error()));
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(parts_->clock->now().time_since_epoch())
          .count();
  for (auto& s : request.streams)
    for (auto& e : s.events)
      if (e.event_id.empty()) e.event_id = new_uuid_v7(static_cast<std::uint64_t>(millis));
  parts_->writer->submit(std::move(request), std::move(done));
}

void Log::remember_async(Idempotency record, Position first, Position last,
                         std::function<void(Result<AppendResult>)> done) {
  if (auto ok = writable(parts_->options); !ok) return done(tl::unexpected(ok.error()));
  if (auto ok = validate(record); !ok) return done(tl::unexpected(ok.error()));
  if (first > last || last > head())
    return done(fail(Code::invalid_argument, "a record may name only positions written already"));
  parts_->writer->remember(std::move(record), first, last, std::move(done));
}

Result<AppendResult> Log::append(AppendRequest request) {
  std::promise<Result<AppendResult>> answer;
  auto future = answer.get_future();
  append_async(std::move(request),
               [&answer](Result<AppendResult> r) { answer.set_value(std::move(r)); });
  return future.get();
}

Result<std::optional<StoredOutcome>> Log::find_outcome(std::string_view key) const {
  return noticed(parts_->writer->find_outcome(key));
}

Result<std::size_t> Log::prune_idempotency() {
  if (auto ok = writable(parts_->options); !ok) return tl::unexpected(ok.error());
  return parts_->writer->prune_outcomes(
      parts_->clock->now() - parts_->options.idempotency_retention, SIZE_MAX);
}

Result<std::vector<RecordedEvent>> Log::read_all(Position from, std::size_t max) const {
  std::vector<RecordedEvent> out;
  if (auto ok = read_page(from, max, out); !ok) return tl::unexpected(ok.error());
  return out;
}

Status Log::read_page(Position from, std::size_t max, std::vector<RecordedEvent>& page) const {
  return noticed(read_stored_page(from, max, page));
}

Status Log::read_stored_page(Position from, std::size_t max,
                             std::vector<RecordedEvent>& page) const {
  if (from.value == 0) from = Position(1);
  const Position head = this->head();
  const std::size_t wanted =
      from > head ? 0 : std::min<std::uint64_t>(max, head.value - from.value + 1);
  if (page.size() > wanted) page.resize(wanted);  // keeps the first events' storage to reuse
  page.reserve(wanted);
  if (wanted == 0) return {};
  const std::string upper_key = codec::position_key(head.next());
  rocksdb::Slice upper(upper_key);
  rocksdb::ReadOptions read;
  read.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(
      parts_->db().NewIterator(read, parts_->log.families.events));
  std::size_t n = 0;
  for (it->Seek(codec::position_key(from)); it->Valid() && n < wanted; it->Next(), ++n) {
    if (n == page.size()) page.emplace_back();
    RecordedEvent& e = page[n];
    if (auto ok = codec::decode_event(it->value().ToStringView(), e); !ok) return ok;
    if (e.position.value != from.value + n)
      return fail(Code::corruption,
                  "the log has no event at position " + std::to_string(from.value + n));
  }
  if (auto ok = rocks::check(it->status(), "reading the log"); !ok) return ok;
  if (n < wanted)
    return fail(Code::corruption, "the log ends before its head " + std::to_string(head.value));
  return {};
}

Result<std::vector<RecordedEvent>> Log::read_stream(std::string_view stream, StreamVersion from,
                                                    std::size_t max) const {
  return noticed(read_stored_stream(stream, from, max));
}

Result<std::vector<RecordedEvent>> Log::read_stored_stream(std::string_view stream,
                                                           StreamVersion from,
                                                           std::size_t max) const {
  std::vector<RecordedEvent> out;
  const Position head = this->head();
  std::string upper_key(stream);
  upper_key.push_back('\x01');  // just past every "<stream>\0…" key
  rocksdb::Slice upper(upper_key);
  rocksdb::ReadOptions read;
  read.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(
      parts_->db().NewIterator(read, parts_->log.families.streams));
  std::vector<std::string> keys;
  for (it->Seek(codec::stream_key(stream, from)); it->Valid() && keys.size() < max; it->Next()) {
    if (codec::get_u64(it->value().ToStringView()) > head.value) break;  // not committed yet
    keys.emplace_back(it->value().ToStringView());
  }
  if (auto ok = rocks::check(it->status(), "reading a stream"); !ok)
    return tl::unexpected(ok.error());
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<std::string> values;
  const auto statuses = parts_->db().MultiGet(
      rocksdb::ReadOptions(),
      std::vector<rocksdb::ColumnFamilyHandle*>(keys.size(), parts_->log.families.events), slices,
      &values);
  out.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (auto ok = rocks::check(statuses[i], "reading an event of " + std::string(stream)); !ok)
      return tl::unexpected(ok.error());
    auto e = codec::decode_event(values[i]);
    if (!e) return tl::unexpected(e.error());
    out.push_back(std::move(*e));
  }
  return out;
}

Position Log::head() const {
  return parts_->writer->head();
}

Result<StreamVersion> Log::stream_version(std::string_view stream) const {
  return noticed(stored_stream_version(stream));
}

Result<StreamVersion> Log::stored_stream_version(std::string_view stream) const {
  const Position head = this->head();
  const std::string prefix = codec::stream_prefix(stream);
  std::unique_ptr<rocksdb::Iterator> it(
      parts_->db().NewIterator(rocksdb::ReadOptions(), parts_->log.families.streams));
  // Walk back past entries of a commit that is not published yet.
  for (it->SeekForPrev(codec::stream_key(stream, StreamVersion(~std::uint64_t{0})));
       it->Valid() && it->key().starts_with(prefix); it->Prev()) {
    if (codec::get_u64(it->value().ToStringView()) <= head.value)
      return StreamVersion(codec::get_u64(it->key().ToStringView().substr(prefix.size())));
  }
  if (auto ok = rocks::check(it->status(), "reading a stream head"); !ok)
    return tl::unexpected(ok.error());
  return StreamVersion(0);
}

Position Log::wait_beyond(Position after, std::chrono::milliseconds timeout) const {
  return parts_->writer->wait_beyond(after, timeout);
}

Result<std::optional<Position>> Log::verify() const {
  return verify_log(parts_->db(), parts_->log.families, head());
}

KeyStore& Log::keys() {
  return *parts_->keys;
}

LogStats Log::stats() const {
  return parts_->writer->stats();
}

void Log::tell_damage(const Error& error) const {
  parts_->options.on_damage(error);
}

bool Log::damage_seen() const {
  return parts_->damage_seen->load(std::memory_order_relaxed);
}

std::optional<Error> Log::failure() const {
  return parts_->writer->failure();
}

}  // namespace tally::eventstore
