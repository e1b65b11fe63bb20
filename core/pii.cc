#include "core/pii.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdint>
#include <memory>
#include <stdexcept>

namespace tally {
namespace {

constexpr unsigned char kVersion = 0x01;
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// Length-prefixed so that ("ab","c") and ("a","bc") give different associated data.
std::string associated_data(const SealContext& c) {
  std::string aad;
  for (std::string_view part : {c.subject, c.event_id, c.field}) {
    const auto n = static_cast<std::uint32_t>(part.size());
    for (int i = 3; i >= 0; --i) aad.push_back(static_cast<char>(n >> (8 * i)));
    aad.append(part);
  }
  return aad;
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

SubjectKey SubjectKey::generate() {
  SubjectKey key;
  if (RAND_bytes(key.bytes.data(), static_cast<int>(key.bytes.size())) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return key;
}

std::string seal(const SubjectKey& key, const SealContext& context, std::string_view plaintext) {
  const std::string aad = associated_data(context);
  std::string out(1 + kNonceSize + plaintext.size() + kTagSize, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  o[0] = kVersion;
  unsigned char* nonce = o + 1;
  unsigned char* body = nonce + kNonceSize;
  if (RAND_bytes(nonce, kNonceSize) != 1) throw std::runtime_error("RAND_bytes failed");

  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  bool ok = ctx &&
            EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes.data(), nonce) == 1;
  ok = ok && EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), int(aad.size())) == 1;
  ok = ok && EVP_EncryptUpdate(ctx.get(), body, &len, bytes(plaintext), int(plaintext.size())) == 1;
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), body + len, &len) == 1;
  ok = ok &&
       EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, body + plaintext.size()) == 1;
  if (!ok) throw std::runtime_error("OpenSSL AES-256-GCM encryption failed");
  return out;
}

Result<std::string> open_sealed(const SubjectKey& key, const SealContext& context,
                                std::string_view sealed) {
  if (sealed.size() < 1 + kNonceSize + kTagSize || sealed[0] != char(kVersion))
    return fail(Code::decryption_failed, "not a sealed field");
  const std::string aad = associated_data(context);
  const auto* nonce = bytes(sealed) + 1;
  const std::size_t body_size = sealed.size() - 1 - kNonceSize - kTagSize;
  const auto* body = nonce + kNonceSize;
  std::string tag(sealed.substr(sealed.size() - kTagSize));
  std::string plain(body_size, '\0');
  auto* p = reinterpret_cast<unsigned char*>(plain.data());

  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  bool ok = ctx &&
            EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes.data(), nonce) == 1;
  ok = ok && EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), int(aad.size())) == 1;
  ok = ok && EVP_DecryptUpdate(ctx.get(), p, &len, body, int(body_size)) == 1;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) == 1;
  ok = ok && EVP_DecryptFinal_ex(ctx.get(), p + len, &len) == 1;
  if (!ok) return fail(Code::decryption_failed, "sealed field does not open under this key");
  return plain;
}

}  // namespace tally
