#include "eventstore/keys.h"

#include <openssl/crypto.h>

#include <mutex>
#include <unordered_map>

#include "eventstore/rocks.h"

namespace tally::eventstore {
namespace {

// A destroyed key leaves this marker, so the subject reads as erased rather than unknown.
constexpr std::string_view kErased = "";
// Erasures not yet recorded, beside the keys: no subject name starts with a NUL byte.
constexpr std::string_view kPendingPrefix{"\0pending-erasure/", 17};  // the NUL counts

std::string pending_key(std::string_view subject) {
  return std::string(kPendingPrefix).append(subject);
}

}  // namespace

struct KeyStore::Impl {
  std::unique_ptr<rocks::Database> database;
  mutable std::mutex mutex;  // makes get_or_create's read-then-write one step
  mutable std::unordered_map<std::string, SubjectKey> cache;

  rocksdb::DB& db() const { return database->db(); }
  rocksdb::ColumnFamilyHandle* family() const { return database->family(0); }

  // Under `mutex`.
  Result<SubjectKey> lookup(std::string_view subject) const {
    if (auto it = cache.find(std::string(subject)); it != cache.end()) return it->second;
    std::string value;
    const auto s = db().Get(rocksdb::ReadOptions(), family(), subject, &value);
    if (s.IsNotFound()) return fail(Code::not_found, "no key for subject " + std::string(subject));
    if (!s.ok()) return tl::unexpected(rocks::to_error(s, "reading a subject key"));
    if (value == kErased) return fail(Code::subject_erased, std::string(subject) + " was erased");
    if (value.size() != sizeof(SubjectKey::bytes))
      return fail(Code::corruption, "the key of " + std::string(subject) + " has a wrong size");
    SubjectKey key;
    std::copy(value.begin(), value.end(), key.bytes.begin());
    OPENSSL_cleanse(value.data(), value.size());
    cache.emplace(std::string(subject), key);
    return key;
  }
};

KeyStore::KeyStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

KeyStore::~KeyStore() {
  for (auto& [subject, key] : impl_->cache) OPENSSL_cleanse(key.bytes.data(), key.bytes.size());
}

Result<std::unique_ptr<KeyStore>> KeyStore::open(const std::filesystem::path& dir, bool read_only) {
  rocksdb::DBOptions options;
  options.max_background_jobs = 1;
  // A recycled write-ahead log would keep old key bytes in a live file.
  options.recycle_log_file_num = 0;
  auto db = rocks::Database::open(dir, options, {{"subject_keys", rocks::point_lookup_family()}},
                                  rocksdb::ColumnFamilyOptions(), read_only);
  if (!db) return tl::unexpected(db.error());
  auto impl = std::make_unique<Impl>();
  impl->database = std::move(*db);
  return std::unique_ptr<KeyStore>(new KeyStore(std::move(impl)));
}

Result<SubjectKey> KeyStore::get(std::string_view subject) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->lookup(subject);
}

Result<SubjectKey> KeyStore::get_or_create(std::string_view subject) {
  if (subject.empty()) return fail(Code::invalid_argument, "a subject is not empty");
  std::lock_guard lock(impl_->mutex);
  auto found = impl_->lookup(subject);
  if (found || found.error().code != Code::not_found) return found;
  const SubjectKey key = SubjectKey::generate();
  rocksdb::WriteOptions sync;
  sync.sync = true;  // the key must outlive every event sealed with it
  if (auto ok = rocks::check(impl_->db().Put(sync, impl_->family(), subject, key.view()),
                             "storing a subject key");
      !ok)
    return tl::unexpected(ok.error());
  impl_->cache.emplace(std::string(subject), key);
  return key;
}

Status KeyStore::destroy(std::string_view subject, std::string_view pending) {
  std::lock_guard lock(impl_->mutex);
  if (auto it = impl_->cache.find(std::string(subject)); it != impl_->cache.end()) {
    OPENSSL_cleanse(it->second.bytes.data(), it->second.bytes.size());
    impl_->cache.erase(it);
  }
  rocksdb::DB& db = impl_->db();
  rocksdb::WriteOptions sync;
  sync.sync = true;
  rocksdb::WriteBatch batch;
  batch.Put(impl_->family(), subject, kErased);
  if (!pending.empty()) batch.Put(impl_->family(), pending_key(subject), pending);
  if (auto ok = rocks::check(db.Write(sync, &batch), "erasing a key"); !ok) return ok;
  // The old value may sit in the memtable, the write-ahead log and table files. Flushing moves
  // the memtable out and retires the log that held it; compacting every level rewrites the
  // tables without the overwritten value, and the old files are deleted.
  if (auto ok = rocks::check(db.Flush(rocksdb::FlushOptions(), impl_->family()), "flushing keys");
      !ok)
    return ok;
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return rocks::check(db.CompactRange(compact, impl_->family(), nullptr, nullptr),
                      "compacting keys");
}

Status KeyStore::settle_erasure(std::string_view subject) {
  rocksdb::WriteOptions sync;
  sync.sync = true;
  return rocks::check(impl_->db().Delete(sync, impl_->family(), pending_key(subject)),
                      "settling an erasure");
}

Result<std::vector<std::pair<std::string, std::string>>> KeyStore::unsettled_erasures() const {
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db().NewIterator(rocksdb::ReadOptions(), impl_->family()));
  for (it->Seek(kPendingPrefix); it->Valid() && it->key().starts_with(kPendingPrefix); it->Next())
    out.emplace_back(it->key().ToString().substr(kPendingPrefix.size()), it->value().ToString());
  if (auto ok = rocks::check(it->status(), "listing unsettled erasures"); !ok)
    return tl::unexpected(ok.error());
  return out;
}

}  // namespace tally::eventstore
