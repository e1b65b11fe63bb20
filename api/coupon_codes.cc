#include "api/coupon_codes.h"

#include <openssl/rand.h>

#include <array>

namespace tally::api {

namespace coupons = commands::coupons;

Result<CouponCodes> CouponCodes::load(eventstore::KeyStore& keys) {
  auto id_key = keys.get_or_create(kCouponIdSubject);
  if (!id_key) return tl::unexpected(id_key.error());
  auto seal_key = keys.get_or_create(kCouponSealSubject);
  if (!seal_key) return tl::unexpected(seal_key.error());
  CouponCodes codes;
  codes.id_key_.bytes = id_key->bytes;
  codes.seal_key_ = *seal_key;
  return codes;
}

std::string CouponCodes::id_of(std::string_view code) const {
  return coupons::coupon_id_of(id_key_, code);
}

std::string CouponCodes::seal(std::string_view coupon_id, std::string_view event_id,
                              std::string_view code) const {
  const std::string subject = coupons::coupon_subject(coupon_id);
  return tally::seal(seal_key_, {subject, event_id, coupons::kCodeField}, code);
}

Result<std::string> CouponCodes::open(std::string_view coupon_id, std::string_view event_id,
                                      std::string_view sealed) const {
  const std::string subject = coupons::coupon_subject(coupon_id);
  return open_sealed(seal_key_, {subject, event_id, coupons::kCodeField}, sealed);
}

std::string CouponCodes::generate() {
  std::array<unsigned char, coupons::kGeneratedCodeLength> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return {};
  auto code = coupons::generated_code(bytes);
  return code ? *code : std::string();
}

std::optional<std::chrono::seconds> CouponLookupThrottle::refused(const Principal& caller,
                                                                  std::string_view action) {
  const auto left = throttle_.refused(caller.key_id + "/" + std::string(action), clock_.now());
  if (!left) return std::nullopt;
  // Rounded up, so a client that waits Retry-After seconds is let in.
  return std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(*left));
}

void CouponLookupThrottle::record_failure(const Principal& caller, std::string_view action) {
  throttle_.failed(caller.key_id + "/" + std::string(action), clock_.now());
}

}  // namespace tally::api
