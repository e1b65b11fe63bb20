// Audit of the whole log. Internal; the public entry is Log::verify().
#pragma once

#include <optional>

#include "eventstore/writer.h"

namespace tally::eventstore {

// The first position at which the log breaks an invariant, or nullopt when it is intact:
// positions 1..head present and gap-free, each stream's versions 1, 2, 3… and indexed at
// their position, each prev_hash the previous hash, each hash recomputable. An event the disk
// cannot give back whole (a checksum mismatch) is a break at its position. Then, the log
// intact, every block of the database is checked against its checksum: damage outside the
// events (the stream index, idempotency records) is Code::corruption.
Result<std::optional<Position>> verify_log(rocksdb::DB& db, const Families& families,
                                           Position head);

}  // namespace tally::eventstore
