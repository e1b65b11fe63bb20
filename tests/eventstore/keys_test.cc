#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

#include "support.h"

namespace tally::eventstore {
using namespace test;

namespace {
// Every regular file under `dir` whose bytes contain `needle`.
std::vector<std::filesystem::path> files_containing(const std::filesystem::path& dir,
                                                    std::string_view needle) {
  std::vector<std::filesystem::path> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) found.push_back(entry.path());
  }
  return found;
}
}  // namespace

TEST_CASE("a subject's key is made once and found again after a reopen") {
  TempDir dir;
  SubjectKey first;
  {
    auto log = open_log(dir.data());
    CHECK(log->keys().get("customer:C1").error().code == Code::not_found);
    first = log->keys().get_or_create("customer:C1").value();
    CHECK(log->keys().get_or_create("customer:C1").value().bytes == first.bytes);
    CHECK(log->keys().get_or_create("customer:C2").value().bytes != first.bytes);
  }
  auto log = open_log(dir.data());
  CHECK(log->keys().get("customer:C1").value().bytes == first.bytes);
}

TEST_CASE("after destroy, no file under the data dir holds the key bytes") {
  TempDir dir;
  auto log = open_log(dir.data());
  const SubjectKey key = log->keys().get_or_create("customer:C9").value();
  REQUIRE(log->keys().get_or_create("customer:C10"));
  const SealContext ctx{"customer:C9", "event-1", "email"};
  const std::string sealed = seal(key, ctx, "c9@example.com");
  // Events sealed with the key, and enough traffic that the key store has flushed before.
  for (int i = 0; i < 50; ++i) REQUIRE(log->append(one_event("customer-C9", sealed)));
  for (int i = 0; i < 200; ++i)
    REQUIRE(log->keys().get_or_create("customer:filler-" + std::to_string(i)));

  // The scan can see the key while it exists, so its silence afterwards means something.
  REQUIRE_FALSE(files_containing(dir.data(), key.view()).empty());

  REQUIRE(log->keys().destroy("customer:C9"));
  CHECK(files_containing(dir.data(), key.view()).empty());
  CHECK(log->keys().get("customer:C9").error().code == Code::subject_erased);
  CHECK(log->keys().get_or_create("customer:C9").error().code == Code::subject_erased);
  CHECK(log->keys().get("customer:C10"));        // others are untouched
  CHECK(log->verify().value() == std::nullopt);  // the chain covers ciphertext, not keys
}

TEST_CASE("erasure is durable and destroying twice is harmless") {
  TempDir dir;
  {
    auto log = open_log(dir.data());
    REQUIRE(log->keys().get_or_create("recipient:abc"));
    REQUIRE(log->keys().destroy("recipient:abc"));
    CHECK(log->keys().destroy("recipient:abc"));
  }
  auto log = open_log(dir.data());
  CHECK(log->keys().get("recipient:abc").error().code == Code::subject_erased);
}

TEST_CASE("an erasure's pending record outlives a reopen until it is settled") {
  TempDir dir;
  {
    auto log = open_log(dir.data());
    REQUIRE(log->keys().get_or_create("customer:C1"));
    REQUIRE(log->keys().get_or_create("customer:C2"));
    REQUIRE(log->keys().destroy("customer:C1", "who and why"));
    REQUIRE(log->keys().destroy("customer:C2"));  // nothing pending: not listed
  }
  auto log = open_log(dir.data());
  auto unsettled = log->keys().unsettled_erasures();
  REQUIRE(unsettled);
  REQUIRE(unsettled->size() == 1);
  CHECK((*unsettled)[0].first == "customer:C1");
  CHECK((*unsettled)[0].second == "who and why");
  CHECK(log->keys().get("customer:C1").error().code == Code::subject_erased);
  REQUIRE(log->keys().settle_erasure("customer:C1"));
  CHECK(log->keys().unsettled_erasures()->empty());
  CHECK(log->keys().get("customer:C1").error().code == Code::subject_erased);
}

}  // namespace tally::eventstore
