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

TEST_CASE("hmac_sha256 matches the RFC 4231 test vectors, also when keys change between calls") {
  // The context is reused per thread and re-keyed on every call: alternate the keys.
  for (int round = 0; round < 2; ++round) {
    CHECK(to_hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")) ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    CHECK(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // A key longer than the block is hashed first.
    CHECK(to_hex(hmac_sha256(std::string(131, '\xaa'),
                             "Test Using Larger Than Block-Size Key - Hash Key First")) ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  }
  CHECK(to_hex(hmac_sha256("", "")) ==
        "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
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
