// Coupon events through their protobuf payloads, the payloads as JSON, coupon ids and codes,
// and the product catalogue.
#include <doctest/doctest.h>

#include <vector>

#include "commands/coupons/catalogue.h"
#include "commands/coupons/codes.h"
#include "commands/coupons/coupons.h"
#include "core/payload_json.h"

namespace tally::commands::coupons {
namespace {

using namespace std::chrono_literals;

const Timestamp kNow = Timestamp(std::chrono::hours(24 * 20000 + 12));

eventstore::RecordedEvent recorded(const eventstore::NewEvent& e) {
  eventstore::RecordedEvent r;
  r.type = e.type;
  r.payload = e.payload;
  r.event_id = e.event_id;
  return r;
}

template <class E>
E round_trip(const E& in) {
  auto out = Coupons::decode(recorded(Coupons::encode(in)));
  REQUIRE(out);
  return std::get<E>(*out);
}

TEST_CASE("coupon events survive encode and decode") {
  const CouponIssued issued{"e-1",
                            "c1",
                            CouponKind::exchange,
                            500,
                            "coffee",
                            kNow + 1h,
                            "cust-1",
                            std::string("\x01\x00sealed", 8),
                            kNow};
  const auto i = round_trip(issued);
  CHECK(i.event_id == "e-1");
  CHECK(i.kind == CouponKind::exchange);
  CHECK(i.face_value == 500);
  CHECK(i.product_id == "coffee");
  CHECK(i.expires_at == kNow + 1h);
  CHECK(i.customer_id == "cust-1");
  CHECK(i.sealed_code == issued.sealed_code);
  CHECK(i.issued_at == kNow);
  CHECK(Coupons::encode(issued).event_id == "e-1");  // the id the sealed code is bound to

  const auto r = round_trip(CouponRedeemed{"S1", "T1", 300, "tea", 120, 700, kNow});
  CHECK(r.store_id == "S1");
  CHECK(r.transaction_id == "T1");
  CHECK(r.amount == 300);
  CHECK(r.product_price == 120);
  CHECK(r.balance_after == 700);
  CHECK(r.redeemed_at == kNow);

  const auto v = round_trip(CouponRedemptionRefunded{"R1", "S1", "T1", 300, 1000, kNow});
  CHECK(v.refund_id == "R1");
  CHECK(v.amount == 300);
  CHECK(v.balance_after == 1000);
  CHECK(round_trip(CouponRefunded{"R2", "S1", 1000, kNow}).amount == 1000);
  CHECK(round_trip(CouponExpired{kNow}).expired_at == kNow);
}

TEST_CASE("every coupon event renders as JSON by its type") {
  const std::vector<CouponEvent> events{
      CouponIssued{"e", "c1", CouponKind::balance, 10, "", kNow, "", "s", kNow},
      CouponRedeemed{"S1", "T1", 1, "", 0, 9, kNow},
      CouponRedemptionRefunded{"", "S1", "T1", 1, 10, kNow}, CouponRefunded{"", "S1", 10, kNow},
      CouponExpired{kNow}};
  for (const auto& e : events) {
    const auto encoded = Coupons::encode(e);
    auto json = payload_json(encoded.type, encoded.payload);
    REQUIRE_MESSAGE(json, encoded.type);
    CHECK(json->is_object());
  }
  const auto priced = Catalogue::encode(Catalogue::ProductPriced{"p1", "Tea", 120, kNow});
  auto json = payload_json(priced.type, priced.payload);
  REQUIRE(json);
  CHECK((*json)["name"] == "Tea");
}

TEST_CASE("a payload that is not a coupon event is corruption, not a crash") {
  eventstore::RecordedEvent r;
  r.type = "coupon.redeemed";
  for (std::string payload : {"\x08", "{not proto"}) {
    r.payload = payload;
    auto out = Coupons::decode(r);
    REQUIRE_FALSE(out);
    CHECK(out.error().code == Code::corruption);
  }
  r.type = "coupon.issued";
  r.payload = Coupons::encode(CouponExpired{kNow}).payload;  // parses, but no kind
  CHECK(Coupons::decode(r).error().code == Code::corruption);
  r.type = "coupon.doubled";
  CHECK(Coupons::decode(r).error().code == Code::corruption);
}

TEST_CASE("a coupon id is a keyed hash of the code: stable, keyed, and not the code") {
  CouponKey key, other;
  key.bytes.fill(7);
  other.bytes.fill(8);
  const auto id = coupon_id_of(key, "SECRET-CODE-1");
  // The first 128 bits of HMAC-SHA256, in hex: stored streams are named by it, so it never
  // changes (Python: hmac.new(bytes([7] * 32), b"SECRET-CODE-1", sha256).hexdigest()[:32]).
  CHECK(id == "7ca6876e086506125e5ade6cc72ef30e");
  CHECK(id == coupon_id_of(key, "SECRET-CODE-1"));
  CHECK(id != coupon_id_of(key, "SECRET-CODE-2"));
  CHECK(id != coupon_id_of(other, "SECRET-CODE-1"));
  CHECK(id.find("SECRET") == std::string::npos);
  CHECK(Coupons::stream(RedeemCoupon{id, "S1", "T1", 1, "", {}, kNow}) == "coupon-" + id);
  CHECK(coupon_subject(id) == "coupon:" + id);
}

TEST_CASE("a generated code has 20 characters of the alphabet, one per random byte") {
  std::vector<unsigned char> bytes(kGeneratedCodeLength);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 37);
  auto code = generated_code(bytes);
  REQUIRE(code);
  CHECK(code->size() >= 16);
  CHECK(code->size() == kGeneratedCodeLength);
  CHECK(code->find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ") == std::string::npos);
  bytes[0] ^= 1;
  CHECK(*generated_code(bytes) != *code);
  CHECK_FALSE(generated_code(std::span(bytes).first(15)));
}

TEST_CASE("the catalogue prices a product, and its stream gives the current price") {
  using P = Catalogue::PriceProduct;
  auto first = Catalogue::decide({}, P{"p1", "Tea", 120, kNow});
  REQUIRE(first);
  auto state = Catalogue::evolve({}, first->front());
  auto same = Catalogue::decide(state, P{"p1", "Tea", 120, kNow});
  REQUIRE(same);
  CHECK(same->empty());
  auto repriced = Catalogue::decide(state, P{"p1", "Tea", 150, kNow});
  REQUIRE(repriced);
  CHECK(Catalogue::decide({}, P{"p1", "Tea", 0, kNow}).error().code == "invalid_field");
  CHECK(Catalogue::decide({}, P{"p1", "", 10, kNow}).error().code == "missing_field");

  std::vector<eventstore::RecordedEvent> stream{recorded(Catalogue::encode(first->front())),
                                                recorded(Catalogue::encode(repriced->front()))};
  CHECK(Catalogue::price_of(stream).value() == 150);
  CHECK_FALSE(Catalogue::price_of({}).value());
  CHECK(Catalogue::stream(P{"p1", "Tea", 1, kNow}) == "product-p1");
}

}  // namespace
}  // namespace tally::commands::coupons
