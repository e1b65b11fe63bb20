// The bar tally's log is measured against (`tally bench append`): plain RocksDB writes of the
// same payloads, fsync'd before each append returns, with none of the log's work (envelope,
// stream index, hash chain, idempotency, version checks).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
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
  // Synced writes so far, where the baseline knows (RocksDB's own write groups are not counted).
  virtual std::optional<std::uint64_t> synced_writes() const { return std::nullopt; }
};

// The bar for reading (`tally bench rebuild`): a plain RocksDB iterator over the stored
// events of the closed log in `data_dir`, in position order, decoding nothing. Returns the
// number of events and the bytes of their stored values.
struct RawScan {
  std::uint64_t events = 0;
  std::uint64_t bytes = 0;
  double seconds = 0;  // of the iteration alone: opening the database is not counted
};
Result<RawScan> raw_scan_events(const std::filesystem::path& data_dir);

}  // namespace tally::eventstore
