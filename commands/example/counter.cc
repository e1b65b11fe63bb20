#include "commands/example/counter.h"

#include <nlohmann/json.hpp>

namespace tally::commands::example {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};

std::int64_t micros(Timestamp t) {
  return t.time_since_epoch().count();
}

Timestamp from_micros(std::int64_t us) {
  return Timestamp(std::chrono::microseconds(us));
}

}  // namespace

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
                                 nlohmann::json j{{"by", e.by}};
                                 if (e.reset_due) j["reset_due"] = micros(*e.reset_due);
                                 return eventstore::NewEvent{"counter.incremented", j.dump(), {}};
                               },
                               [](const WasReset& e) {
                                 nlohmann::json j{{"due", micros(e.due)}};
                                 return eventstore::NewEvent{"counter.reset", j.dump(), {}};
                               }},
                    event);
}

Result<Counter::Event> Counter::decode(const eventstore::RecordedEvent& event) {
  const auto j = nlohmann::json::parse(event.payload, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return fail(Code::corruption, "counter event payload is not a JSON object");
  if (event.type == "counter.incremented" && j.contains("by") && j["by"].is_number_integer()) {
    Incremented e{j["by"].get<std::int64_t>(), {}};
    if (j.contains("reset_due") && j["reset_due"].is_number_integer())
      e.reset_due = from_micros(j["reset_due"].get<std::int64_t>());
    return Event{e};
  }
  if (event.type == "counter.reset" && j.contains("due") && j["due"].is_number_integer())
    return Event{WasReset{from_micros(j["due"].get<std::int64_t>())}};
  return fail(Code::corruption, "unknown counter event " + event.type);
}

}  // namespace tally::commands::example
