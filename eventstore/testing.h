// For tests only (linked into test binaries, never into tally): edits the stored log behind
// the log's back, as an attacker or a failing disk would, so tests can prove it is noticed.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "eventstore/event.h"

namespace tally::eventstore::testing {

// Rewrites the stored event at `position` in the (closed) data dir after `edit` changed it.
// The hash is stored as `edit` leaves it: not recomputed.
Status rewrite_stored_event(const std::filesystem::path& data_dir, Position position,
                            const std::function<void(RecordedEvent&)>& edit);

// Writes stream index entries for a batch that was being synced when the process died, as
// the answerer does (stream_index.h): `streams[i]` gets `versions[i]` at position first + i,
// in the (closed) data dir, and the index's memtable is flushed as if that had happened too.
Status index_batch_that_never_synced(const std::filesystem::path& data_dir,
                                     const std::vector<std::string>& streams,
                                     const std::vector<StreamVersion>& versions, Position first);

}  // namespace tally::eventstore::testing
