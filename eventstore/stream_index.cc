#include "eventstore/stream_index.h"

#include "eventstore/codec.h"
#include "eventstore/rocks.h"

namespace tally::eventstore {
namespace {

Result<Position> indexed_up_to(const Families& families) {
  std::string value;
  const auto s =
      families.index->Get(rocksdb::ReadOptions(), families.streams, kIndexedUpTo, &value);
  if (s.IsNotFound()) return Position(0);
  if (!s.ok()) return tl::unexpected(rocks::to_error(s, "reading the stream index"));
  if (value.size() != 8) return fail(Code::corruption, "the stream index's end is malformed");
  return codec::position_from_key(value);
}

}  // namespace

Status write_index(const Families& families, rocksdb::WriteBatch& entries, Position up_to) {
  entries.Put(families.streams, kIndexedUpTo, codec::position_key(up_to));
  rocksdb::WriteOptions options;
  // Lost in a crash with the memtable, and then indexed again from the events at open.
  options.disableWAL = true;
  return rocks::check(families.index->Write(options, &entries), "writing the stream index");
}

Result<std::uint64_t> catch_up_index(rocksdb::DB& log, const Families& families, Position head) {
  auto from = indexed_up_to(families);
  if (!from) return tl::unexpected(from.error());
  if (*from >= head) return std::uint64_t{0};
  const std::string upper_key = codec::position_key(head.next());
  rocksdb::Slice upper(upper_key);
  rocksdb::ReadOptions read;
  read.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(log.NewIterator(read, families.events));
  codec::DecodeScratch scratch;
  RecordedEvent event;
  rocksdb::WriteBatch entries;
  std::uint64_t count = 0;
  for (it->Seek(codec::position_key(from->next())); it->Valid(); it->Next(), ++count) {
    if (auto ok = codec::decode_event(it->value().ToStringView(), scratch, event); !ok)
      return tl::unexpected(ok.error());
    entries.Put(families.streams, codec::stream_key(event.stream, event.version), it->key());
  }
  if (auto ok = rocks::check(it->status(), "reading the log to index it"); !ok)
    return tl::unexpected(ok.error());
  entries.Put(families.streams, kIndexedUpTo, codec::position_key(head));
  // With the write-ahead log this time: the work is not redone after another crash.
  if (auto ok = rocks::check(families.index->Write(rocksdb::WriteOptions(), &entries),
                             "indexing the log");
      !ok)
    return tl::unexpected(ok.error());
  return count;
}

}  // namespace tally::eventstore
