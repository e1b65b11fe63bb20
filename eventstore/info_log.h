// RocksDB's own info log (DIR/LOG, with the run before in DIR/LOG.old), written so that a disk
// refusing writes cannot take the process down. Debian's RocksDB 7.8 is built with assertions
// on, and its file logger asserts on the first line after a write failed: a full disk aborted
// tally from inside RocksDB's error handling. Lines that cannot be written are dropped.
#pragma once

#include <rocksdb/env.h>

#include <cstddef>
#include <filesystem>
#include <memory>

namespace tally::eventstore::rocks {

// Opens DIR/LOG for a database in DIR (made if missing), moving the last run's to LOG.old; the
// file moves to LOG.old again each time it passes `max_bytes`, so two are kept at most.
std::shared_ptr<rocksdb::Logger> open_info_log(const std::filesystem::path& dir,
                                               std::size_t max_bytes = 16 << 20);
// Drops every line: for a database opened read-only, whose dir is left as it was.
std::shared_ptr<rocksdb::Logger> discarding_info_log();

}  // namespace tally::eventstore::rocks
