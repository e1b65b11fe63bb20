// For tests only (linked into test binaries, never into tally): edits the stored log behind
// the log's back, as an attacker or a failing disk would, so tests can prove it is noticed.
#pragma once

#include <filesystem>
#include <functional>

#include "core/result.h"
#include "eventstore/event.h"

namespace tally::eventstore::testing {

// Rewrites the stored event at `position` in the (closed) data dir after `edit` changed it.
// The hash is stored as `edit` leaves it: not recomputed.
Status rewrite_stored_event(const std::filesystem::path& data_dir, Position position,
                            const std::function<void(RecordedEvent&)>& edit);

// Flushes the (closed) log's memtables to files of their own.
Status flush_log(const std::filesystem::path& data_dir);

// Flushes the (closed) log to its files, then flips a byte in the first block of the file
// holding the last keys of the column family `family` ("events", "streams", "outcomes"), as
// a failing disk would: the block no longer matches its checksum.
Status damage_family_file(const std::filesystem::path& data_dir, const std::string& family);

}  // namespace tally::eventstore::testing
