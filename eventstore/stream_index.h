// The stream index: stream, version → position, in its own database (DIR/index). Internal
// to eventstore/.
//
// It is derived from the events, so it is not written in their synced batch: inserting its
// keys (one per event, anywhere in the family) cost the committer more than the rest of the
// batch together. The answerer writes a batch's entries while the committer syncs the batch
// (its own database, without a write-ahead log, so neither waits for the other), and the
// batch is published and answered once both are done. Readers already skip entries past the
// head. Each write also records
//  - the last position known synced (kIndexedUpTo): every entry up to it is in the index;
//  - the keys it adds for a batch not yet known synced (a pending record), so that opening
//    the log after a crash removes the entries of a batch that never reached the disk, then
//    indexes, from the events, what the index lost after kIndexedUpTo.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <string>

#include "core/result.h"
#include "eventstore/event.h"
#include "eventstore/writer.h"

namespace tally::eventstore {

// What one batch adds to the index, collected as the batch is staged.
struct IndexEntries {
  rocksdb::WriteBatch batch;
  std::string keys;  // the stream keys added, each with a 4-byte length: the pending record

  void add(const Families& families, const std::string& stream_key, const std::string& position);
};

// Writes `entries` for the batch ending at `last`, while it may still be syncing; `synced` is
// the last position known on disk, `previous` the last position of the batch indexed before.
Status write_index(const Families& families, IndexEntries& entries, Position last,
                   Position previous, Position synced);

// At open: drops entries of batches past `head` (never synced), then indexes the events of
// `log` after the last synced position indexed, up to `head`; returns how many.
Result<std::uint64_t> recover_index(rocksdb::DB& log, const Families& families, Position head);

}  // namespace tally::eventstore
