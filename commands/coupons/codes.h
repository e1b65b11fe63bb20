// Coupon codes are bearer secrets (domain.md §1): streams, subjects, logs and metrics name a
// coupon by an id derived from its code with a keyed hash, so the log holds no code in the
// clear and a look-up needs no index: hash the code, read "coupon-<id>". Without the key (a
// data-dir secret, handled at the edge) an id reveals nothing and cannot be searched for.
// These functions do no I/O; the key and the random bytes come from the caller.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"

namespace tally::commands::coupons {

struct CouponKey {
  std::array<unsigned char, 32> bytes{};
};

// 32 lowercase hex characters: the first 128 bits of HMAC-SHA256(key, code). 128 bits keep
// an accidental collision (which would read as coupon_exists) out of reach.
std::string coupon_id_of(const CouponKey& key, std::string_view code);

// A generated code has this many characters, each from a 32-letter alphabet without look-alikes
// (Crockford's base32: no I, L, O, U): 100 random bits, above the 16 characters domain.md asks.
inline constexpr std::size_t kGeneratedCodeLength = 20;

// One character per random byte (its low 5 bits: 256 is a multiple of 32, so no bias);
// Code::invalid_argument for fewer than kGeneratedCodeLength bytes.
Result<std::string> generated_code(std::span<const unsigned char> random_bytes);

// The subject and field a coupon's sealed code is bound to (core/pii.h SealContext).
std::string coupon_subject(std::string_view coupon_id);  // "coupon:<id>"
inline constexpr std::string_view kCodeField = "coupon_code";

}  // namespace tally::commands::coupons
