// What a read model is: a name and a pure-ish fold of events into rows. The runner gives it
// Rows to read and write; the rows and the checkpoint are written in one atomic batch.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "eventstore/event.h"
#include "eventstore/kv.h"

namespace tally::projections {

// One batch of row changes of one read model, readable before it is written: get() sees
// what earlier events of the same batch put.
class Rows {
 public:
  Rows(const eventstore::KvSnapshot& base, std::string prefix, eventstore::KvBatch& batch)
      : base_(base), prefix_(std::move(prefix)), batch_(batch) {}

  Result<std::optional<std::string>> get(std::string_view key) const;
  void put(std::string_view key, std::string_view value);
  void erase(std::string_view key);

 private:
  const eventstore::KvSnapshot& base_;
  const std::string prefix_;
  eventstore::KvBatch& batch_;
  std::map<std::string, std::optional<std::string>, std::less<>> staged_;
};

class Projection {
 public:
  virtual ~Projection() = default;
  virtual std::string_view name() const = 0;
  // Applies one event: must depend only on the event and the rows, so a rebuild gives the
  // same rows. Events the read model does not care about are simply skipped.
  virtual Status apply(const eventstore::RecordedEvent& event, Rows& rows) = 0;
};

}  // namespace tally::projections
