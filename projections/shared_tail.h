// The end of the log, read once for every projector that follows it. A server runs a
// projector per read model, and each used to read and decode every event the log committed:
// under load that was most of what the projectors cost. Through a SharedTail, the first to
// ask for new events reads them from the log and keeps the latest `keep`; the others get the
// same decoded events, shared.
//
// Reads far behind the head (a catch-up after a long stop, a rebuild from position 1) go to
// the log and are not kept: one reader going through the whole log would otherwise push out
// the tail the others are reading. Everything but read_page (and read_all, which pages
// through it) is the log's own.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "eventstore/reader.h"

namespace tally::projections {

class SharedTail final : public eventstore::ForwardingReader {
 public:
  explicit SharedTail(const eventstore::Reader& log, std::size_t keep = 16384);

  using Events = std::vector<std::shared_ptr<const eventstore::RecordedEvent>>;
  // The events from `from` on (at most max, up to the head), shared with the other readers:
  // nothing is copied. nullopt for a range the tail does not keep: read it from the log.
  Result<std::optional<Events>> share(Position from, std::size_t max) const;

  // Through share, copying into `page`.
  Status read_page(Position from, std::size_t max,
                   std::vector<eventstore::RecordedEvent>& page) const override;
  Result<std::vector<eventstore::RecordedEvent>> read_all(Position from,
                                                          std::size_t max) const override;

  // Events read from the log to serve tail reads (for tests): with N readers
  // following, about 1/N of what they were handed.
  std::uint64_t events_read() const;

 private:
  Position end() const;  // the position after the last event kept; mutex_ held, not empty

  const std::size_t keep_;
  mutable std::mutex mutex_;
  mutable std::deque<std::shared_ptr<const eventstore::RecordedEvent>> tail_;  // consecutive
  mutable std::vector<eventstore::RecordedEvent> fresh_;  // what the log gave, before kept
  mutable std::uint64_t events_read_ = 0;
};

}  // namespace tally::projections
