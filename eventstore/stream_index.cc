#include "eventstore/stream_index.h"

#include "eventstore/codec.h"
#include "eventstore/kv.h"
#include "eventstore/rocks.h"

namespace tally::eventstore {
namespace {

// Both sort before every stream key: stream names are never empty and have no NUL.
const std::string kIndexedUpTo{"\0indexed_up_to", 14};
const std::string kPendingPrefix{"\0pending/", 9};

std::string pending_key(Position last) {
  return kPendingPrefix + codec::position_key(last);
}

Result<Position> indexed_up_to(const Families& families) {
  std::string value;
  const auto s =
      families.index->Get(rocksdb::ReadOptions(), families.streams, kIndexedUpTo, &value);
  if (s.IsNotFound()) return Position(0);
  if (!s.ok()) return tl::unexpected(rocks::to_error(s, "reading the stream index"));
  if (value.size() != 8) return fail(Code::corruption, "the stream index's end is malformed");
  return codec::position_from_key(value);
}

// Removes the pending records, and the entries of those whose batch never reached the disk.
Status drop_unsynced(const Families& families, Position head) {
  rocksdb::WriteBatch drops;
  const std::string upper_key = prefix_end(kPendingPrefix);
  rocksdb::Slice upper(upper_key);
  rocksdb::ReadOptions read;
  read.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(families.index->NewIterator(read, families.streams));
  for (it->Seek(kPendingPrefix); it->Valid(); it->Next()) {
    drops.Delete(families.streams, it->key());
    if (codec::position_from_key(it->key().ToStringView().substr(kPendingPrefix.size())) <= head)
      continue;  // a batch is written whole: this one's events are all there
    std::string_view keys = it->value().ToStringView();
    while (keys.size() >= 4) {
      std::uint32_t n = 0;
      for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(keys[i]);
      if (keys.size() < 4 + n) return fail(Code::corruption, "a pending index record is malformed");
      drops.Delete(families.streams, keys.substr(4, n));
      keys.remove_prefix(4 + n);
    }
  }
  if (auto ok = rocks::check(it->status(), "reading the stream index"); !ok) return ok;
  return rocks::check(families.index->Write(rocksdb::WriteOptions(), &drops),
                      "dropping unsynced index entries");
}

}  // namespace

void IndexEntries::add(const Families& families, const std::string& stream_key,
                       const std::string& position) {
  batch.Put(families.streams, stream_key, position);
  const auto n = static_cast<std::uint32_t>(stream_key.size());
  for (int i = 3; i >= 0; --i) keys.push_back(static_cast<char>(n >> (8 * i)));
  keys += stream_key;
}

Status write_index(const Families& families, IndexEntries& entries, Position last,
                   Position previous, Position synced) {
  entries.batch.Put(families.streams, pending_key(last), entries.keys);
  if (previous <= synced) entries.batch.Delete(families.streams, pending_key(previous));
  entries.batch.Put(families.streams, kIndexedUpTo, codec::position_key(synced));
  rocksdb::WriteOptions options;
  // Lost in a crash with the memtable, and then indexed again from the events at open.
  options.disableWAL = true;
  return rocks::check(families.index->Write(options, &entries.batch), "writing the stream index");
}

Result<std::uint64_t> recover_index(rocksdb::DB& log, const Families& families, Position head) {
  if (auto ok = drop_unsynced(families, head); !ok) return tl::unexpected(ok.error());
  auto from = indexed_up_to(families);
  if (!from) return tl::unexpected(from.error());
  rocksdb::WriteBatch entries;
  std::uint64_t count = 0;
  if (*from < head) {
    const std::string upper_key = codec::position_key(head.next());
    rocksdb::Slice upper(upper_key);
    rocksdb::ReadOptions read;
    read.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(log.NewIterator(read, families.events));
    RecordedEvent event;
    for (it->Seek(codec::position_key(from->next())); it->Valid(); it->Next(), ++count) {
      if (auto ok = codec::decode_event(it->value().ToStringView(), event); !ok)
        return tl::unexpected(ok.error());
      entries.Put(families.streams, codec::stream_key(event.stream, event.version), it->key());
    }
    if (auto ok = rocks::check(it->status(), "reading the log to index it"); !ok)
      return tl::unexpected(ok.error());
  }
  entries.Put(families.streams, kIndexedUpTo, codec::position_key(head));
  // With the write-ahead log this time: the work is not redone after another crash.
  if (auto ok = rocks::check(families.index->Write(rocksdb::WriteOptions(), &entries),
                             "indexing the log");
      !ok)
    return tl::unexpected(ok.error());
  return count;
}

}  // namespace tally::eventstore
