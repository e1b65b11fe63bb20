#include "core/sha256.h"

#include <openssl/evp.h>

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
