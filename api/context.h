// What the routes work with: the read-only log, the read models, the clock, auth, metrics and
// the limits. tools/serve_command.cc builds it; routes only read it.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/auth.h"
#include "api/http.h"
#include "api/metrics.h"
#include "api/problem.h"
#include "api/wait_pool.h"
#include "core/clock.h"
#include "eventstore/keys.h"
#include "eventstore/reader.h"
#include "projections/projector.h"

namespace tally::api {

namespace keys {
class KeyIndex;
struct KeySpec;
struct IssuedKey;
}  // namespace keys

// The test clock of --test-clock, persisted by its owner so it never goes back.
class TestClockControl {
 public:
  virtual ~TestClockControl() = default;
  virtual Timestamp now() const = 0;
  // Moves forward by `step`, or refuses (invalid_argument, unmoved) a step that would reach
  // `limit`: checked with the advance, so two advances at once cannot pass it together.
  virtual Result<Timestamp> advance(std::chrono::seconds step, Timestamp limit) = 0;
};

// Counts requests in flight on the command path; past the limit, 503 `overloaded` with
// Retry-After rather than a queue without bound.
class InflightGate {
 public:
  explicit InflightGate(std::size_t limit) : limit_(limit) {}
  // A ticket while admitted (released when the last copy goes); null when full.
  std::shared_ptr<void> try_enter();
  std::size_t in_flight() const { return in_flight_.load(); }
  std::size_t limit() const { return limit_; }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> in_flight_{0};
};

struct ApiContext {
  const eventstore::Reader& log;
  const Clock& clock;
  const Authenticator& auth;
  Metrics& metrics;
  WaitPool& waits;
  InflightGate& commands;
  const eventstore::KeyStore& subject_keys;  // opens PII for the log's readers (event_json.h)
  // Every read model the server runs (api_keys and schedules among them).
  std::vector<projections::Projector*> projectors = {};
  const projections::Projector* schedules = nullptr;
  TestClockControl* test_clock = nullptr;  // null without --test-clock: its routes are 404
  Position head_at_start = {};             // /readyz: ready once every model reached it
  // /readyz: whether the log has stopped taking appends after a failed write (fail-stop).
  std::function<bool()> log_failed = [] { return false; };
  // /readyz: whether a read found the log damaged (the server stays ready: it answers what
  // it can read, and readiness would take it out of service for what it cannot).
  std::function<bool()> log_damaged = [] { return false; };
  // POST /api/v1/admin/verify: Log::verify() of the live log (eventstore/log.h).
  std::function<Result<std::optional<Position>>()> verify_log = [] {
    return Result<std::optional<Position>>(fail(Code::internal, "no log to verify"));
  };
  // Set while one runs: a check reads the whole log, and more at once would only hold more of
  // the wait pool's threads for the same answer.
  std::atomic<bool> verifying{false};
  // Issues a key (POST /api/v1/admin/keys); blocking, so called on `waits`.
  std::function<Result<keys::IssuedKey>(const keys::KeySpec&, const Principal& by,
                                        const std::string& correlation_id)>
      issue_key = {};
  std::chrono::milliseconds read_wait{2000};  // min_position waits at most this (api.md)
};

// Runs `f` with its own catch-all, answering 500 with the request's correlation id if it
// throws: for work that runs after dispatch() returned (on the wait pool, on a runtime thread).
// It takes the id alone so that such work need not carry a copy of the whole request.
void guarded(const std::string& correlation_id, const Respond& respond,
             const std::function<void()>& f);

// Read-your-writes on a read model (api.md, Conventions): min_position is a whole number
// (else 400 invalid_field); when the model is behind it, waits on the pool up to read_wait,
// else 503 `stale_read_model`. `query` gets a view at or past min_position and must put
// `as_of_position` = view.position() in its answer. A route checks its own parameters before
// (see ViewQuery), so that a bad one never waits.
using ViewQuery = std::function<Response(const projections::View&)>;
void query_read_model(const ApiContext& ctx, Request& request, Respond respond,
                      const projections::Projector& model, ViewQuery query);

// The same against the log itself (GET /api/v1/log, streams): waits for the head.
void query_log(const ApiContext& ctx, Request& request, Respond respond,
               std::function<Response(Position head)> query);

}  // namespace tally::api
