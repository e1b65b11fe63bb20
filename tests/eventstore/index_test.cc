// The stream index is written beside the synced batch, not in it: what a crash leaves of it
// must never make a stream look longer or shorter than its events.
#include <doctest/doctest.h>

#include "eventstore/testing.h"
#include "support.h"

namespace tally::eventstore {
using namespace test;

TEST_CASE("index entries of a batch that never synced are dropped when the log opens") {
  TempDir dir;
  {
    auto log = open_log(dir.data());
    for (int i = 0; i < 3; ++i) REQUIRE(log->append(one_event("order-1")));
  }
  // The process died while syncing positions 4 and 5: the index has them, the log does not.
  REQUIRE(testing::index_batch_that_never_synced(
      dir.data(), {"order-1", "order-2"}, {StreamVersion(4), StreamVersion(1)}, Position(4)));
  auto log = open_log(dir.data());
  CHECK(log->stream_version("order-1").value() == StreamVersion(3));
  CHECK(log->stream_version("order-2").value() == StreamVersion(0));
  CHECK(log->verify().value() == std::nullopt);
  // The writer decides versions from the index for streams it has not seen since opening.
  auto order2 = one_event("order-2");
  order2.streams[0].expected = ExpectedVersion::no_stream();
  REQUIRE(log->append(std::move(order2)));
  auto order1 = one_event("order-1");
  order1.streams[0].expected = ExpectedVersion::exact(StreamVersion(3));
  const auto appended = log->append(std::move(order1));
  REQUIRE(appended);
  const auto events = log->read_stream("order-1", StreamVersion(1), 10).value();
  REQUIRE(events.size() == 4);
  CHECK(events.back().position == appended->last);
  CHECK(log->read_stream("order-2", StreamVersion(1), 10).value().size() == 1);
}

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
