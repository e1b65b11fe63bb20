// The bar tally's log is measured against (`tally bench append`): plain RocksDB writes of the
// same payloads, fsync'd before each append returns, with none of the log's work (envelope,
// stream index, hash chain, idempotency, version checks).
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "core/result.h"

namespace tally::eventstore {

class RawBaseline {
 public:
  enum class Batching {
    // Each producer calls DB::Write(sync) itself; RocksDB joins concurrent writers into one
    // write group and one fsync.
    rocksdb_write_group,
    // Producers hand values to one writer thread that writes everything queued as one
    // WriteBatch and syncs once: the same shape as tally's writer, without its work.
    writer_thread,
  };

  static Result<std::unique_ptr<RawBaseline>> open(const std::filesystem::path& dir,
                                                   Batching batching);
  virtual ~RawBaseline() = default;
  // Stores `value` under the next key; durable when it returns.
  virtual Status append(std::string_view value) = 0;
};

}  // namespace tally::eventstore
