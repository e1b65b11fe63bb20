#include "commands/coupons/codes.h"

#include "core/sha256.h"

namespace tally::commands::coupons {

std::string coupon_id_of(const CouponKey& key, std::string_view code) {
  const Digest mac =
      hmac_sha256({reinterpret_cast<const char*>(key.bytes.data()), key.bytes.size()}, code);
  return to_hex(mac).substr(0, 32);
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
