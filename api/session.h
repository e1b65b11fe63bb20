// One connection: reads requests (HTTP/1.1 keep-alive), hands each to the Exchange, writes
// the answer, and streams the body of an SSE answer. It lives as long as its pending
// operations (shared_from_this), on its own strand. Timeouts are set on the stream: the
// header must arrive within header_timeout of waiting for it, the body within body_timeout,
// and a write (including each SSE piece) within write_timeout — a client that stops reading
// is dropped, so a slow SSE client never holds anything but its own connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "api/http.h"

namespace tally::api {

struct SessionLimits {
  std::size_t body_limit = 1 << 20;  // api.md: bodies over 1 MiB are 413
  std::size_t header_limit = 16 << 10;
  std::chrono::milliseconds header_timeout{15'000};  // also how long an idle keep-alive lasts
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  // At shutdown an idle keep-alive connection stays open this long: a client sends its next
  // request as soon as it has an answer, and that request is answered (Connection: close)
  // rather than met by a bare close.
  std::chrono::milliseconds shutdown_grace{250};
};

// For a request that brought no X-Correlation-Id (or none was read: a refused connection).
std::string new_correlation_id();

// What a session hands its requests to (the server).
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual void handle(Request& request, Respond respond) = 0;
  // After the answer went out (or the connection broke while sending it).
  virtual void answered(const Request& request, const Response& response,
                        std::chrono::microseconds latency) = 0;
};

class Session {
 public:
  virtual ~Session() = default;
  virtual void start() = 0;
  // Stop after the request in flight, or one arriving within the shutdown grace (answered with
  // Connection: close); end an SSE stream. Any thread.
  virtual void shutdown() = 0;
};

}  // namespace tally::api
