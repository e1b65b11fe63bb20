// Audit of the whole log. Internal; the public entry is Log::verify().
#pragma once

#include <optional>

#include "eventstore/writer.h"

namespace tally::eventstore {

// The first position at which the log breaks an invariant, or nullopt when it is intact:
// positions 1..head present and gap-free, each stream's versions 1, 2, 3… and indexed at
// their position, each prev_hash the previous hash, each hash recomputable. When the disk
// cannot give the events back whole (a checksum mismatch), the first position not confirmed
// is returned: the damage is there or, where files overlap, later. Damage outside the
// events is Code::corruption: in the stream index when an event's entry cannot be read, else
// (the log intact) in any block whose checksum fails, such as the idempotency records'.
Result<std::optional<Position>> verify_log(rocksdb::DB& db, const Families& families,
                                           Position head);

}  // namespace tally::eventstore
