#include "eventstore/testing.h"

#include "eventstore/codec.h"
#include "eventstore/layout.h"
#include "eventstore/stream_index.h"

namespace tally::eventstore::testing {

Status rewrite_stored_event(const std::filesystem::path& data_dir, Position position,
                            const std::function<void(RecordedEvent&)>& edit) {
  auto log = open_log_database(data_dir);
  if (!log) return tl::unexpected(log.error());
  auto& db = log->database->db();
  const std::string key = codec::position_key(position);
  std::string bytes;
  if (auto ok = rocks::check(db.Get(rocksdb::ReadOptions(), log->families.events, key, &bytes),
                             "reading the event to rewrite");
      !ok)
    return ok;
  auto event = codec::decode_event(bytes);
  if (!event) return tl::unexpected(event.error());
  edit(*event);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  return rocks::check(db.Put(sync, log->families.events, key, codec::encode_event(*event)),
                      "rewriting the event");
}

Status index_batch_that_never_synced(const std::filesystem::path& data_dir,
                                     const std::vector<std::string>& streams,
                                     const std::vector<StreamVersion>& versions, Position first) {
  auto log = open_log_database(data_dir);
  if (!log) return tl::unexpected(log.error());
  IndexEntries entries;
  for (std::size_t i = 0; i < streams.size(); ++i)
    entries.add(log->families, codec::stream_key(streams[i], versions[i]),
                codec::position_key(Position(first.value + i)));
  const Position head(first.value - 1);
  const Position last(first.value + streams.size() - 1);
  if (auto ok = write_index(log->families, entries, last, head, head); !ok) return ok;
  return rocks::check(log->families.index->Flush(rocksdb::FlushOptions(), log->families.streams),
                      "flushing the index");
}

}  // namespace tally::eventstore::testing
