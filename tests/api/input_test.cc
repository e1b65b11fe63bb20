#include "api/input.h"

#include <doctest/doctest.h>

namespace tally::api {
namespace {

Json body(std::string_view text) {
  auto j = parse_object(text);
  REQUIRE(j);
  return *j;
}

void check_problem(const Problem& p, std::string_view code, std::string_view field) {
  CHECK(p.code == code);
  CHECK(p.field == field);
  CHECK(to_response(p).status == 400);
}

TEST_CASE("a body that is not a JSON object is invalid_json") {
  for (std::string_view text :
       {"", "{", "nul", "[1,2]", "\"text\"", "42", "{\"a\":1}x", "{'a':1}", "\xff\xfe"}) {
    CAPTURE(text);
    auto j = parse_object(text);
    REQUIRE_FALSE(j);
    check_problem(j.error(), "invalid_json", "");
  }
  CHECK(parse_object("{}"));
  CHECK(parse_object(" {\"a\": [1, {\"b\": null}]} "));
}

TEST_CASE("a body nesting deeper than 64 is invalid_json, braces inside strings do not count") {
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  const auto wrapped = "{\"a\":" + deep + "}";
  auto j = parse_object(wrapped);
  REQUIRE_FALSE(j);
  CHECK(j.error().code == "invalid_json");
  const auto in_string = "{\"a\":\"" + std::string(100, '[') + "\"}";
  CHECK(parse_object(in_string));
}

TEST_CASE("a member named twice in one object is invalid_json, naming it") {
  // `{"amount":1,"amount":1000}` must not be 1 to a proxy that checked it and 1000 here.
  for (std::string_view text : {R"({"amount":1,"amount":1000})", R"({"a":1, "b":{"c":1,"c" :2}})",
                                R"({"a":[{"x\"y":1,"x\"y":2}]})"}) {
    CAPTURE(text);
    auto j = parse_object(text);
    REQUIRE_FALSE(j);
    check_problem(j.error(), "invalid_json", "");
    CHECK(j.error().message.find("more than once") != std::string::npos);
  }
  CHECK(parse_object(R"({"amount":1,"amount":1})").error().message.find("\"amount\"") !=
        std::string::npos);
  // The same name in different objects, and names or colons inside values, are fine.
  CHECK(parse_object(R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})"));
  CHECK(parse_object(R"({"a":"b\":c","c" : "x:y", "d":["e",":"]})"));
}

TEST_CASE("ids are 1-64 characters of A-Z a-z 0-9 _ -") {
  CHECK(is_valid_id("C9"));
  CHECK(is_valid_id("A-12"));
  CHECK(is_valid_id("a_b-C"));
  CHECK(is_valid_id(std::string(64, 'x')));
  CHECK_FALSE(is_valid_id(""));
  CHECK_FALSE(is_valid_id(std::string(65, 'x')));
  CHECK_FALSE(is_valid_id("a b"));
  CHECK_FALSE(is_valid_id("a/b"));
  CHECK_FALSE(is_valid_id("é"));
  CHECK_FALSE(is_valid_id("a.b"));
}

TEST_CASE("a required id: absent or null is missing_field, anything else wrong invalid_field") {
  auto r = require_id(body(R"({"store_id":"S1"})"), "store_id");
  REQUIRE(r);
  CHECK(*r == "S1");
  r = require_id(body(R"({})"), "store_id");
  check_problem(r.error(), "missing_field", "store_id");
  r = require_id(body(R"({"store_id":null})"), "store_id");
  check_problem(r.error(), "missing_field", "store_id");
  for (std::string_view text : {R"({"store_id":12})", R"({"store_id":""})", R"({"store_id":"a b"})",
                                R"({"store_id":["S1"]})"}) {
    CAPTURE(text);
    r = require_id(body(text), "store_id");
    check_problem(r.error(), "invalid_field", "store_id");
  }
  auto o = optional_id(body(R"({})"), "customer_id");
  REQUIRE(o);
  CHECK_FALSE(o->has_value());
  o = optional_id(body(R"({"customer_id":"x y"})"), "customer_id");
  check_problem(o.error(), "invalid_field", "customer_id");
}

TEST_CASE("amounts are positive whole numbers; fractions, negatives and strings are invalid") {
  auto a = require_amount(body(R"({"amount":1500})"), "amount");
  REQUIRE(a);
  CHECK(*a == 1500);
  for (std::string_view text :
       {R"({"amount":0})", R"({"amount":-1})", R"({"amount":1.5})", R"({"amount":5.0})",
        R"({"amount":"5"})", R"({"amount":true})", R"({"amount":1e3})",
        R"({"amount":99999999999999999999})", R"({"amount":9223372036854775808})"}) {
    CAPTURE(text);
    a = require_amount(body(text), "amount");
    REQUIRE_FALSE(a);
    check_problem(a.error(), "invalid_field", "amount");
  }
  a = require_amount(body(R"({})"), "amount");
  check_problem(a.error(), "missing_field", "amount");
  a = require_amount(body(R"({"points_used":0})"), "points_used", Zero::allowed);
  REQUIRE(a);
  CHECK(*a == 0);
  a = require_amount(body(R"({"points_used":-3})"), "points_used", Zero::allowed);
  check_problem(a.error(), "invalid_field", "points_used");
}

TEST_CASE("text fields are non-empty strings within their length") {
  CHECK(*require_text(body(R"({"name":"Ann"})"), "name") == "Ann");
  check_problem(require_text(body(R"({"name":""})"), "name").error(), "invalid_field", "name");
  check_problem(require_text(body(R"({"name":3})"), "name").error(), "invalid_field", "name");
  check_problem(require_text(body(R"({"name":"abcd"})"), "name", 3).error(), "invalid_field",
                "name");
}

TEST_CASE("query numbers and limit: digits only; limit 1-1000, default 100") {
  Request r;
  REQUIRE(parse_target("/x?from=12&limit=1000", r));
  CHECK(**query_number(r, "from") == 12);
  CHECK(*query_limit(r) == 1000);
  CHECK_FALSE(query_number(r, "absent")->has_value());
  for (std::string_view target : {"/x?limit=0", "/x?limit=1001", "/x?limit=-1", "/x?limit=ten",
                                  "/x?limit=1.5", "/x?limit="}) {
    CAPTURE(target);
    Request q;
    REQUIRE(parse_target(target, q));
    auto limit = query_limit(q);
    REQUIRE_FALSE(limit);
    check_problem(limit.error(), "invalid_field", "limit");
  }
  Request none;
  REQUIRE(parse_target("/x", none));
  CHECK(*query_limit(none) == 100);
}

}  // namespace
}  // namespace tally::api

namespace tally::api {
namespace {

TEST_CASE("RFC 3339 times: Z or an offset, an optional fraction, real dates in 0001-9999") {
  using namespace std::chrono;
  const auto t = parse_rfc3339("2026-11-25T09:30:00Z");
  REQUIRE(t);
  CHECK(format_rfc3339(*t) == "2026-11-25T09:30:00Z");
  CHECK(format_rfc3339(*parse_rfc3339("2026-11-25T09:30:00.25Z")) == "2026-11-25T09:30:00.250000Z");
  CHECK(*parse_rfc3339("2024-02-29T23:59:59.000001Z") - *parse_rfc3339("2024-02-29T23:59:59Z") ==
        microseconds(1));
  // An offset names the same instant in UTC, also across a day's end.
  CHECK(format_rfc3339(*parse_rfc3339("2026-11-25T18:30:00+09:00")) == "2026-11-25T09:30:00Z");
  CHECK(format_rfc3339(*parse_rfc3339("2026-11-25T23:15:00-05:30")) == "2026-11-26T04:45:00Z");
  CHECK(format_rfc3339(*parse_rfc3339("2026-01-01T00:00:00+00:00")) == "2026-01-01T00:00:00Z");
  CHECK(*parse_rfc3339("2026-11-25t09:30:00z") == *t);
  // Nanoseconds are cut to the microsecond, never rounded up into the next one.
  CHECK(format_rfc3339(*parse_rfc3339("2026-11-25T09:30:00.123456999Z")) ==
        "2026-11-25T09:30:00.123456Z");
  CHECK(*parse_rfc3339("2026-11-25T09:30:00.000000000000Z") == *t);
  // The first and last instants of the years RFC 3339 writes, also reached by an offset.
  CHECK(format_rfc3339(*parse_rfc3339("9999-12-31T23:59:59.999999Z")) ==
        "9999-12-31T23:59:59.999999Z");
  CHECK(format_rfc3339(*parse_rfc3339("9999-12-31T23:59:59+00:01")) == "9999-12-31T23:58:59Z");
  CHECK(format_rfc3339(*parse_rfc3339("0001-01-01T00:00:00Z")) == "0001-01-01T00:00:00Z");
  for (std::string_view bad : {"",
                               "2026-11-25",
                               "2026-11-25T09:30:00",
                               "2026-11-25T09:30:00+0100",
                               "2026-11-25T09:30:00+24:00",
                               "2026-11-25T09:30:00+01:60",
                               "2026-11-25T09:30:00+01:00Z",
                               "2026-11-25T09:30:00Z+01:00",
                               "2026-11-25T09:30:00+1:00",
                               "2026-02-30T00:00:00Z",
                               "2026-13-01T00:00:00Z",
                               "2026-11-25T24:00:00Z",
                               "2026-11-25T09:60:00Z",
                               "2026-11-25T09:30:00.Z",
                               "2026-11-25T09:30:00.12a4Z",
                               "9999-12-31T23:59:59-00:01",
                               "0001-01-01T00:00:00+00:01",
                               "0000-06-01T00:00:00Z",
                               "2026-11-25T09:30:00.",
                               "2026-11-25T09:30:00.5",
                               "2026-11-25T09:30:-1Z",
                               "2026-11-25 09:30:00Z",
                               "+026-11-25T09:30:00Z",
                               "2026-11-25T09:30:60Z"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_rfc3339(bad));
  }
}

}  // namespace
}  // namespace tally::api
