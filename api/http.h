// What handlers see of HTTP: plain values, no Beast. The session (the only place that
// includes Beast) turns the wire into a Request and a Response back into the wire, so routes
// and their tests compile and run without a socket.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tally::api {

// Header names compare without case (RFC 9110 §5.1).
struct Caseless {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};
using Headers = std::map<std::string, std::string, Caseless>;

struct Request {
  std::string method;  // "GET"
  std::string path;    // "/api/v1/log", without the query
  std::map<std::string, std::string> query;
  Headers headers;
  std::string body;
  std::map<std::string, std::string> params;  // from the route pattern: {stream} → value
  std::string route;                          // the pattern that matched, for logs and metrics
  std::string correlation_id;                 // given by the client (X-Correlation-Id) or made
  std::string key_id;                         // of the caller, once authenticated

  const std::string* header(std::string_view name) const;
  const std::string* query_param(std::string_view name) const;
};

// A body written piece by piece until it ends or the client goes (Server-Sent Events).
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // The next piece ready now: empty when nothing is ready, nullopt when the stream is over.
  virtual std::optional<std::string> poll() = 0;
  // Calls `wake` once, from any thread, when poll() may have more.
  virtual void notify_when_ready(std::function<void()> wake) = 0;
  // Written when nothing was ready for this long, so idle connections stay open.
  virtual std::chrono::milliseconds heartbeat_every() const { return std::chrono::seconds(15); }
  virtual std::string heartbeat() const { return ":\n\n"; }
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::shared_ptr<ResponseStream> stream;  // set: the body is streamed after the headers
  std::string error_code;                  // the failure's code, for metrics and logs
  std::string note;                        // for the log line only, never sent (a bug's what())
};

// Answers a request exactly once, from any thread.
using Respond = std::function<void(Response)>;
// A route's handler. It may answer before returning or later (a command answered after its
// fsync), but it answers exactly once.
using Handler = std::function<void(Request&, Respond)>;

// Splits "/api/v1/log?from=3&type=a%2Eb" (or its absolute-form, "http://host/api/v1/log?…")
// into path and decoded query parameters. False for a target in neither form or with a bad
// percent escape.
bool parse_target(std::string_view target, Request& request);

// A handler that answers at once.
Handler answer_now(std::function<Response(Request&)> f);

}  // namespace tally::api
