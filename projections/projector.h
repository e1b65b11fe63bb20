// Runs one read model: catches up from its checkpoint, then follows the log; rebuilds a
// fresh copy while the current one keeps serving, then switches to it atomically.
//
// Storage: rows under "r/<name>/<generation>/", the checkpoint (the last position applied,
// including events the model ignores) at "c/<name>/<generation>", the serving generation at
// "g/<name>", the layout of its rows (Projection::layout) at "l/<name>": a copy in another
// layout is dropped at start and built again. Rows and checkpoint go in one batch, so after a
// crash the model resumes exactly where its rows end: every event takes effect once.
//
// While following the log, a step over events that change no row writes nothing (the
// checkpoint is brought forward only every so many events): most events concern other
// models, and writing a checkpoint for each commit cost more than the model's own work.
// The position it reached is known in memory, and a View takes it into account: rows the
// step did not change are the rows at that position. After a restart the ignored events are
// read again and ignored again. Unless a reader waits for a position, the follower lets
// commits gather for a few milliseconds before reading them, so one read serves many.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "eventstore/kv.h"
#include "eventstore/reader.h"
#include "projections/projection.h"
#include "projections/shared_tail.h"

namespace tally::projections {

// A consistent look at one read model: rows and position from the same moment.
class View {
 public:
  View(std::unique_ptr<eventstore::KvSnapshot> snapshot, std::string prefix, Position position)
      : snapshot_(std::move(snapshot)), prefix_(std::move(prefix)), position_(position) {}

  Position position() const { return position_; }  // the log position the rows reflect
  Result<std::optional<std::string>> get(std::string_view key) const;
  // Rows whose key starts with `prefix`, at most max, keys without the model's own prefix.
  Result<eventstore::KvRows> scan(std::string_view prefix, std::size_t max) const;
  // Rows with from <= key < to, at most max; an empty `to` means no upper bound.
  Result<eventstore::KvRows> range(std::string_view from, std::string_view to,
                                   std::size_t max) const;

 private:
  std::unique_ptr<eventstore::KvSnapshot> snapshot_;
  std::string prefix_;
  Position position_;
};

struct Progress {
  Position position;         // applied so far
  Position target;           // the head it is heading for
  double events_per_second;  // since the rebuild started
  std::chrono::seconds eta;
};

struct ProjectorStatus {
  std::string name;
  Position position;
  std::uint64_t lag = 0;  // head - position
  std::string state;      // catching_up, live, rebuilding, failed
  std::optional<Progress> rebuild;
  std::optional<Error> error;  // why it stopped (failed), or why the last rebuild failed
};

class Projector {
 public:
  // `events_per_batch`: events applied per write of rows and checkpoint. Larger batches write
  // a row changed by many events once; smaller ones show progress in finer steps.
  Projector(const eventstore::Reader& log, eventstore::KvStore& store, Projection& projection,
            std::size_t events_per_batch = 32768);
  // Following the log through `tail`, shared with the server's other projectors: the events
  // it follows are read and decoded once for all of them.
  Projector(const SharedTail& tail, eventstore::KvStore& store, Projection& projection,
            std::size_t events_per_batch = 32768);
  ~Projector();  // stops the threads; what was written stays

  std::string_view name() const { return projection_.name(); }

  // Before start(): told, on the follower's thread, each time the serving copy stops.
  void on_failure(std::function<void(const Error&)> told) { on_failure_ = std::move(told); }
  // Starts following the log in the background.
  Status start();
  // Applies everything up to the head now, in this thread (offline tools).
  Status catch_up();

  Position position() const { return position_.load(); }
  // Waits (bounded) until the model reflects `position`; returns the position it reached.
  Position wait_for(Position position, std::chrono::milliseconds timeout) const;
  // How many times rows have been written. A reader that acts on the rows takes this before
  // reading them, then waits for it to move: steps that change no row do not wake it.
  std::uint64_t writes() const { return writes_.load(); }
  void wait_for_write(std::uint64_t seen, std::chrono::milliseconds timeout) const;
  Result<View> view() const;
  ProjectorStatus status() const;

  // Builds a fresh copy from position 1 in the background while this one keeps serving,
  // then switches to it. Code::invalid_argument if one is already running. A copy that has
  // failed serves its rows as they were until such a rebuild replaces it.
  Status rebuild();
  // The same, in this thread, reporting progress (offline tools). Not with start().
  Status rebuild_now(const std::function<void(const Progress&)>& progress);

 private:
  struct Generation {
    std::uint64_t number = 0;
    Position position;
  };
  // The generation to serve: the stored one, or a fresh one when its layout is not the model's.
  Result<Generation> serving();
  // serving(), refused (Code::corruption) when its rows are past the log's head.
  Result<Generation> serving_of_this_log();
  Result<Generation> stored_generation() const;
  // Applies log events after `from` up to `until` (inclusive) to generation `gen`. `live`:
  // the follower's rows of the serving copy, kept from step to step so that rows read once
  // stay known; steps with it write checkpoints only when rows change (see above).
  Result<Position> apply_range(std::uint64_t gen, Position from, Position until,
                               const std::function<void(Position)>& applied, Rows* live = nullptr);
  Status build(std::uint64_t gen, const std::function<void(const Progress&)>& progress);
  Status switch_to(std::uint64_t gen, Position built);
  void follow();
  void gather();           // lets commits gather before the next step, unless someone waits
  void fail(Error error);  // the serving copy stops
  bool failed() const;     // the serving copy has stopped
  // Waits for a rebuilt copy to switch to (false: the projector is stopping).
  bool await_rebuild();
  void rebuild_failed(Error error);  // the copy being built is dropped; serving goes on

  std::string rows_prefix(std::uint64_t gen) const;
  std::string checkpoint_key(std::uint64_t gen) const;
  std::string generation_key() const;
  std::string layout_key() const;

  const eventstore::Reader& log_;
  const SharedTail* tail_ = nullptr;  // the follower's source near the head, if shared
  eventstore::KvStore& store_;
  Projection& projection_;
  const std::size_t events_per_batch_;

  std::atomic<Position> position_{Position(0)};
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::uint64_t> writes_{0};
  Position checkpointed_;  // the serving copy's stored checkpoint; follower thread only
  Position head_at_start_;
  mutable std::mutex mutex_;
  mutable std::condition_variable advanced_;
  mutable std::condition_variable wanted_;  // a reader began waiting for a position
  mutable std::size_t waiting_ = 0;         // readers in wait_for
  std::optional<Error> error_;              // the serving copy stopped
  std::function<void(const Error&)> on_failure_;
  std::optional<Error> rebuild_error_;  // the last rebuild failed; the serving copy is fine
  std::optional<Progress> rebuild_progress_;
  std::optional<std::uint64_t> rebuilt_;  // a generation built up to rebuilt_position_
  Position rebuilt_position_;
  bool rebuilding_ = false;
  std::atomic<bool> stopping_{false};
  std::thread follower_;
  std::thread rebuilder_;
};

}  // namespace tally::projections
