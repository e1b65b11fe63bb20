#include "commands/coupons/codes.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace tally::commands::coupons {

std::string coupon_id_of(const CouponKey& key, std::string_view code) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.bytes.data(), static_cast<int>(key.bytes.size()),
       reinterpret_cast<const unsigned char*>(code.data()), code.size(), mac, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned int i = 0; i < 16 && i < length; ++i) {
    id.push_back(kHex[mac[i] >> 4]);
    id.push_back(kHex[mac[i] & 0xf]);
  }
  return id;
}

Result<std::string> generated_code(std::span<const unsigned char> random_bytes) {
  static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  static_assert(kAlphabet.size() == 32);
  if (random_bytes.size() < kGeneratedCodeLength)
    return fail(Code::invalid_argument,
                "a generated code needs " + std::to_string(kGeneratedCodeLength) + " random bytes");
  std::string code;
  for (std::size_t i = 0; i < kGeneratedCodeLength; ++i)
    code.push_back(kAlphabet[random_bytes[i] & 31]);
  return code;
}

std::string coupon_subject(std::string_view coupon_id) {
  return "coupon:" + std::string(coupon_id);
}

}  // namespace tally::commands::coupons
