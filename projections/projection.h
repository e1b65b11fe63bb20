// What a read model is: a name and a pure-ish fold of events into rows. The runner gives it
// Rows to read and write; the rows and the checkpoint are written in one atomic batch.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "eventstore/event.h"
#include "eventstore/kv.h"

namespace tally::projections {

// The rows of one read model as its projector changes them. Reads see every change made so
// far, written or not; a row changed many times between writes is written once, with its
// last value. Rows read or written are remembered (up to a bound), so a model that touches
// the same rows again and again does not read them back from the store: the projector is
// the only writer of its rows, so what it remembers stays true.
class Rows {
 public:
  // `base` is the store as it was before these changes; past `remembered` rows, unchanged
  // ones are forgotten at the next rebase.
  Rows(std::unique_ptr<eventstore::KvSnapshot> base, std::string prefix,
       std::size_t remembered = 1'000'000)
      : base_(std::move(base)), prefix_(std::move(prefix)), remembered_(remembered) {}

  Result<std::optional<std::string>> get(std::string_view key);
  void put(std::string_view key, std::string_view value);
  // A row written once and never read or changed by the model again (an entry of a history,
  // under a key no other event makes): like put, but not remembered, so a long history does
  // not fill the memory of rows. get() does not see it before it is written; keys() and a
  // later erase() do.
  void add(std::string key, std::string value);
  void erase(std::string_view key);
  // The keys starting with `prefix` that hold a value, ascending, changes included. It looks
  // at every remembered row: for rare events (an erasure), not for every one.
  Result<std::vector<std::string>> keys(std::string_view prefix);

  // Whether anything was put or erased since the last write_to.
  bool changed() const { return !changed_.empty() || !added_.empty(); }
  // Adds the changes since the last call to `batch` (under the model's prefix).
  void write_to(eventstore::KvBatch& batch);
  // After the batch is stored: reads of rows not remembered go to `base`, which includes it.
  // A null base lets go of the store until the next rebase; reads must wait for that.
  void rebase(std::unique_ptr<eventstore::KvSnapshot> base);

 private:
  struct Row {
    std::optional<std::string> value;
    bool changed = false;  // since the last write_to
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Hashed, not ordered: the projector looks rows up twice per event. Elements stay where
  // they are on a rehash, so `changed_` may point at them.
  using Known = std::unordered_map<std::string, Row, KeyHash, std::equal_to<>>;
  void change(std::string_view key, std::optional<std::string> value);

  std::unique_ptr<eventstore::KvSnapshot> base_;
  const std::string prefix_;
  const std::size_t remembered_;
  Known known_;
  std::vector<Known::value_type*> changed_;                 // the rows marked changed
  std::vector<std::pair<std::string, std::string>> added_;  // since the last write_to
};

class Projection {
 public:
  virtual ~Projection() = default;
  virtual std::string_view name() const = 0;
  // The version of the rows' encoding. A store written in another layout is not read: at
  // start its rows are dropped and the model is built again from the log.
  virtual std::uint32_t layout() const { return 1; }
  // Applies one event: must depend only on the event and the rows, so a rebuild gives the
  // same rows. Events the read model does not care about are simply skipped.
  virtual Status apply(const eventstore::RecordedEvent& event, Rows& rows) = 0;
};

}  // namespace tally::projections
