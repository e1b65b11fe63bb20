#include "core/ids.h"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace tally {

std::string new_uuid_v7(std::uint64_t unix_millis) {
  std::array<unsigned char, 16> b{};
  if (RAND_bytes(b.data() + 6, 10) != 1) throw std::runtime_error("RAND_bytes failed");
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(unix_millis >> (8 * (5 - i)));
  b[6] = static_cast<unsigned char>(0x70 | (b[6] & 0x0f));  // version 7
  b[8] = static_cast<unsigned char>(0x80 | (b[8] & 0x3f));  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0f]);
  }
  return out;
}

}  // namespace tally
