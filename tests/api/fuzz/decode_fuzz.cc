// libFuzzer target over what the server does with untrusted bytes before any handler logic:
// the request target (path and query), the JSON body and its typed fields, and routing.
// Properties checked beyond "no crash, no sanitizer report": a decoding failure is always one
// of the three 400 codes, naming a field when it is about one; the router answers exactly once.
// Built with clang by run_fuzz.sh (the main build uses g++).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/input.h"
#include "api/router.h"

namespace {

using namespace tally::api;

void require(bool ok) {
  if (!ok) std::abort();
}

void check_problem(const Problem& p, bool about_a_field) {
  require(p.code == "invalid_json" || p.code == "missing_field" || p.code == "invalid_field");
  require(to_response(p).status == 400);
  if (about_a_field) require(!p.field.empty());
}

const Router& router() {
  static const Router r = [] {
    Router r;
    r.add("GET", "/api/v1/log", answer_now([](Request&) { return success({}); }));
    r.add("GET", "/api/v1/streams/{stream}", answer_now([](Request& q) {
            return success({{"s", q.params.at("stream")}});
          }));
    r.add("POST", "/api/v1/admin/projections/{name}/rebuild",
          answer_now([](Request&) { return success({}); }));
    return r;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The first line is a request target, the rest a body.
  const auto newline = input.find('\n');
  const std::string_view target = input.substr(0, newline);
  const std::string_view body = newline == std::string_view::npos ? "" : input.substr(newline + 1);

  Request request;
  request.method = size % 2 ? "GET" : "POST";
  if (parse_target(target, request)) {
    int answers = 0;
    router().dispatch(request, [&](Response r) {
      ++answers;
      require(r.status == 200 || r.status == 404 || r.status == 405);
    });
    require(answers == 1);
    if (auto n = query_number(request, "from"); !n) check_problem(n.error(), true);
    if (auto l = query_limit(request); !l)
      check_problem(l.error(), true);
    else
      require(*l >= 1 && *l <= 1000);
  }

  auto json = parse_object(body);
  if (!json) {
    check_problem(json.error(), false);
    return 0;
  }
  for (const char* field : {"id", "store_id", "amount", "name", "x"}) {
    if (auto id = require_id(*json, field); id)
      require(is_valid_id(*id));
    else
      check_problem(id.error(), true);
    if (auto a = require_amount(*json, field); a)
      require(*a > 0);
    else
      check_problem(a.error(), true);
    if (auto z = require_amount(*json, field, Zero::allowed); z) require(*z >= 0);
    if (auto t = require_text(*json, field); t)
      require(!t->empty() && t->size() <= 1000);
    else
      check_problem(t.error(), true);
  }
  if (auto t = parse_rfc3339(body); t) {  // times print back to what they parse from
    auto again = parse_rfc3339(tally::format_rfc3339(*t));
    require(again && *again == *t);
  }
  return 0;
}
