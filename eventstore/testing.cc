#include "eventstore/testing.h"

#include "eventstore/codec.h"
#include "eventstore/layout.h"

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

}  // namespace tally::eventstore::testing
