// The server's side of "coupon codes are bearer secrets" (domain.md §1, commands/coupons/codes.h):
// the two data-dir secrets that turn a code into its internal id and seal it in coupon.issued,
// and the look-up throttle behind the Throttle hook (api/auth.h).
//
// Where the secrets live: in the subject key store (eventstore/keys.h, DIR/keys) under the
// reserved subjects "system:coupon-id-key" (HMAC of codes into ids) and "system:coupon-seal-key"
// (AES-256-GCM of the codes themselves). Why there and not in a file beside admin.key: the key
// store already is the data dir's durable secret store (synced on creation, never in the log,
// kept apart so nothing else copies it), it makes the key on first use under its own lock, and
// a backup of the data dir carries it with the log whose ids depend on it. Two keys, not one:
// the same bytes are never used both as an HMAC key and as an AES key. The "system:" prefix is
// not a subject kind of api.md (customer:, recipient:), so no erasure request names it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "api/auth.h"
#include "commands/coupons/codes.h"
#include "commands/coupons/lookup_throttle.h"
#include "core/pii.h"
#include "core/result.h"
#include "eventstore/keys.h"

namespace tally::api {

inline constexpr std::string_view kCouponIdSubject = "system:coupon-id-key";
inline constexpr std::string_view kCouponSealSubject = "system:coupon-seal-key";

class CouponCodes {
 public:
  // Reads (or makes, on first start) both keys.
  static Result<CouponCodes> load(eventstore::KeyStore& keys);

  std::string id_of(std::string_view code) const;
  std::string seal(std::string_view coupon_id, std::string_view event_id,
                   std::string_view code) const;
  Result<std::string> open(std::string_view coupon_id, std::string_view event_id,
                           std::string_view sealed) const;
  // kGeneratedCodeLength characters from OpenSSL's CSPRNG; empty if it failed.
  static std::string generate();

 private:
  commands::coupons::CouponKey id_key_;
  SubjectKey seal_key_;
};

// The Throttle hook over the domain's LookupThrottle: 20 failed look-ups within 60 s (a sliding
// window, domain.md §1) refuse the key for 60 s, on the server's clock. Per key id and action.
class CouponLookupThrottle final : public Throttle {
 public:
  explicit CouponLookupThrottle(const Clock& clock) : clock_(clock) {}
  std::optional<std::chrono::seconds> refused(const Principal& caller,
                                              std::string_view action) override;
  void record_failure(const Principal& caller, std::string_view action) override;

 private:
  const Clock& clock_;
  commands::coupons::LookupThrottle throttle_;
};

}  // namespace tally::api
