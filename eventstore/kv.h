// An ordered key-value store for read models, so projections/ never includes RocksDB.
// Writes are atomic batches that skip RocksDB's write-ahead log: a read model is rebuilt from
// the log, so its rows need not be durable on their own. They reach disk when the memtable
// is flushed (as it fills, and at close). The store has one column family, and a flush keeps
// whole batches in write order, so a crash takes back a tail of batches: a checkpoint and the
// rows written with it go together, and the model reads those events from the log again.
// Reads go through snapshots: everything read from one snapshot is from one moment.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace tally::eventstore {

class KvBatch {
 public:
  KvBatch();
  ~KvBatch();
  KvBatch(KvBatch&&) noexcept;
  KvBatch& operator=(KvBatch&&) noexcept;

  void put(std::string_view key, std::string_view value);
  void erase(std::string_view key);
  // Every key k with from <= k < to.
  void erase_range(std::string_view from, std::string_view to);
  bool empty() const;

 private:
  friend class KvStore;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

using KvRows = std::vector<std::pair<std::string, std::string>>;

class KvSnapshot {
 public:
  virtual ~KvSnapshot() = default;
  virtual Result<std::optional<std::string>> get(std::string_view key) const = 0;
  // Keys k with from <= k < to, ascending, at most `max`.
  virtual Result<KvRows> scan(std::string_view from, std::string_view to,
                              std::size_t max) const = 0;
};

class KvStore {
 public:
  // Opens (creating) the store at `path`. The caller holds the data dir's lock.
  static Result<std::unique_ptr<KvStore>> open(const std::filesystem::path& path);
  ~KvStore();

  Status write(KvBatch batch);
  std::unique_ptr<KvSnapshot> snapshot() const;

 private:
  struct Impl;
  explicit KvStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The smallest key above every key that starts with `prefix` (for scan and erase_range).
std::string prefix_end(std::string_view prefix);

}  // namespace tally::eventstore
