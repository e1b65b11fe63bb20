#include <doctest/doctest.h>

#include <functional>

#include "eventstore/codec.h"
#include "eventstore/testing.h"
#include "support.h"

namespace tally::eventstore {
using namespace test;

namespace {
void fill(const std::filesystem::path& dir, int events) {
  auto log = open_log(dir);
  for (int i = 0; i < events; ++i)
    REQUIRE(log->append(one_event("s-" + std::to_string(i % 3), "payload-" + std::to_string(i))));
}

// As `tally verify` opens it: read-only.
std::unique_ptr<Log> open_to_verify(const std::filesystem::path& dir) {
  return open_log(dir, LogOptions{.create_if_missing = false, .read_only = true});
}

std::optional<Position> verify(const std::filesystem::path& dir) {
  return open_to_verify(dir)->verify().value();
}

// Fills a fresh log with `events`, edits the stored event at `position`, and verifies.
std::optional<Position> verify_after_tampering(int events, Position position,
                                               const std::function<void(RecordedEvent&)>& edit) {
  TempDir dir;
  fill(dir.data(), events);
  REQUIRE(testing::rewrite_stored_event(dir.data(), position, edit));
  return verify(dir.data());
}
}  // namespace

TEST_CASE("the hash chain links every event to the one before it") {
  TempDir dir;
  fill(dir.data(), 5);
  auto log = open_log(dir.data());
  auto all = log->read_all(Position(1), 10).value();
  CHECK(all[0].prev_hash == std::string(64, '0'));
  for (std::size_t i = 1; i < all.size(); ++i) CHECK(all[i].prev_hash == all[i - 1].hash);
  for (const auto& e : all) {
    CHECK(e.hash.size() == 64);
    CHECK(e.hash.find_first_not_of("0123456789abcdef") == std::string::npos);
  }
  CHECK(log->verify().value() == std::nullopt);
}

TEST_CASE("verify names the first position whose stored payload was altered") {
  CHECK(verify_after_tampering(10, Position(6), [](RecordedEvent& e) { e.payload = "forged"; }) ==
        Position(6));
}

TEST_CASE("a forger who re-hashes an altered event still breaks the link to the next one") {
  CHECK(verify_after_tampering(10, Position(4), [](RecordedEvent& e) {
          e.actor = "mallory";
          e.hash = codec::chain_hash(e);
        }) == Position(5));
}

TEST_CASE("the last event, when altered, is caught too") {
  CHECK(verify_after_tampering(3, Position(3), [](RecordedEvent& e) { e.type = "other.type"; }) ==
        Position(3));
}

TEST_CASE("verify catches a broken link, a reordered version and a bad recorded time") {
  SUBCASE("prev_hash") {
    CHECK(verify_after_tampering(6, Position(3), [](RecordedEvent& e) { e.prev_hash[0] ^= 1; }) ==
          Position(3));
  }
  SUBCASE("stream version") {
    CHECK(verify_after_tampering(6, Position(5), [](RecordedEvent& e) {
            e.version = StreamVersion(9);
          }) == Position(5));
  }
  SUBCASE("recorded_at") {
    CHECK(verify_after_tampering(6, Position(2), [](RecordedEvent& e) {
            e.recorded_at += std::chrono::seconds(1);
          }) == Position(2));
  }
}

TEST_CASE("a disk that damaged the log's files is found: an event by its position, else how") {
  SUBCASE("events the disk cannot give back: the first position not confirmed") {
    TempDir dir;
    fill(dir.data(), 300);
    REQUIRE(testing::flush_log(dir.data()));  // 1..300 in a file of their own
    fill(dir.data(), 300);
    REQUIRE(testing::damage_family_file(dir.data(), "events"));  // 301..600's first block
    auto log = open_to_verify(dir.data());
    const auto bad = log->verify();
    REQUIRE(bad);
    // Both files are level 0 and merged, so the scan stops before confirming any event: the
    // answer is the first position not confirmed (the damage is there or later), not an error.
    REQUIRE(*bad);
    CHECK(**bad <= Position(301));
  }
  SUBCASE("a read that meets the damage fails, and the log tells of it") {
    TempDir dir;
    fill(dir.data(), 300);
    REQUIRE(testing::flush_log(dir.data()));
    fill(dir.data(), 300);
    REQUIRE(testing::damage_family_file(dir.data(), "events"));
    std::vector<Error> told;
    auto log =
        open_log(dir.data(), LogOptions{.on_damage = [&](const Error& e) { told.push_back(e); }});
    CHECK_FALSE(log->damage_seen());  // not before a read meets it
    auto read = log->read_all(Position(301), 10);
    REQUIRE_FALSE(read);
    CHECK(read.error().code == Code::corruption);
    CHECK(log->damage_seen());
    REQUIRE(told.size() == 1);
    CHECK(told[0].code == Code::corruption);
    CHECK_FALSE(log->read_stream("s-1", StreamVersion(101), 5));  // 101 is at 302, in the block
    CHECK(told.size() == 2);
  }
  SUBCASE("damage to the stream index is corruption, not a bad event") {
    TempDir dir;
    fill(dir.data(), 300);
    REQUIRE(testing::damage_family_file(dir.data(), "streams"));
    auto log = open_to_verify(dir.data());
    const auto bad = log->verify();
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == Code::corruption);
    CHECK(bad.error().message.find("stream index") != std::string::npos);
  }
  SUBCASE("damage to the idempotency records is corruption, though the chain holds") {
    TempDir dir;
    {
      auto log = open_log(dir.data());
      auto r = one_event("s-1");
      r.idempotency = Idempotency{"S1/T1", "fp", "outcome"};
      REQUIRE(log->append(r));
    }
    REQUIRE(testing::damage_family_file(dir.data(), "outcomes"));
    {
      auto log = open_to_verify(dir.data());
      const auto bad = log->verify();
      REQUIRE_FALSE(bad);
      CHECK(bad.error().code == Code::corruption);
    }
    // An append that reads the damaged record to stage itself fails, and is told of too.
    std::vector<Error> told;
    auto log =
        open_log(dir.data(), LogOptions{.on_damage = [&](const Error& e) { told.push_back(e); }});
    auto r = one_event("s-1");
    r.idempotency = Idempotency{"S1/T1", "fp", "outcome"};
    auto again = log->append(r);
    REQUIRE_FALSE(again);
    CHECK(again.error().code == Code::corruption);
    CHECK(told.size() == 1);
    CHECK(log->damage_seen());
  }
}

}  // namespace tally::eventstore
