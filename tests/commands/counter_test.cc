// The example domain's rules, on pure decide/evolve: no log, no clock.
#include "commands/example/counter.h"

#include <doctest/doctest.h>

namespace tally::commands::example {
namespace {

using namespace std::chrono_literals;

const Timestamp kNoon = Timestamp(std::chrono::hours(24 * 20000 + 12));

Counter::Increment increment(std::int64_t by, std::int64_t limit = 10) {
  return Counter::Increment{"c1", by, limit, kNoon, 3600s};
}

Counter::State fold(const std::vector<Counter::Event>& events, Counter::State state = {}) {
  for (const auto& e : events) state = Counter::evolve(state, e);
  return state;
}

TEST_CASE("the first increment schedules the reset from the command's time") {
  auto events = Counter::decide({}, increment(3));
  REQUIRE(events);
  REQUIRE(events->size() == 1);
  const auto& e = std::get<Counter::Incremented>(events->front());
  CHECK(e.by == 3);
  REQUIRE(e.reset_due);
  CHECK(*e.reset_due == kNoon + 3600s);
  CHECK(fold(*events).value == 3);
}

TEST_CASE("a later increment keeps the reset already due") {
  const auto state = fold(*Counter::decide({}, increment(1)));
  auto events = Counter::decide(state, increment(2));
  REQUIRE(events);
  CHECK_FALSE(std::get<Counter::Incremented>(events->front()).reset_due);
  const auto after = fold(*events, state);
  CHECK(after.value == 3);
  CHECK(after.reset_due == state.reset_due);
}

TEST_CASE("an increment past the limit is limit_reached; up to it is accepted") {
  const auto state = fold(*Counter::decide({}, increment(8)));
  CHECK(Counter::decide(state, increment(2)));
  auto over = Counter::decide(state, increment(3));
  REQUIRE_FALSE(over);
  CHECK(over.error().code == "limit_reached");
}

TEST_CASE("an increment by zero or less is invalid_amount") {
  for (std::int64_t by : {0, -1}) {
    auto r = Counter::decide({}, increment(by));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "invalid_amount");
  }
}

TEST_CASE("a reset at its due time zeroes the counter and clears the due time") {
  const auto state = fold(*Counter::decide({}, increment(5)));
  auto events = Counter::decide(state, Counter::Reset{"c1", kNoon + 3600s});
  REQUIRE(events);
  const auto after = fold(*events, state);
  CHECK(after.value == 0);
  CHECK_FALSE(after.reset_due);
}

TEST_CASE("a reset for another due time, or with nothing due, is reset_not_due") {
  const auto state = fold(*Counter::decide({}, increment(5)));
  auto stale = Counter::decide(state, Counter::Reset{"c1", kNoon});
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == "reset_not_due");
  auto nothing = Counter::decide({}, Counter::Reset{"c1", kNoon});
  REQUIRE_FALSE(nothing);
  CHECK(nothing.error().code == "reset_not_due");
}

TEST_CASE("decide is a function of its inputs only") {
  const auto state = fold(*Counter::decide({}, increment(1)));
  const auto a = Counter::decide(state, increment(2));
  const auto b = Counter::decide(state, increment(2));
  REQUIRE(a);
  REQUIRE(b);
  CHECK(Counter::answer(fold(*a, state), increment(2)) ==
        Counter::answer(fold(*b, state), increment(2)));
}

TEST_CASE("events survive encode and decode") {
  eventstore::RecordedEvent r;
  const auto in = Counter::Incremented{4, kNoon};
  auto encoded = Counter::encode(in);
  r.type = encoded.type;
  r.payload = encoded.payload;
  auto out = Counter::decode(r);
  REQUIRE(out);
  CHECK(std::get<Counter::Incremented>(*out).by == 4);
  CHECK(std::get<Counter::Incremented>(*out).reset_due == kNoon);

  encoded = Counter::encode(Counter::WasReset{kNoon});
  r.type = encoded.type;
  r.payload = encoded.payload;
  out = Counter::decode(r);
  REQUIRE(out);
  CHECK(std::get<Counter::WasReset>(*out).due == kNoon);
}

TEST_CASE("a payload that is not a counter event is corruption, not a crash") {
  eventstore::RecordedEvent r;
  r.type = "counter.incremented";
  // Not protobuf: a field with a wire type that does not exist, a truncated varint, JSON.
  for (std::string payload : {"[1]", "\x08", "{\"by\":\"x\"}", "{not json"}) {
    r.payload = payload;
    auto out = Counter::decode(r);
    REQUIRE_FALSE(out);
    CHECK(out.error().code == Code::corruption);
  }
  r.type = "counter.doubled";
  r.payload = Counter::encode(Counter::Incremented{1, {}}).payload;
  CHECK(Counter::decode(r).error().code == Code::corruption);
}

}  // namespace
}  // namespace tally::commands::example
