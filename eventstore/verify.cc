#include "eventstore/verify.h"

#include <unordered_map>

#include "eventstore/codec.h"

namespace tally::eventstore {
namespace {

// Checks one event against what came before it; false at the first broken invariant.
class ChainCheck {
 public:
  ChainCheck(rocksdb::DB& db, const Families& families) : db_(db), families_(families) {}

  Result<bool> accept(std::string_view key, std::string_view value) {
    expected_ = expected_.next();
    auto e = codec::decode_event(value);
    if (!e || codec::position_from_key(key) != expected_ || e->position != expected_ ||
        e->prev_hash != prev_hash_ || codec::chain_hash(*e) != e->hash)
      return false;
    auto& version = versions_[e->stream];
    if (e->version.value != version + 1) return false;
    version = e->version.value;
    std::string indexed;
    const auto s = db_.Get(rocksdb::ReadOptions(), families_.streams,
                           codec::stream_key(e->stream, e->version), &indexed);
    if (s.IsNotFound()) return false;
    // A damaged index block is corruption of the index, not of this (intact) event.
    if (auto ok = rocks::check(s, "reading the stream index of " + e->stream); !ok)
      return tl::unexpected(ok.error());
    if (indexed != key) return false;
    prev_hash_ = std::move(e->hash);
    return true;
  }

  Position expected() const { return expected_; }

 private:
  rocksdb::DB& db_;
  const Families& families_;
  Position expected_;
  std::string prev_hash_{codec::kGenesisHash};
  std::unordered_map<std::string, std::uint64_t> versions_;
};

}  // namespace

Result<std::optional<Position>> verify_log(rocksdb::DB& db, const Families& families,
                                           Position head) {
  rocksdb::ReadOptions read;
  read.fill_cache = false;  // one pass over everything: keep the block cache for serving
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(read, families.events));
  ChainCheck check(db, families);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto ok = check.accept(it->key().ToStringView(), it->value().ToStringView());
    if (!ok) return tl::unexpected(ok.error());
    if (!*ok) return std::optional<Position>(check.expected());
  }
  // The scan could not read on: the first position it did not confirm. Where files overlap
  // (level 0), a damaged block in one stops the scan before intact events of another, so the
  // damage is there or later: the position is where to look, not proof of loss.
  if (it->status().IsCorruption()) return std::optional<Position>(check.expected().next());
  if (auto ok = rocks::check(it->status(), "reading the log"); !ok)
    return tl::unexpected(ok.error());
  // Events missing at the end of the log (below the head it recovered) are a break too.
  if (check.expected() < head) return std::optional<Position>(check.expected().next());
  if (auto ok = rocks::check(db.VerifyChecksum(read), "checking the log's files"); !ok)
    return tl::unexpected(ok.error());
  return std::optional<Position>();
}

}  // namespace tally::eventstore
