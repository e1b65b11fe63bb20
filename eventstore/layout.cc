#include "eventstore/layout.h"

#include <rocksdb/slice_transform.h>

namespace tally::eventstore {
namespace {

// The stream of a stream-index key (stream, 0x00, big-endian version; codec.h). With it the
// memtable inserts a stream's next version using the stream's last insert as a hint instead
// of searching the whole skip list for it: index keys arrive in random stream order, and that
// search was most of what writing a batch cost the committer.
class StreamOfIndexKey final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "tally.StreamOfIndexKey"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return {key.data(), key.size() - 8};
  }
  bool InDomain(const rocksdb::Slice& key) const override { return key.size() > 8; }
};

// One hint for the whole family, for keys that mostly arrive in ascending order (positions,
// and recorded_at-first outcome ages): each insert starts from the last one's place.
class AscendingKeys final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "tally.AscendingKeys"; }
  rocksdb::Slice Transform(const rocksdb::Slice&) const override { return {}; }
  bool InDomain(const rocksdb::Slice&) const override { return true; }
};

}  // namespace

Result<LogDatabase> open_log_database(const std::filesystem::path& data_dir, bool read_only) {
  rocksdb::DBOptions options;
  options.max_background_jobs = 2;  // the machines have two cores; the writer needs one
  // Events are written once and read in position order; larger memtables mean fewer,
  // larger flushes of the sequential events family.
  rocksdb::ColumnFamilyOptions events;
  events.write_buffer_size = 64 << 20;
  events.memtable_insert_with_hint_prefix_extractor = std::make_shared<AscendingKeys>();
  rocksdb::ColumnFamilyOptions outcome_ages;
  outcome_ages.memtable_insert_with_hint_prefix_extractor =
      events.memtable_insert_with_hint_prefix_extractor;
  rocksdb::ColumnFamilyOptions streams;
  streams.memtable_insert_with_hint_prefix_extractor = std::make_shared<StreamOfIndexKey>();
  auto db = rocks::Database::open(data_dir / "log", options,
                                  {{"events", events},
                                   {"streams", streams},
                                   {"outcomes", rocks::point_lookup_family()},
                                   {"outcome_ages", outcome_ages}},
                                  rocksdb::ColumnFamilyOptions(), read_only);
  if (!db) return tl::unexpected(db.error());
  Families families{(*db)->family(0), (*db)->family(1), (*db)->family(2), (*db)->family(3)};
  return LogDatabase{std::move(*db), families};
}

}  // namespace tally::eventstore
