#include "core/sha256.h"

#include <doctest/doctest.h>

#include <string>

namespace tally {
namespace {

TEST_CASE("sha256 matches the FIPS 180-2 test vectors") {
  CHECK(to_hex(sha256({""})) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(to_hex(sha256({"abc"})) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(to_hex(sha256({"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"})) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(to_hex(sha256({std::string(1000000, 'a')})) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 of several parts equals sha256 of their concatenation") {
  CHECK(sha256({"a", "bc"}) == sha256({"abc"}));
  CHECK(sha256({"", "abc", ""}) == sha256({"abc"}));
  CHECK(sha256({"a", "b", "c"}) == sha256({"abc"}));
  CHECK(sha256({}) == sha256({""}));
  CHECK(sha256({"a", "bc"}) != sha256({"a", "bd"}));
}

TEST_CASE("sha256 gives the same digest on every call") {
  // The hashing context is reused between calls; no state may leak from one call to the next.
  const Digest first = sha256({"event-1"});
  CHECK(sha256({"something else"}) != first);
  CHECK(sha256({"event-1"}) == first);
}

TEST_CASE("to_hex gives 64 lowercase hex characters, high nibble first") {
  const std::string hex = to_hex(sha256({"abc"}));
  CHECK(hex.size() == 64);
  CHECK(hex.find_first_not_of("0123456789abcdef") == std::string::npos);

  Digest digest{};
  digest[0] = 0x01;
  digest[1] = 0xab;
  digest[31] = 0xf0;
  CHECK(to_hex(digest) == "01ab" + std::string(58, '0') + "f0");
}

}  // namespace
}  // namespace tally
