#include "core/ids.h"

#include <openssl/rand.h>
#include <pthread.h>

#include <array>
#include <cstring>
#include <stdexcept>

namespace tally {
namespace {

// RAND_bytes takes a process-wide lock on every call: with many threads minting event ids it
// was a tenth of an append's cost. Ids need unpredictable bits, not a call per id, so each
// thread draws them from its own block of RAND_bytes output.
class RandomBlock {
 public:
  void take(unsigned char* out, std::size_t n) {
    if (used_ + n > block_.size()) {
      if (RAND_bytes(block_.data(), static_cast<int>(block_.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");
      used_ = 0;
    }
    std::memcpy(out, block_.data() + used_, n);
    used_ += n;
  }
  void discard() { used_ = block_.size(); }

 private:
  std::array<unsigned char, 4000> block_{};
  std::size_t used_ = block_.size();
};

thread_local RandomBlock t_random;

// A forked child must not mint the ids its parent's block still holds.
[[maybe_unused]] const int kForkGuard =
    pthread_atfork(nullptr, nullptr, [] { t_random.discard(); });

}  // namespace

std::string new_uuid_v7(std::uint64_t unix_millis) {
  std::array<unsigned char, 16> b{};
  t_random.take(b.data() + 6, 10);
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
