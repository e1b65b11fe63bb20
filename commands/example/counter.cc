#include "commands/example/counter.h"

#include <nlohmann/json.hpp>

#include "commands/overloaded.h"
#include "commands/payload.h"
#include "core/proto_time.h"
#include "tally/v1/events/counter.pb.h"

namespace tally::commands::example {

std::string Counter::stream(const Command& command) {
  return "counter-" + std::visit([](const auto& c) { return c.id; }, command);
}

Counter::State Counter::evolve(State state, const Event& event) {
  std::visit(Overloaded{[&](const Incremented& e) {
                          state.value += e.by;
                          if (e.reset_due) state.reset_due = e.reset_due;
                        },
                        [&](const WasReset&) {
                          state.value = 0;
                          state.reset_due.reset();
                        }},
             event);
  return state;
}

Decision<Counter::Event> Counter::decide(const State& state, const Command& command) {
  return std::visit(
      Overloaded{
          [&](const Increment& c) -> Decision<Event> {
            if (c.by <= 0) return tl::unexpected(Rejection{"invalid_amount", "by must be > 0"});
            if (state.value + c.by > c.limit)
              return tl::unexpected(
                  Rejection{"limit_reached", "the counter is at " + std::to_string(state.value)});
            Incremented e{c.by, {}};
            if (!state.reset_due) e.reset_due = c.now + c.reset_after;
            return std::vector<Event>{e};
          },
          [&](const Reset& c) -> Decision<Event> {
            if (!state.reset_due || *state.reset_due != c.due)
              return tl::unexpected(Rejection{"reset_not_due", "no reset is due at that time"});
            return std::vector<Event>{WasReset{c.due}};
          }},
      command);
}

std::string Counter::answer(const State& after, const Command&) {
  return nlohmann::json{{"value", after.value}}.dump();
}

eventstore::NewEvent Counter::encode(const Event& event) {
  return std::visit(Overloaded{[](const Incremented& e) {
                                 tally::v1::events::CounterIncremented m;
                                 m.set_by(e.by);
                                 if (e.reset_due)
                                   set_proto_time(*m.mutable_reset_due(), *e.reset_due);
                                 return new_event("counter.incremented", m);
                               },
                               [](const WasReset& e) {
                                 tally::v1::events::CounterReset m;
                                 set_proto_time(*m.mutable_due(), e.due);
                                 return new_event("counter.reset", m);
                               }},
                    event);
}

Result<Counter::Event> Counter::decode(const eventstore::RecordedEvent& event) {
  const auto& bytes = event.payload;
  if (event.type == "counter.incremented") {
    tally::v1::events::CounterIncremented m;
    if (parse_payload(m, bytes)) {
      Incremented e{m.by(), {}};
      if (m.has_reset_due()) e.reset_due = from_proto_time(m.reset_due());
      return Event{e};
    }
  } else if (event.type == "counter.reset") {
    tally::v1::events::CounterReset m;
    if (parse_payload(m, bytes)) return Event{WasReset{from_proto_time(m.due())}};
  }
  return fail(Code::corruption, "not a counter event: " + event.type);
}

}  // namespace tally::commands::example
