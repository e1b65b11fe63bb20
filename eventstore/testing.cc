#include "eventstore/testing.h"

#include <rocksdb/metadata.h>

#include <fstream>

#include "eventstore/codec.h"
#include "eventstore/layout.h"

namespace tally::eventstore::testing {

Status rewrite_stored_event(const std::filesystem::path& data_dir, Position position,
                            const std::function<void(RecordedEvent&)>& edit) {
  auto log = open_log_database(data_dir, false);
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

namespace {
Status flush(LogDatabase& log) {
  auto& db = log.database->db();
  for (auto* handle : {log.families.events, log.families.streams, log.families.outcomes})
    if (auto ok = rocks::check(db.Flush(rocksdb::FlushOptions(), handle), "flushing"); !ok)
      return ok;
  return {};
}
}  // namespace

Status flush_log(const std::filesystem::path& data_dir) {
  auto log = open_log_database(data_dir, false);
  if (!log) return tl::unexpected(log.error());
  return flush(*log);
}

Status damage_family_file(const std::filesystem::path& data_dir, const std::string& family) {
  std::filesystem::path file;
  {
    auto log = open_log_database(data_dir, false);
    if (!log) return tl::unexpected(log.error());
    if (auto ok = flush(*log); !ok) return ok;
    auto& db = log->database->db();
    std::vector<rocksdb::LiveFileMetaData> files;
    db.GetLiveFilesMetaData(&files);
    std::string largest;  // the file holding the family's last keys
    for (const auto& f : files)
      if (f.column_family_name == family && f.largestkey > largest) {
        largest = f.largestkey;
        file = std::filesystem::path(f.directory) / f.relative_filename;
      }
  }
  if (file.empty()) return fail(Code::not_found, "no file holds " + family);
  std::fstream bytes(file, std::ios::in | std::ios::out | std::ios::binary);
  bytes.seekg(16);
  const char was = static_cast<char>(bytes.get());
  bytes.seekp(16);
  bytes.put(static_cast<char>(~was));
  bytes.flush();
  if (!bytes) return fail(Code::io_error, "cannot damage " + file.string());
  return {};
}

}  // namespace tally::eventstore::testing
