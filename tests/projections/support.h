// Shared by the projections tests: logs filled with counter increments of 1.
#pragma once

#include <doctest/doctest.h>

#include "commands/example/counter.h"
#include "eventstore/support.h"

namespace tally::projections::test {

inline eventstore::AppendRequest increment_of(std::string stream) {
  using commands::example::Counter;
  return eventstore::test::to_stream(std::move(stream), eventstore::ExpectedVersion::any(),
                                     {Counter::encode(Counter::Incremented{1, {}})});
}

// `count` increments spread over `streams` counters, counter-0 first.
inline void append_increments(eventstore::Log& log, int count, int streams = 7) {
  for (int i = 0; i < count; ++i)
    REQUIRE(log.append(increment_of("counter-" + std::to_string(i % streams))));
}

}  // namespace tally::projections::test
