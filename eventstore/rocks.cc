#include "eventstore/rocks.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

#include "eventstore/info_log.h"

namespace tally::eventstore::rocks {

Error to_error(const rocksdb::Status& s, std::string_view what) {
  Code code = Code::internal;
  if (s.IsCorruption())
    code = Code::corruption;
  else if (s.IsIOError() || s.IsNoSpace())
    code = Code::io_error;
  else if (s.IsNotFound())
    code = Code::not_found;
  else if (s.IsInvalidArgument())
    code = Code::invalid_argument;
  else if (s.IsShutdownInProgress())
    code = Code::shutting_down;
  return Error{code, std::string(what) + ": " + s.ToString()};
}

Status check(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return {};
  return tl::unexpected(to_error(s, what));
}

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& path,
                                                 const rocksdb::DBOptions& options,
                                                 std::vector<ColumnFamily> families,
                                                 const rocksdb::ColumnFamilyOptions& default_family,
                                                 bool read_only) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, default_family);
  for (auto& f : families) descriptors.emplace_back(f.name, f.options);
  rocksdb::DBOptions db_options = options;
  db_options.create_if_missing = !read_only;
  db_options.create_missing_column_families = true;
  // A write is synced before it is acknowledged, so a crash can leave at most a torn last
  // record in a write-ahead log; damage anywhere else is a disk's, and is refused. RocksDB's
  // default (point-in-time recovery) would instead open at the last record before it and
  // drop every acknowledged write after it without a word, and their positions with them.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  db_options.info_log = read_only ? discarding_info_log() : open_info_log(path);

  std::unique_ptr<Database> out(new Database());
  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  auto s = read_only ? rocksdb::DB::OpenForReadOnly(db_options, path.string(), descriptors,
                                                    &handles, &raw)
                     : rocksdb::DB::Open(db_options, path.string(), descriptors, &handles, &raw);
  if (!s.ok()) {
    auto error = to_error(s, "opening " + path.string());
    // Opening, a file the database names but the disk lost (a MANIFEST, a table) is damage,
    // not an I/O error. (A database not there at all is NotFound or made, never this.)
    if (s.IsPathNotFound()) error.code = Code::corruption;
    return tl::unexpected(error);
  }
  out->db_.reset(raw);
  // handles[0] is the default family, which tally does not use; drop it now.
  out->db_->DestroyColumnFamilyHandle(handles[0]);
  out->handles_.assign(handles.begin() + 1, handles.end());
  return out;
}

Database::~Database() {
  if (!db_) return;
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->Close().PermitUncheckedError();  // nothing left to tell a caller about at teardown
}

rocksdb::ColumnFamilyOptions point_lookup_family() {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // And one over the memtable: most look-ups are for keys never written (a first attempt),
  // and without it each searched the whole skip list.
  cf.memtable_prefix_bloom_size_ratio = 0.02;
  cf.memtable_whole_key_filtering = true;
  return cf;
}

}  // namespace tally::eventstore::rocks
