#include "core/ids.h"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace tally {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // not lowercase hex
}

// The first 48 bits of the id (its first 12 hex digits), as a number.
std::uint64_t leading_millis(const std::string& id) {
  std::string hex = id.substr(0, 8) + id.substr(9, 4);
  return std::stoull(hex, nullptr, 16);
}

TEST_CASE("a new uuid v7 is 36 lowercase hex characters in 8-4-4-4-12 groups") {
  for (int i = 0; i < 100; ++i) {
    const std::string id = new_uuid_v7(1764063000000);
    CAPTURE(id);
    REQUIRE(id.size() == 36);
    for (std::size_t j = 0; j < id.size(); ++j) {
      CAPTURE(j);
      if (j == 8 || j == 13 || j == 18 || j == 23) {
        CHECK(id[j] == '-');
      } else {
        CHECK(hex_digit(id[j]) >= 0);
      }
    }
  }
}

TEST_CASE("a new uuid v7 carries version 7 and the RFC 4122 variant") {
  for (int i = 0; i < 100; ++i) {
    const std::string id = new_uuid_v7(1764063000000);
    CAPTURE(id);
    CHECK(id[14] == '7');
    CHECK((hex_digit(id[19]) & 0xc) == 0x8);  // variant bits 10xx
  }
}

TEST_CASE("a new uuid v7 starts with the given unix milliseconds") {
  for (std::uint64_t millis : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1764063000000},
                               std::uint64_t{0x0123456789ab}, std::uint64_t{0xffffffffffff}}) {
    CAPTURE(millis);
    CHECK(leading_millis(new_uuid_v7(millis)) == millis);
  }
}

TEST_CASE("uuids made at increasing milliseconds sort increasingly as strings") {
  std::vector<std::string> ids;
  for (std::uint64_t millis : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{0xff},
                               std::uint64_t{0x100}, std::uint64_t{1764063000000},
                               std::uint64_t{1764063000001}, std::uint64_t{0xffffffffffff}}) {
    ids.push_back(new_uuid_v7(millis));
  }
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
}

TEST_CASE("10000 uuids made in the same millisecond are all different") {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(new_uuid_v7(1764063000000));
  CHECK(ids.size() == 10000);
}

TEST_CASE("ids minted on many threads at once are all different") {
  constexpr int kThreads = 8, kEach = 2000;  // each thread refills its random block several times
  std::vector<std::vector<std::string>> minted(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&minted, t] {
      for (int i = 0; i < kEach; ++i) minted[t].push_back(new_uuid_v7(1764063000000));
    });
  for (auto& t : threads) t.join();
  std::set<std::string> ids;
  for (const auto& m : minted) ids.insert(m.begin(), m.end());
  CHECK(ids.size() == std::size_t{kThreads} * kEach);
}

TEST_CASE("a forked child does not mint the ids its parent mints next") {
  (void)new_uuid_v7(1764063000000);  // the parent's random block now holds unused bits
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const std::string id = new_uuid_v7(1764063000000);
    _exit(write(fds[1], id.data(), id.size()) == static_cast<ssize_t>(id.size()) ? 0 : 1);
  }
  close(fds[1]);
  const std::string parent = new_uuid_v7(1764063000000);
  std::string from_child(36, '\0');
  CHECK(read(fds[0], from_child.data(), from_child.size()) == 36);
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(from_child != parent);
}

TEST_CASE("positions and stream versions start at 0, order by value and step by one") {
  CHECK(Position().value == 0);
  CHECK(StreamVersion().value == 0);
  CHECK(Position(7).next() == Position(8));
  CHECK(StreamVersion().next() == StreamVersion(1));
  const Position p(3);
  CHECK(p.next().value == 4);
  CHECK(p.value == 3);  // next() does not move the original
  CHECK(Position(1) < Position(2));
  CHECK(Position(2) > Position(1));
  CHECK(Position(2) == Position(2));
  CHECK(Position(2) != Position(3));
  CHECK(StreamVersion(10) > StreamVersion(9));
}

TEST_CASE("positions, stream versions and raw integers do not convert into each other") {
  CHECK_FALSE(std::is_convertible_v<std::uint64_t, Position>);
  CHECK_FALSE(std::is_convertible_v<Position, StreamVersion>);
  CHECK_FALSE(std::is_convertible_v<StreamVersion, Position>);
  CHECK_FALSE(std::is_convertible_v<Position, std::uint64_t>);
}

}  // namespace
}  // namespace tally
