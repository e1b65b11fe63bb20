// The log's JSON rendering of PII (api.md, The log): opened for its readers, "[erased]" once
// the subject's key is gone, and secrets sealed under no subject key left as stored.
#include "api/event_json.h"

#include <doctest/doctest.h>

#include "core/pii.h"
#include "eventstore/support.h"
#include "tally/v1/events/coupons.pb.h"
#include "tally/v1/events/membership.pb.h"

namespace tally::api {
namespace {

eventstore::RecordedEvent registered(const SubjectKey& key, std::string customer,
                                     std::string event_id) {
  const std::string subject = "customer:" + customer;
  v1::events::CustomerRegistered payload;
  payload.set_customer_id(customer);
  payload.set_sealed_name(seal(key, {subject, event_id, "name"}, "Kim Minji"));
  payload.set_sealed_email(seal(key, {subject, event_id, "email"}, "minji@example.com"));
  eventstore::RecordedEvent e;
  e.position = Position(7);
  e.stream = "customer-" + customer;
  e.version = StreamVersion(1);
  e.event_id = std::move(event_id);
  e.type = "customer.registered";
  e.payload = payload.SerializeAsString();
  return e;
}

TEST_CASE("sealed PII shows opened under its field name, and [erased] after the erasure") {
  eventstore::test::TempDir dir;
  auto keys = eventstore::KeyStore::open(dir.path() / "keys").value();
  auto key = keys->get_or_create("customer:C9").value();
  const auto e = registered(key, "C9", "0190-ev-1");
  auto data = event_json(e, *keys)["data"];
  CHECK(data["customer_id"] == "C9");
  CHECK(data["name"] == "Kim Minji");
  CHECK(data["email"] == "minji@example.com");
  CHECK_FALSE(data.contains("sealed_name"));
  CHECK_FALSE(data.contains("sealed_email"));

  REQUIRE(keys->destroy("customer:C9"));
  data = event_json(e, *keys)["data"];
  CHECK(data["name"] == "[erased]");
  CHECK(data["email"] == "[erased]");
  CHECK(data.dump().find("sealed_") == std::string::npos);
}

TEST_CASE("a sealed field that does not open shows [unreadable], never the ciphertext") {
  eventstore::test::TempDir dir;
  auto keys = eventstore::KeyStore::open(dir.path() / "keys").value();
  auto key = keys->get_or_create("customer:C9").value();
  // Sealed for another event: the associated data binds it to that one.
  auto e = registered(key, "C9", "0190-ev-1");
  e.event_id = "0190-ev-2";
  const auto data = event_json(e, *keys)["data"];
  CHECK(data["name"] == "[unreadable]");
  CHECK(data["email"] == "[unreadable]");
}

TEST_CASE("a coupon's sealed code is a secret under no subject key: it stays as stored") {
  eventstore::test::TempDir dir;
  auto keys = eventstore::KeyStore::open(dir.path() / "keys").value();
  v1::events::CouponIssued payload;
  payload.set_sealed_code(std::string("\x01sealed-bytes", 13));
  eventstore::RecordedEvent e;
  e.stream = "coupon-7Hq2";
  e.event_id = "0190-ev-3";
  e.type = "coupon.issued";
  e.payload = payload.SerializeAsString();
  const auto data = event_json(e, *keys)["data"];
  CHECK(data.contains("sealed_code"));
  CHECK_FALSE(data.contains("code"));
}

}  // namespace
}  // namespace tally::api
