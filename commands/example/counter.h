// An example domain for tests and benchmarks only: a counter with a limit that resets when a
// due time passes. Small on purpose: it proves the runtime (decide/evolve, hot streams,
// idempotency, schedules and processes) without the real domains.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "commands/due_items.h"
#include "commands/runtime.h"
#include "core/clock.h"
#include "eventstore/event.h"

namespace tally::commands::example {

struct Counter {
  struct State {
    std::int64_t value = 0;
    std::optional<Timestamp> reset_due;  // set by the first increment after a reset
  };

  struct Increment {
    std::string id;
    std::int64_t by = 1;
    std::int64_t limit = 0;
    Timestamp now;                     // time comes in the command, never from a clock
    std::chrono::seconds reset_after;  // the reset falls due this long after the first one
  };
  struct Reset {
    std::string id;
    Timestamp due;  // the due time being fired; another due time is stale
  };
  using Command = std::variant<Increment, Reset>;

  struct Incremented {
    std::int64_t by = 0;
    std::optional<Timestamp> reset_due;  // scheduled by this increment
  };
  struct WasReset {
    Timestamp due;
  };
  using Event = std::variant<Incremented, WasReset>;

  static std::string stream(const Command& command);
  static State evolve(State state, const Event& event);
  static Decision<Event> decide(const State& state, const Command& command);
  static std::string answer(const State& after, const Command& command);
  static eventstore::NewEvent encode(const Event& event);
  static Result<Event> decode(const eventstore::RecordedEvent& event);

  // The process: a due reset item calls for resetting that counter at that due time.
  static Command on_due(const DueItem& item) { return Reset{item.ref, item.due_at}; }
};

// The schedule kind of a counter's reset, and its due item's ref is the counter id.
inline constexpr std::string_view kResetKind = "counter_reset";

}  // namespace tally::commands::example
