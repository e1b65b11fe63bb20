#include "core/sha256.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <stdexcept>

namespace tally {

Digest sha256(std::initializer_list<std::string_view> parts) {
  // EVP contexts are reused per thread: creating one costs more than hashing a small event.
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                           &EVP_MD_CTX_free);
  // Fetched once: EVP_sha256() makes every init fetch the implementation again, under a
  // process-wide lock, and the log hashes each event while holding its staging mutex.
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  Digest out{};
  unsigned int len = 0;
  bool ok = kSha256 && ctx && EVP_DigestInit_ex(ctx.get(), kSha256, nullptr) == 1;
  for (auto part : parts) ok = ok && EVP_DigestUpdate(ctx.get(), part.data(), part.size()) == 1;
  ok = ok && EVP_DigestFinal_ex(ctx.get(), out.data(), &len) == 1;
  if (!ok) throw std::runtime_error("OpenSSL SHA-256 failed");
  return out;
}

Digest hmac_sha256(std::string_view key, std::string_view data) {
  // The one-shot HMAC() fetches the MAC and the digest again on every call, under a
  // process-wide lock; coupon look-ups take one per request. Here both are fetched once per
  // thread, and each call only sets the key.
  using Ctx = std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)>;
  thread_local Ctx ctx = [] {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    Ctx c(mac ? EVP_MAC_CTX_new(mac) : nullptr, &EVP_MAC_CTX_free);
    EVP_MAC_free(mac);  // the context holds its own reference
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_END};
    if (c && EVP_MAC_CTX_set_params(c.get(), params) != 1) c.reset();
    return c;
  }();
  Digest out{};
  std::size_t len = 0;
  const bool ok = ctx &&
                  EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()),
                               key.size(), nullptr) == 1 &&
                  EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()),
                                 data.size()) == 1 &&
                  EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) == 1 && len == out.size();
  if (!ok) throw std::runtime_error("OpenSSL HMAC-SHA256 failed");
  return out;
}

std::string to_hex(const Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (unsigned char c : digest) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0x0f]);
  }
  return out;
}

}  // namespace tally
