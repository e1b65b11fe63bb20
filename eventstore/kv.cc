#include "eventstore/kv.h"

#include <rocksdb/write_batch.h>

#include "eventstore/rocks.h"

namespace tally::eventstore {

struct KvBatch::Impl {
  rocksdb::WriteBatch batch;
};

KvBatch::KvBatch() : impl_(std::make_unique<Impl>()) {}
KvBatch::~KvBatch() = default;
KvBatch::KvBatch(KvBatch&&) noexcept = default;
KvBatch& KvBatch::operator=(KvBatch&&) noexcept = default;

void KvBatch::put(std::string_view key, std::string_view value) {
  impl_->batch.Put(key, value);
}

void KvBatch::erase(std::string_view key) {
  impl_->batch.Delete(key);
}

void KvBatch::erase_range(std::string_view from, std::string_view to) {
  impl_->batch.DeleteRange(from, to);
}

bool KvBatch::empty() const {
  return impl_->batch.Count() == 0;
}

struct KvStore::Impl {
  std::unique_ptr<rocks::Database> database;
};

namespace {

class Snapshot final : public KvSnapshot {
 public:
  explicit Snapshot(rocksdb::DB& db) : db_(db), snapshot_(db.GetSnapshot()) {}
  ~Snapshot() override { db_.ReleaseSnapshot(snapshot_); }

  Result<std::optional<std::string>> get(std::string_view key) const override {
    rocksdb::ReadOptions read;
    read.snapshot = snapshot_;
    std::string value;
    const auto s = db_.Get(read, key, &value);
    if (s.IsNotFound()) return std::optional<std::string>{};
    if (!s.ok()) return tl::unexpected(rocks::to_error(s, "reading a read model"));
    return std::optional<std::string>(std::move(value));
  }

  Result<KvRows> scan(std::string_view from, std::string_view to, std::size_t max) const override {
    rocksdb::ReadOptions read;
    read.snapshot = snapshot_;
    rocksdb::Slice upper(to);
    read.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(read));
    KvRows rows;
    for (it->Seek(from); it->Valid() && rows.size() < max; it->Next())
      rows.emplace_back(it->key().ToString(), it->value().ToString());
    if (auto ok = rocks::check(it->status(), "scanning a read model"); !ok)
      return tl::unexpected(ok.error());
    return rows;
  }

 private:
  rocksdb::DB& db_;
  const rocksdb::Snapshot* snapshot_;
};

}  // namespace

Result<std::unique_ptr<KvStore>> KvStore::open(const std::filesystem::path& path) {
  rocksdb::DBOptions options;
  options.max_background_jobs = 2;
  // Read models rewrite rows at random keys, and inserting into a memtable costs a cache miss
  // per skip-list level: in a redeem profile a 64 MiB memtable took 9 % of the server's CPU,
  // an 8 MiB one under 6 %, with flushes and compactions up by less than 1 %.
  options.db_write_buffer_size = 8 << 20;
  rocksdb::ColumnFamilyOptions rows;
  rows.write_buffer_size = options.db_write_buffer_size;
  // Levels sized for those memtables. RocksDB's default first level (256 MiB) suits 64 MiB
  // ones; here every flush (rows at random keys) overlapped all of it, so each compaction
  // into it rewrote the whole level, a cost growing with the store (75 s of redeems: 223 MB
  // rewritten, 186 MB with these sizes). With a first level of about four flushes, a
  // compaction rewrites a bounded amount, and the rest moves down a file at a time.
  rows.max_bytes_for_level_base = 4 * options.db_write_buffer_size;
  rows.target_file_size_base = options.db_write_buffer_size;
  auto db = rocks::Database::open(path, options, {}, rows);
  if (!db) return tl::unexpected(db.error());
  return std::unique_ptr<KvStore>(new KvStore(std::make_unique<Impl>(Impl{std::move(*db)})));
}

KvStore::KvStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KvStore::~KvStore() = default;

Status KvStore::write(KvBatch batch) {
  // Without the WAL on purpose (see kv.h): writing and checksumming it was a tenth of what
  // projecting a redeem cost. No memtable_insert_hint_per_batch: it acts only when writers
  // share a write group, and in RocksDB 7.8 projectors writing at once with it tripped an
  // assertion in the skip list.
  rocksdb::WriteOptions unlogged;
  unlogged.disableWAL = true;
  return rocks::check(impl_->database->db().Write(unlogged, &batch.impl_->batch),
                      "writing a read model");
}

std::unique_ptr<KvSnapshot> KvStore::snapshot() const {
  return std::make_unique<Snapshot>(impl_->database->db());
}

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (!end.empty()) end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;  // empty: no upper bound exists below the end of the key space
}

}  // namespace tally::eventstore
