#include "api/problem.h"

#include <unordered_map>

namespace tally::api {
namespace {

const std::unordered_map<std::string_view, unsigned>& status_table() {
  static const std::unordered_map<std::string_view, unsigned> table = [] {
    std::unordered_map<std::string_view, unsigned> t;
    const auto put = [&](unsigned status, std::initializer_list<std::string_view> codes) {
      for (auto c : codes) t.emplace(c, status);
    };
    put(400, {"invalid_json", "missing_field", "invalid_field", "invalid_file_header"});
    put(401, {"unauthorized"});
    put(403, {"forbidden"});
    put(404,
        {"not_found", "coupon_not_found", "transaction_not_found", "product_not_found",
         "event_not_found", "reservation_not_found", "payment_not_found", "group_not_found",
         "message_not_found", "customer_not_found", "projection_not_found", "stream_not_found"});
    put(405, {"method_not_allowed"});
    put(409, {"idempotency_conflict", "concurrency_conflict", "coupon_exists",
              "coupon_not_redeemable", "coupon_expired", "insufficient_balance",
              "transaction_already_refunded", "event_exists", "seat_taken", "seat_limit_reached",
              "sales_not_open", "sales_closed", "payment_window_closed", "reservation_not_payable",
              "reservation_not_cancellable", "group_already_confirmed", "group_not_scheduled",
              "group_not_cancellable", "customer_exists", "customer_cancelled",
              "customer_not_cancelled", "purchases_blocked", "insufficient_points",
              // the example counter domain's rejections (benchmark only)
              "limit_reached"});
    put(410, {"history_expired"});
    put(413, {"payload_too_large"});
    put(422, {"product_not_allowed", "amount_mismatch", "partial_refund_not_supported",
              "store_mismatch", "schedule_in_past"});
    put(429, {"too_many_attempts"});
    put(500, {"internal"});
    put(503, {"overloaded", "stale_read_model", "not_ready"});
    return t;
  }();
  return table;
}

}  // namespace

unsigned status_of(std::string_view code) {
  const auto& table = status_table();
  const auto it = table.find(code);
  return it == table.end() ? 500 : it->second;
}

Problem from_error(const Error& error) {
  switch (error.code) {
    case Code::rejected: {
      // A rejection the contract does not list is still the domain's refusal, not a bug.
      Problem p{error.reason, error.message};
      if (status_table().count(p.code) == 0) p.status = 409;
      return p;
    }
    case Code::idempotency_conflict:
      return Problem{"idempotency_conflict", error.message};
    case Code::concurrency_conflict:
      return Problem{"concurrency_conflict", error.message};
    case Code::overloaded:
    case Code::shutting_down:
      return Problem{
          "overloaded", "the server is busy; retry shortly", {}, {}, {{"Retry-After", "1"}}};
    default:
      return Problem{"internal", describe(error)};
  }
}

Response to_response(const Problem& p) {
  Response r;
  r.status = p.status != 0 ? p.status : status_of(p.code);
  nlohmann::json body = p.extra.is_object() ? p.extra : nlohmann::json::object();
  body["status"] = "failure";
  body["code"] = p.code;
  // An internal error's message may name files or keys: the client gets a generic one, the
  // request's log line the cause.
  body["message"] = r.status == 500 ? "internal error" : p.message;
  if (r.status == 500) r.note = p.message;
  if (!p.field.empty()) body["field"] = p.field;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.headers = p.headers;
  r.error_code = p.code;
  return r;
}

Response internal_error(std::string_view correlation_id) {
  Problem p{"internal", "internal error"};
  p.extra["correlation_id"] = correlation_id;
  return to_response(p);
}

void name_correlation(Response& response, std::string_view correlation_id) {
  if (response.status != 500) return;
  auto body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || body.contains("correlation_id")) return;
  body["correlation_id"] = correlation_id;
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response success(nlohmann::json body, unsigned status) {
  body["status"] = "success";
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace tally::api
