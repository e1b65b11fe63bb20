// PII encryption (domain.md §6): every PII field is sealed with its subject's key before it is
// written to the log, so destroying the key erases the field everywhere the event was copied.
//
// Sealed form: version byte 0x01 ‖ 12-byte random nonce ‖ AES-256-GCM ciphertext ‖ 16-byte tag.
// The associated data binds a ciphertext to its subject, event and field, so a sealed field
// copied into another event or another subject's record does not open.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/result.h"

namespace tally {

struct SubjectKey {
  std::array<unsigned char, 32> bytes{};

  // 256 random bits from OpenSSL's CSPRNG.
  static SubjectKey generate();
  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
};

// What a sealed field is bound to. All three must match when it is opened.
struct SealContext {
  std::string_view subject;   // "customer:C9"
  std::string_view event_id;  // the event the field is written in
  std::string_view field;     // "email"
};

std::string seal(const SubjectKey& key, const SealContext& context, std::string_view plaintext);

// Code::decryption_failed when the bytes were altered, the key is another subject's, or the
// context differs from the one used to seal.
Result<std::string> open_sealed(const SubjectKey& key, const SealContext& context,
                                std::string_view sealed);

}  // namespace tally
