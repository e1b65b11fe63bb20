#include "core/pii.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace tally {
namespace {

const SealContext kContext{"customer:C9", "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b", "email"};

std::string patterned(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i % 251);
  return s;
}

void check_refused(const Result<std::string>& opened) {
  REQUIRE_FALSE(opened.has_value());
  CHECK(opened.error().code == Code::decryption_failed);
}

TEST_CASE("a sealed field opens to its plaintext under the same key and context") {
  const SubjectKey key = SubjectKey::generate();
  for (const std::string& plain :
       {std::string(), std::string("ada@example.com"), patterned(10 * 1024)}) {
    CAPTURE(plain.size());
    const auto opened = open_sealed(key, kContext, seal(key, kContext, plain));
    REQUIRE(opened.has_value());
    CHECK(*opened == plain);
  }
}

TEST_CASE("a sealed field does not open under another subject's key") {
  const SubjectKey key = SubjectKey::generate();
  const SubjectKey other = SubjectKey::generate();
  check_refused(open_sealed(other, kContext, seal(key, kContext, "ada@example.com")));
}

TEST_CASE("a sealed field opens only in the subject, event and field it was sealed for") {
  const SubjectKey key = SubjectKey::generate();
  const std::string sealed = seal(key, kContext, "ada@example.com");
  // The same bytes split differently between the parts are another context.
  const std::string shifted_event = "9" + std::string(kContext.event_id);
  const std::vector<SealContext> others = {
      {"customer:C8", kContext.event_id, kContext.field},
      {kContext.subject, "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2c", kContext.field},
      {kContext.subject, kContext.event_id, "phone"},
      {"customer:C", shifted_event, kContext.field},
  };
  for (const SealContext& context : others) {
    CAPTURE(context.subject);
    CAPTURE(context.event_id);
    CAPTURE(context.field);
    check_refused(open_sealed(key, context, sealed));
  }
}

TEST_CASE("a sealed field with any single byte altered does not open") {
  const SubjectKey key = SubjectKey::generate();
  const std::string sealed = seal(key, kContext, "ada@example.com");
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xff}) {
      CAPTURE(i);
      CAPTURE(int(mask));
      std::string altered = sealed;
      altered[i] = static_cast<char>(altered[i] ^ mask);
      check_refused(open_sealed(key, kContext, altered));
    }
  }
}

TEST_CASE("sealing the same plaintext twice gives different bytes that hide the plaintext") {
  const SubjectKey key = SubjectKey::generate();
  const std::string plain = "ada.lovelace@example.com";
  const std::string first = seal(key, kContext, plain);
  const std::string second = seal(key, kContext, plain);
  CHECK(first != second);
  CHECK(first.substr(1, 12) != second.substr(1, 12));  // fresh nonce
  CHECK(first.find(plain) == std::string::npos);
  CHECK(second.find(plain) == std::string::npos);
  CHECK(first.find("ada.lovelace") == std::string::npos);
}

TEST_CASE("a sealed field is a version byte, a 12-byte nonce, the ciphertext and a 16-byte tag") {
  const SubjectKey key = SubjectKey::generate();
  for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 1000u}) {
    CAPTURE(n);
    const std::string sealed = seal(key, kContext, patterned(n));
    CHECK(sealed.size() == 1 + 12 + n + 16);
    CHECK(sealed[0] == '\x01');
  }
}

TEST_CASE("a truncated sealed field is refused without reading past its end") {
  const SubjectKey key = SubjectKey::generate();
  const std::string sealed = seal(key, kContext, "ada@example.com");
  for (std::size_t n = 0; n < sealed.size(); ++n) {
    CAPTURE(n);
    check_refused(open_sealed(key, kContext, std::string_view(sealed).substr(0, n)));
  }
}

TEST_CASE("a sealed field with an unknown version byte is refused") {
  const SubjectKey key = SubjectKey::generate();
  const std::string sealed = seal(key, kContext, "ada@example.com");
  for (char version : {'\x00', '\x02', '\xff'}) {
    CAPTURE(int(static_cast<unsigned char>(version)));
    std::string altered = sealed;
    altered[0] = version;
    check_refused(open_sealed(key, kContext, altered));
  }
}

TEST_CASE("generated subject keys differ from each other and from all zeros") {
  const SubjectKey a = SubjectKey::generate();
  const SubjectKey b = SubjectKey::generate();
  CHECK(a.bytes != b.bytes);
  CHECK(a.bytes != SubjectKey{}.bytes);
  CHECK(a.view().size() == 32);
  CHECK(a.view() == std::string_view(reinterpret_cast<const char*>(a.bytes.data()), 32));
}

}  // namespace
}  // namespace tally
