// The RocksDB edge of eventstore: opening a database with its column families, and turning
// rocksdb::Status into tally errors in one place. Nothing outside eventstore/ includes RocksDB.
#pragma once

#include <rocksdb/db.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace tally::eventstore::rocks {

// Maps RocksDB's status to a tally error; `what` says what was being done.
Error to_error(const rocksdb::Status& status, std::string_view what);
Status check(const rocksdb::Status& status, std::string_view what);

// A database and its column families, closed in the right order.
class Database {
 public:
  struct ColumnFamily {
    std::string name;
    rocksdb::ColumnFamilyOptions options;
  };

  // Creates the database and the families if missing; RocksDB logs to DIR/LOG (info_log.h).
  // `default_family` configures RocksDB's default family, which only a store keeping all its
  // keys there (the read models) uses. `read_only`: opened as it is, nothing in DIR written
  // (no info log either); it must exist.
  static Result<std::unique_ptr<Database>> open(
      const std::filesystem::path& path, const rocksdb::DBOptions& options,
      std::vector<ColumnFamily> families,
      const rocksdb::ColumnFamilyOptions& default_family = rocksdb::ColumnFamilyOptions(),
      bool read_only = false);
  ~Database();

  rocksdb::DB& db() { return *db_; }
  rocksdb::ColumnFamilyHandle* family(std::size_t index) { return handles_[index]; }

 private:
  Database() = default;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

// Bloom filters over the tables and the memtable, for families read by point look-ups.
rocksdb::ColumnFamilyOptions point_lookup_family();

}  // namespace tally::eventstore::rocks
