// Server-Sent Events over the log (GET /api/v1/log/subscribe). Each client reads the log at
// its own pace straight from the store: catch-up and live are the same loop, so there is no
// gap or repeat between them, and no shared buffer a slow client could fill. LogNotifier is
// the one thread that waits for commits and wakes the streams that have caught up.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "api/http.h"
#include "eventstore/keys.h"
#include "eventstore/reader.h"

namespace tally::api {

class LogNotifier {
 public:
  explicit LogNotifier(const eventstore::Reader& log);
  ~LogNotifier();  // wakes everyone, then stops

  // Calls `wake` once when the head is beyond `after` (at once if it already is), or at stop.
  void notify_beyond(Position after, std::function<void()> wake);
  // Ends every stream: their next poll() says the stream is over (shutdown).
  void stop();
  bool stopped() const { return stopping_.load(); }

 private:
  void loop();

  const eventstore::Reader& log_;
  std::mutex mutex_;
  std::condition_variable someone_waits_;
  std::vector<std::pair<Position, std::function<void()>>> waiting_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// The events from `next` on, as SSE messages: `id: <position>` and `data: <event JSON>`.
class LogEventStream final : public ResponseStream {
 public:
  LogEventStream(const eventstore::Reader& log, const eventstore::KeyStore& subject_keys,
                 LogNotifier& notifier, Position next,
                 std::chrono::milliseconds heartbeat = std::chrono::seconds(15))
      : log_(log),
        subject_keys_(subject_keys),
        notifier_(notifier),
        next_(next),
        heartbeat_(heartbeat) {}

  std::optional<std::string> poll() override;
  void notify_when_ready(std::function<void()> wake) override;
  std::chrono::milliseconds heartbeat_every() const override { return heartbeat_; }

 private:
  const eventstore::Reader& log_;
  const eventstore::KeyStore& subject_keys_;
  LogNotifier& notifier_;
  Position next_;
  const std::chrono::milliseconds heartbeat_;
};

}  // namespace tally::api
