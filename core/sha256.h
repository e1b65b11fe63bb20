// SHA-256 and HMAC-SHA256 (OpenSSL), for the log's hash chain, fingerprints of requests and
// keyed ids (coupon codes).
#pragma once

#include <array>
#include <initializer_list>
#include <string>
#include <string_view>

namespace tally {

using Digest = std::array<unsigned char, 32>;

// Hashes the concatenation of the parts, as if they were one buffer.
Digest sha256(std::initializer_list<std::string_view> parts);

// HMAC-SHA256(key, data) (RFC 2104).
Digest hmac_sha256(std::string_view key, std::string_view data);

// 64 lowercase hex characters.
std::string to_hex(const Digest& digest);

}  // namespace tally
