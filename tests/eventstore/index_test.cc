// The stream index answers every stream as its events were written, across a reopen.
#include <doctest/doctest.h>

#include "support.h"

namespace tally::eventstore {
using namespace test;

TEST_CASE("a reopened log answers every stream from its index as it was written") {
  TempDir dir;
  {
    auto log = open_log(dir.data());
    for (int i = 0; i < 30; ++i) REQUIRE(log->append(one_event("s-" + std::to_string(i % 3))));
  }
  auto log = open_log(dir.data());
  for (int s = 0; s < 3; ++s) {
    const auto events = log->read_stream("s-" + std::to_string(s), StreamVersion(1), 100).value();
    REQUIRE(events.size() == 10);
    for (std::size_t v = 0; v < events.size(); ++v) CHECK(events[v].version.value == v + 1);
  }
  CHECK(log->verify().value() == std::nullopt);
}

}  // namespace tally::eventstore
