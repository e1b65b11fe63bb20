#include "eventstore/layout.h"

namespace tally::eventstore {

Result<LogDatabase> open_log_database(const std::filesystem::path& data_dir) {
  rocksdb::DBOptions options;
  options.max_background_jobs = 2;  // the machines have two cores; the writer needs one
  options.keep_log_file_num = 4;
  options.max_log_file_size = 16 << 20;
  // Events are written once and read in position order; larger memtables mean fewer,
  // larger flushes of the sequential events family.
  rocksdb::ColumnFamilyOptions events;
  events.write_buffer_size = 64 << 20;
  auto db = rocks::Database::open(data_dir / "log", options,
                                  {{"events", events},
                                   {"streams", rocksdb::ColumnFamilyOptions()},
                                   {"outcomes", rocks::point_lookup_family()},
                                   {"outcome_ages", rocksdb::ColumnFamilyOptions()}});
  if (!db) return tl::unexpected(db.error());
  Families families{(*db)->family(0), (*db)->family(1), (*db)->family(2), (*db)->family(3)};
  return LogDatabase{std::move(*db), families};
}

}  // namespace tally::eventstore
