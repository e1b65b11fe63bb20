#include <doctest/doctest.h>

#include "support.h"

namespace tally::eventstore {
using namespace test;

TEST_CASE("positions are global and gap-free, versions count per stream") {
  TempDir dir;
  auto log = open_log(dir.data());
  CHECK(log->head() == Position(0));
  auto a1 = log->append(one_event("coupon-A"));
  auto b1 = log->append(one_event("coupon-B"));
  auto a2 =
      log->append(to_stream("coupon-A", ExpectedVersion::any(), {event("x.one"), event("x.two")}));
  REQUIRE(a1);
  REQUIRE(b1);
  REQUIRE(a2);
  CHECK(a1->first == Position(1));
  CHECK(b1->first == Position(2));
  CHECK(a2->first == Position(3));
  CHECK(a2->last == Position(4));
  CHECK(log->head() == Position(4));
  CHECK(log->stream_version("coupon-A").value() == StreamVersion(3));
  CHECK(log->stream_version("coupon-B").value() == StreamVersion(1));
  CHECK(log->stream_version("coupon-none").value() == StreamVersion(0));

  auto all = log->read_all(Position(1), 100).value();
  REQUIRE(all.size() == 4);
  for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i].position == Position(i + 1));
  CHECK(all[3].stream == "coupon-A");
  CHECK(all[3].version == StreamVersion(3));
  CHECK(all[3].type == "x.two");
  CHECK(all[3].correlation_id == "cmd-1");
  CHECK(all[3].actor == "test");
  CHECK(all[0].event_id.size() == 36);
  CHECK(all[0].event_id != all[1].event_id);
}

TEST_CASE("an expected version that does not hold writes nothing") {
  TempDir dir;
  auto log = open_log(dir.data());
  REQUIRE(log->append(to_stream("s-1", ExpectedVersion::no_stream(), {event("a")})));

  auto again = log->append(to_stream("s-1", ExpectedVersion::no_stream(), {event("a")}));
  REQUIRE_FALSE(again);
  CHECK(again.error().code == Code::version_conflict);

  auto stale =
      log->append(to_stream("s-1", ExpectedVersion::exact(StreamVersion(0)), {event("b")}));
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == Code::version_conflict);

  auto ahead =
      log->append(to_stream("s-1", ExpectedVersion::exact(StreamVersion(2)), {event("b")}));
  CHECK(ahead.error().code == Code::version_conflict);

  auto right =
      log->append(to_stream("s-1", ExpectedVersion::exact(StreamVersion(1)), {event("b")}));
  REQUIRE(right);
  CHECK(right->first == Position(2));
  CHECK(log->head() == Position(2));
}

TEST_CASE("an append to several streams commits all of them or none") {
  TempDir dir;
  auto log = open_log(dir.data());
  REQUIRE(log->append(one_event("seat-A1")));

  AppendRequest both;
  both.streams.push_back({"reservation-R1", ExpectedVersion::no_stream(), {event("reserved")}});
  both.streams.push_back({"seat-A1", ExpectedVersion::exact(StreamVersion(1)), {event("held")}});
  auto ok = log->append(both);
  REQUIRE(ok);
  CHECK(ok->first == Position(2));
  CHECK(ok->last == Position(3));

  // The second stream's expectation fails: the first stream must not be written either.
  AppendRequest stale;
  stale.streams.push_back({"reservation-R2", ExpectedVersion::no_stream(), {event("reserved")}});
  stale.streams.push_back({"seat-A1", ExpectedVersion::exact(StreamVersion(1)), {event("held")}});
  auto rejected = log->append(stale);
  REQUIRE_FALSE(rejected);
  CHECK(rejected.error().code == Code::version_conflict);
  CHECK(log->head() == Position(3));
  CHECK(log->stream_version("reservation-R2").value() == StreamVersion(0));
  CHECK(log->read_stream("reservation-R2", StreamVersion(1), 10).value().empty());
}

TEST_CASE("a stream with no events only asserts its version") {
  TempDir dir;
  auto log = open_log(dir.data());
  REQUIRE(log->append(one_event("show-1")));
  AppendRequest r;
  r.streams.push_back({"show-1", ExpectedVersion::exact(StreamVersion(1)), {}});
  r.streams.push_back({"reservation-R1", ExpectedVersion::no_stream(), {event("reserved")}});
  REQUIRE(log->append(r));
  CHECK(log->stream_version("show-1").value() == StreamVersion(1));
  REQUIRE(log->append(one_event("show-1")));
  auto stale = log->append(r);
  CHECK(stale.error().code == Code::version_conflict);
}

TEST_CASE("malformed appends are refused before they reach the writer") {
  TempDir dir;
  auto log = open_log(dir.data());
  auto code_of = [&](AppendRequest r) { return log->append(std::move(r)).error().code; };
  CHECK(code_of(AppendRequest{}) == Code::invalid_argument);
  CHECK(code_of(to_stream("", ExpectedVersion::any(), {event("a")})) == Code::invalid_argument);
  CHECK(code_of(to_stream(std::string(257, 's'), ExpectedVersion::any(), {event("a")})) ==
        Code::invalid_argument);
  CHECK(code_of(to_stream(std::string("a\0b", 3), ExpectedVersion::any(), {event("a")})) ==
        Code::invalid_argument);
  CHECK(code_of(to_stream("s-1", ExpectedVersion::any(), {})) == Code::invalid_argument);
  CHECK(code_of(to_stream("s-1", ExpectedVersion::any(), {event("")})) == Code::invalid_argument);
  AppendRequest twice = one_event("s-1");
  twice.streams.push_back(twice.streams.front());
  CHECK(code_of(twice) == Code::invalid_argument);
  AppendRequest empty_key = one_event("s-1");
  empty_key.idempotency = Idempotency{"", "f", "o"};
  CHECK(code_of(empty_key) == Code::invalid_argument);
  CHECK(log->head() == Position(0));
}

TEST_CASE("recorded_at comes from the injected clock and never goes back") {
  TempDir dir;
  const Timestamp start(std::chrono::seconds(1'800'000'000));
  TestClock clock(start);
  auto log = open_log(dir.data(), LogOptions{.clock = &clock});
  REQUIRE(log->append(one_event("s-1")));
  clock.advance(std::chrono::seconds(90));
  REQUIRE(log->append(one_event("s-1")));
  auto events = log->read_stream("s-1", StreamVersion(1), 10).value();
  REQUIRE(events.size() == 2);
  CHECK(events[0].recorded_at == start);
  CHECK(events[1].recorded_at == start + std::chrono::seconds(90));
}

TEST_CASE("reopening recovers the head, the stream versions and the hash chain") {
  TempDir dir;
  {
    auto log = open_log(dir.data());
    for (int i = 0; i < 10; ++i) REQUIRE(log->append(one_event("s-" + std::to_string(i % 3))));
  }
  auto log = open_log(dir.data());
  CHECK(log->head() == Position(10));
  CHECK(log->stream_version("s-0").value() == StreamVersion(4));
  auto next = log->append(to_stream("s-1", ExpectedVersion::exact(StreamVersion(3)), {event("a")}));
  REQUIRE(next);
  CHECK(next->first == Position(11));
  auto all = log->read_all(Position(10), 2).value();
  REQUIRE(all.size() == 2);
  CHECK(all[1].prev_hash == all[0].hash);
  CHECK(log->verify().value() == std::nullopt);
}

TEST_CASE("stream versions stay right when the writer drops cached heads") {
  TempDir dir;
  auto log = open_log(dir.data(), LogOptions{.cached_stream_heads = 4});
  auto name = [](int i) {
    std::string s = "coupon-";
    return s += std::to_string(i);
  };
  auto exact = [](std::uint64_t v) { return ExpectedVersion::exact(StreamVersion(v)); };

  SUBCASE("heads read again from disk") {
    for (int i = 0; i < 10; ++i) REQUIRE(log->append(one_event(name(i))));
    for (int i = 0; i < 10; ++i)
      CHECK(log->append(to_stream(name(i), exact(1), {event("test.more")})).value().first ==
            Position(11 + i));
    auto stale = log->append(to_stream(name(0), exact(1), {event("test.more")}));
    REQUIRE_FALSE(stale);
    CHECK(stale.error().code == Code::version_conflict);
    auto exists =
        log->append(to_stream(name(3), ExpectedVersion::no_stream(), {event("test.new")}));
    REQUIRE_FALSE(exists);
    CHECK(exists.error().code == Code::version_conflict);
  }

  SUBCASE("heads of appends still in flight are kept") {
    // Three rounds over 200 streams, nothing awaited: each append expects the version the
    // one before it (probably still unwritten) leaves. Dropping a head with staged events
    // would read a stale version from disk and refuse the append.
    constexpr int kStreams = 200, kRounds = 3;
    std::vector<AppendRequest> requests;
    for (int round = 0; round < kRounds; ++round)
      for (int i = 0; i < kStreams; ++i)
        requests.push_back(to_stream(name(i), exact(round), {event("test.more")}));
    int refused = 0;
    for (const auto& answer : append_all_async(*log, std::move(requests)))
      refused += answer ? 0 : 1;
    CHECK(refused == 0);
    CHECK(log->stream_version(name(kStreams - 1)).value() == StreamVersion(kRounds));
  }
}

}  // namespace tally::eventstore
