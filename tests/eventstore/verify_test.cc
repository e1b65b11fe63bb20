#include <doctest/doctest.h>

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

std::optional<Position> verify(const std::filesystem::path& dir) {
  return open_log(dir)->verify().value();
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
  TempDir dir;
  fill(dir.data(), 10);
  REQUIRE(testing::rewrite_stored_event(dir.data(), Position(6),
                                        [](RecordedEvent& e) { e.payload = "forged"; }));
  CHECK(verify(dir.data()) == Position(6));
}

TEST_CASE("a forger who re-hashes an altered event still breaks the link to the next one") {
  TempDir dir;
  fill(dir.data(), 10);
  REQUIRE(testing::rewrite_stored_event(dir.data(), Position(4), [](RecordedEvent& e) {
    e.actor = "mallory";
    e.hash = codec::chain_hash(e);
  }));
  CHECK(verify(dir.data()) == Position(5));
}

TEST_CASE("the last event, when altered, is caught too") {
  TempDir dir;
  fill(dir.data(), 3);
  REQUIRE(testing::rewrite_stored_event(dir.data(), Position(3),
                                        [](RecordedEvent& e) { e.type = "other.type"; }));
  CHECK(verify(dir.data()) == Position(3));
}

TEST_CASE("verify catches a broken link, a reordered version and a bad recorded time") {
  SUBCASE("prev_hash") {
    TempDir dir;
    fill(dir.data(), 6);
    REQUIRE(testing::rewrite_stored_event(dir.data(), Position(3),
                                          [](RecordedEvent& e) { e.prev_hash[0] ^= 1; }));
    CHECK(verify(dir.data()) == Position(3));
  }
  SUBCASE("stream version") {
    TempDir dir;
    fill(dir.data(), 6);
    REQUIRE(testing::rewrite_stored_event(dir.data(), Position(5),
                                          [](RecordedEvent& e) { e.version = StreamVersion(9); }));
    CHECK(verify(dir.data()) == Position(5));
  }
  SUBCASE("recorded_at") {
    TempDir dir;
    fill(dir.data(), 6);
    REQUIRE(testing::rewrite_stored_event(dir.data(), Position(2), [](RecordedEvent& e) {
      e.recorded_at += std::chrono::seconds(1);
    }));
    CHECK(verify(dir.data()) == Position(2));
  }
}

}  // namespace tally::eventstore
