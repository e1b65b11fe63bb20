// The stream index: stream, version → position, in its own database (DIR/index). Internal
// to eventstore/.
//
// It is derived from the events, so it is not written in their synced batch: inserting its
// keys (one per event, anywhere in the family) cost the committer more than the rest of the
// batch together, and in the log's database its writes would queue with the log's syncs. The
// answerer writes each batch's entries after the batch is synced, without a write-ahead log, before
// the batch becomes visible to readers or is answered. With them goes the last position indexed
// (kIndexedUpTo), so after a crash the family says where it ends, and opening the log indexes the
// events past that from the events family.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <string>

#include "core/result.h"
#include "eventstore/event.h"
#include "eventstore/writer.h"

namespace tally::eventstore {

// Sorts before every stream key (stream names are never empty and have no NUL).
inline const std::string kIndexedUpTo{"\0indexed_up_to", 14};

// Writes `entries` (stream keys → position keys) and `up_to` as the last position indexed.
Status write_index(const Families& families, rocksdb::WriteBatch& entries, Position up_to);

// Indexes the events of `log` after the last indexed position up to `head`; returns how many.
Result<std::uint64_t> catch_up_index(rocksdb::DB& log, const Families& families, Position head);

}  // namespace tally::eventstore
