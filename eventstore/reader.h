// The read-only face of the log: what projectors, subscribers, SSE and replay need, and
// nothing that can change the log. Readers never block the writer.
//
// Readers see only committed events: an event is visible once its append has been synced,
// and a reader that sees position N sees every position below N too.
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "eventstore/event.h"

namespace tally::eventstore {

class Reader {
 public:
  virtual ~Reader() = default;

  // Events of one stream with version >= from, ascending, at most max of them.
  // An unknown stream gives an empty list.
  virtual Result<std::vector<RecordedEvent>> read_stream(std::string_view stream,
                                                         StreamVersion from,
                                                         std::size_t max) const = 0;

  // Events with position >= from, ascending and gap-free, at most max of them.
  virtual Result<std::vector<RecordedEvent>> read_all(Position from, std::size_t max) const = 0;
  // The same into `page`, replacing what it held and reusing its events' storage: a reader
  // going through the whole log pages through a few buffers instead of allocating anew.
  virtual Status read_page(Position from, std::size_t max, std::vector<RecordedEvent>& page) const {
    auto events = read_all(from, max);
    if (!events) return tl::unexpected(events.error());
    page = std::move(*events);
    return {};
  }

  // The last committed position (0 for an empty log).
  virtual Position head() const = 0;

  // The stream's last committed version (0 for a stream with no events).
  virtual Result<StreamVersion> stream_version(std::string_view stream) const = 0;

  // Blocks until the head is beyond `after` or the timeout passes, and returns the head.
  // No polling: the writer wakes waiters when it commits.
  virtual Position wait_beyond(Position after, std::chrono::milliseconds timeout) const = 0;
};

// A reader that passes everything on to another: a decorator derives from it and overrides
// only what it changes.
class ForwardingReader : public Reader {
 public:
  explicit ForwardingReader(const Reader& log) : log_(log) {}

  Result<std::vector<RecordedEvent>> read_stream(std::string_view stream, StreamVersion from,
                                                 std::size_t max) const override {
    return log_.read_stream(stream, from, max);
  }
  Result<std::vector<RecordedEvent>> read_all(Position from, std::size_t max) const override {
    return log_.read_all(from, max);
  }
  Status read_page(Position from, std::size_t max,
                   std::vector<RecordedEvent>& page) const override {
    return log_.read_page(from, max, page);
  }
  Position head() const override { return log_.head(); }
  Result<StreamVersion> stream_version(std::string_view stream) const override {
    return log_.stream_version(stream);
  }
  Position wait_beyond(Position after, std::chrono::milliseconds timeout) const override {
    return log_.wait_beyond(after, timeout);
  }

 protected:
  const Reader& log_;
};

}  // namespace tally::eventstore
