#include "api/router.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace tally::api {
namespace {

Handler names(std::string what) {
  return answer_now([what](Request& r) {
    nlohmann::json body{{"what", what}};
    for (const auto& [k, v] : r.params) body[k] = v;
    return success(body);
  });
}

Response run(const Router& router, std::string method, std::string target,
             std::string* route = nullptr) {
  Request request;
  request.method = std::move(method);
  REQUIRE(parse_target(target, request));
  request.correlation_id = "corr-1";
  Response out;
  int answers = 0;
  router.dispatch(request, [&](Response r) {
    out = std::move(r);
    ++answers;
  });
  CHECK(answers == 1);
  if (route) *route = request.route;
  return out;
}

std::string header(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

Router sample_router() {
  Router router;
  router.add("GET", "/api/v1/log/subscribe", names("subscribe"));
  router.add("GET", "/api/v1/log", names("log"));
  router.add("GET", "/api/v1/streams/{stream}", names("stream"));
  router.add("POST", "/api/v1/admin/projections/{name}/rebuild", names("rebuild"));
  router.add("GET", "/api/v1/admin/keys", names("list keys"));
  router.add("POST", "/api/v1/admin/keys", names("add key"));
  return router;
}

TEST_CASE("a pattern's {param} segments reach the handler decoded") {
  const auto r = run(sample_router(), "GET", "/api/v1/streams/coupon-7%41?from_version=2");
  CHECK(r.status == 200);
  const auto body = nlohmann::json::parse(r.body);
  CHECK(body["what"] == "stream");
  CHECK(body["stream"] == "coupon-7A");
  CHECK(body["status"] == "success");
  const auto rebuild = nlohmann::json::parse(
      run(sample_router(), "POST", "/api/v1/admin/projections/schedules/rebuild").body);
  CHECK(rebuild["name"] == "schedules");
}

TEST_CASE("an unknown path is 404 not_found in the one error shape") {
  for (const char* target : {"/", "/api/v1/nothing", "/api/v1/streams", "/api/v1/streams/a/b",
                             "/api/v1/log/", "/api/v1/streams/"}) {
    const auto r = run(sample_router(), "GET", target);
    CAPTURE(target);
    CHECK(r.status == 404);
    const auto body = nlohmann::json::parse(r.body);
    CHECK(body["status"] == "failure");
    CHECK(body["code"] == "not_found");
    CHECK(body["message"].is_string());
  }
}

TEST_CASE("another method on a known path is 405 with Allow naming the methods") {
  auto r = run(sample_router(), "DELETE", "/api/v1/admin/keys");
  CHECK(r.status == 405);
  CHECK(nlohmann::json::parse(r.body)["code"] == "method_not_allowed");
  CHECK(header(r, "Allow") == "GET, POST");
  std::string route;
  r = run(sample_router(), "POST", "/api/v1/log", &route);
  CHECK(r.status == 405);
  CHECK(header(r, "Allow") == "GET");
  CHECK(route == "/api/v1/log");  // what metrics and the request log count it under
  run(sample_router(), "GET", "/api/v1/nothing", &route);
  CHECK(route == "unmatched");
}

TEST_CASE("a handler that throws answers 500 internal with the correlation id") {
  Router router;
  router.add("GET", "/boom",
             answer_now([](Request&) -> Response { throw std::runtime_error("a bug"); }));
  router.add("GET", "/odd", [](Request&, Respond) { throw 42; });
  for (const char* target : {"/boom", "/odd"}) {
    const auto r = run(router, "GET", target);
    CHECK(r.status == 500);
    const auto body = nlohmann::json::parse(r.body);
    CHECK(body["code"] == "internal");
    CHECK(body["correlation_id"] == "corr-1");
    CHECK(body["message"] == "internal error");  // what() goes to the log only
    CHECK(!r.note.empty());
  }
}

TEST_CASE("a handler that answers and then throws answers once") {
  Router router;
  router.add("GET", "/twice", [](Request&, Respond respond) {
    respond(success({}));
    throw std::runtime_error("after answering");
  });
  CHECK(run(router, "GET", "/twice").status == 200);
}

TEST_CASE("query parameters are percent-decoded; a bad escape is refused") {
  Request request;
  REQUIRE(parse_target("/api/v1/log?stream_prefix=coupon%2D&type=a+b&from=3&from=9", request));
  CHECK(request.path == "/api/v1/log");
  CHECK(*request.query_param("stream_prefix") == "coupon-");
  CHECK(*request.query_param("type") == "a b");
  CHECK(*request.query_param("from") == "3");  // the first one wins
  Request bad;
  CHECK_FALSE(parse_target("/api/v1/log?x=%G1", bad));
  CHECK_FALSE(parse_target("/api/v1/log?x=%4", bad));
}

TEST_CASE("a target in absolute-form names the same resource as its path and query") {
  // RFC 9112 §3.2.2: a server must accept the absolute-form (what a proxy sends).
  for (const auto* target :
       {"http://127.0.0.1:8080/api/v1/log?from=3", "HTTPS://h/api/v1/log?from=3"}) {
    Request request;
    REQUIRE(parse_target(target, request));
    CHECK(request.path == "/api/v1/log");
    CHECK(*request.query_param("from") == "3");
  }
  Request empty_path;
  REQUIRE(parse_target("http://h?from=4", empty_path));
  CHECK(empty_path.path == "/");
  CHECK(*empty_path.query_param("from") == "4");
  Request root;
  REQUIRE(parse_target("http://h:1", root));
  CHECK(root.path == "/");
  Request bad;
  for (const auto* target : {"ftp://h/x", "http:///x", "http://h#f", "h/x", "*", "host:80", ""})
    CHECK_FALSE(parse_target(target, bad));
}

TEST_CASE("every contract code maps to the status of api.md's table") {
  CHECK(status_of("invalid_json") == 400);
  CHECK(status_of("missing_field") == 400);
  CHECK(status_of("unauthorized") == 401);
  CHECK(status_of("forbidden") == 403);
  CHECK(status_of("stream_not_found") == 404);
  CHECK(status_of("projection_not_found") == 404);
  CHECK(status_of("method_not_allowed") == 405);
  CHECK(status_of("idempotency_conflict") == 409);
  CHECK(status_of("insufficient_points") == 409);
  CHECK(status_of("history_expired") == 410);
  CHECK(status_of("payload_too_large") == 413);
  CHECK(status_of("schedule_in_past") == 422);
  CHECK(status_of("too_many_attempts") == 429);
  CHECK(status_of("stale_read_model") == 503);
  CHECK(status_of("not_ready") == 503);
  CHECK(status_of("no_such_code") == 500);
}

TEST_CASE("module errors become API problems: rejections keep their code, bugs hide") {
  auto p = from_error(Error{Code::rejected, "short", "insufficient_balance"});
  CHECK(p.code == "insufficient_balance");
  CHECK(to_response(p).status == 409);
  p = from_error(Error{Code::rejected, "no", "some_unlisted_rule"});
  CHECK(to_response(p).status == 409);
  p = from_error(Error{Code::overloaded, "queue full"});
  auto r = to_response(p);
  CHECK(r.status == 503);
  CHECK(header(r, "Retry-After") == "1");
  r = to_response(from_error(Error{Code::io_error, "disk /secret/path failed"}));
  CHECK(r.status == 500);
  CHECK(r.body.find("/secret/path") == std::string::npos);
  CHECK(r.note.find("disk /secret/path failed") != std::string::npos);  // the log line's cause
  // Whatever made a 500, its body names the correlation id (api.md), once.
  name_correlation(r, "corr-7");
  CHECK(nlohmann::json::parse(r.body)["correlation_id"] == "corr-7");
  name_correlation(r, "corr-8");
  CHECK(nlohmann::json::parse(r.body)["correlation_id"] == "corr-7");
  auto not_found = to_response(Problem{"not_found", "no such path"});
  name_correlation(not_found, "corr-9");
  CHECK_FALSE(nlohmann::json::parse(not_found.body).contains("correlation_id"));
}

}  // namespace
}  // namespace tally::api
