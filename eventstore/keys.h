// Subject keys for crypto-shredding (domain.md §6): one random AES-256 key per subject
// ("customer:C9", "recipient:<hash>"). PII is sealed with it (core/pii.h) before it reaches
// the log; destroying it makes every copy of that PII unreadable.
//
// Keys live in their own RocksDB under <data dir>/keys, apart from the log, so that destroying
// one can flush and compact away every file that held it without rewriting the log.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/pii.h"
#include "core/result.h"

namespace tally::eventstore {

class KeyStore {
 public:
  // `read_only`: as it is (it must exist); every change fails.
  static Result<std::unique_ptr<KeyStore>> open(const std::filesystem::path& dir,
                                                bool read_only = false);
  ~KeyStore();

  // The subject's key, made and durably stored on first use. Code::subject_erased once the
  // subject's key was destroyed: an erased subject never gets a fresh key for old data.
  Result<SubjectKey> get_or_create(std::string_view subject);
  // Code::not_found for a subject never seen, Code::subject_erased after destroy().
  Result<SubjectKey> get(std::string_view subject) const;
  // Destroys the key. When this returns, no file under the key store's dir holds its bytes:
  // the record is overwritten by an erasure marker, the memtable flushed, the write-ahead
  // log that held it retired and the tables compacted. Destroying twice is fine.
  // `pending`, when given, is stored with the marker in the same durable write and listed by
  // unsettled_erasures() until settle_erasure(): what must still be recorded of the erasure,
  // so a stop between destroying a key and recording why is finished at the next start.
  Status destroy(std::string_view subject, std::string_view pending = {});
  Status settle_erasure(std::string_view subject);
  // The subjects destroyed with a `pending` record not settled yet, and those records.
  Result<std::vector<std::pair<std::string, std::string>>> unsettled_erasures() const;

  struct Impl;

 private:
  explicit KeyStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tally::eventstore
