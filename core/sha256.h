// SHA-256 (OpenSSL), for the log's hash chain and for fingerprints of requests.
#pragma once

#include <array>
#include <initializer_list>
#include <string>
#include <string_view>

namespace tally {

using Digest = std::array<unsigned char, 32>;

// Hashes the concatenation of the parts, as if they were one buffer.
Digest sha256(std::initializer_list<std::string_view> parts);

// 64 lowercase hex characters.
std::string to_hex(const Digest& digest);

}  // namespace tally
