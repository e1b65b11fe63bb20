#include "api/openapi.h"

#include <nlohmann/json.hpp>
#include <string_view>

namespace tally::api {
namespace {

using Json = nlohmann::json;

struct Operation {
  std::string_view method;
  std::string_view path;
  std::string_view tag;
  std::string_view summary;
  int success;
  bool auth = true;
  std::string_view query = "";  // query parameters, comma-separated (GETs add min_position,
                                // the POST look-ups name it)
};

// api.md, table by table.
constexpr Operation kOperations[] = {
    {"post", "/api/v1/coupon/check", "coupons", "Check a coupon", 200, true, "min_position"},
    {"post", "/api/v1/coupon/redeem", "coupons", "Redeem a coupon", 200},
    {"post", "/api/v1/coupon/refund", "coupons", "Refund a redemption or a whole coupon", 200},
    {"post", "/api/v1/coupon/balance", "coupons", "A coupon's balance", 200, true, "min_position"},
    {"post", "/api/v1/coupon/transactions", "coupons", "A coupon's transactions, paged by cursor",
     200, true, "limit,cursor,min_position"},
    {"post", "/api/v1/coupons", "coupons", "Issue a coupon (admin)", 201},
    {"put", "/api/v1/products/{product_id}", "coupons", "Create or change a product (admin)", 200},
    {"post", "/api/v1/events", "shows", "Create a show", 201},
    {"get", "/api/v1/events/{event_id}", "shows", "A show and its seat counts", 200},
    {"get", "/api/v1/events/{event_id}/seats", "shows", "A show's seats", 200},
    {"post", "/api/v1/events/{event_id}/close", "shows", "Close sales", 200},
    {"post", "/api/v1/reservations", "shows", "Reserve a seat", 201},
    {"get", "/api/v1/reservations/{reservation_id}", "shows", "A reservation", 200},
    {"delete", "/api/v1/reservations/{reservation_id}", "shows", "Cancel a reservation", 200},
    {"get", "/api/v1/users/{user_id}/reservations", "shows", "A user's reservations", 200},
    {"post", "/api/v1/payments", "shows", "Pay a reservation", 201},
    {"get", "/api/v1/payments/{payment_id}", "shows", "A payment", 200},
    {"post", "/api/v1/send-files", "sends", "Import a send file (CSV)", 201},
    {"get", "/api/v1/send-groups", "sends", "Send groups", 200, true, "date,group_status"},
    {"get", "/api/v1/send-groups/{group_id}", "sends", "A send group", 200},
    {"post", "/api/v1/send-groups/{group_id}/confirm", "sends", "Confirm a group", 200},
    {"post", "/api/v1/send-groups/{group_id}/reschedule", "sends", "Reschedule a group", 200},
    {"post", "/api/v1/send-groups/{group_id}/cancel", "sends", "Cancel a group", 200},
    {"get", "/api/v1/send-groups/{group_id}/messages", "sends", "A group's messages", 200, true,
     "retry_status"},
    {"post", "/api/v1/messages", "sends", "Send one message", 201},
    {"get", "/api/v1/messages/{message_id}", "sends", "A message", 200},
    {"post", "/api/v1/customers", "membership", "Register a customer", 201},
    {"post", "/api/v1/customers/{id}/points/earn", "membership", "Earn points (admin)", 200},
    {"post", "/api/v1/customers/{id}/points/spend", "membership", "Spend points", 200},
    {"post", "/api/v1/customers/{id}/purchases", "membership", "Record a purchase", 201},
    {"get", "/api/v1/customers/{id}/purchases", "membership", "Purchase history, paged", 200, true,
     "from,cursor,limit"},
    {"post", "/api/v1/customers/{id}/cancel", "membership", "Cancel a membership", 200},
    {"get", "/api/v1/customers/{id}/status", "membership", "Membership status", 200},
    {"get", "/api/v1/customers/{id}/balances", "membership", "Points and coupons, paged", 200, true,
     "from,cursor,limit"},
    {"delete", "/api/v1/customers/{id}/purchases/expire", "membership", "Expire history now", 200},
    {"post", "/api/v1/customers/{id}/block_purchases", "membership", "Block purchases", 200},
    {"get", "/api/v1/schedules", "platform", "Pending due items, paged by cursor", 200, true,
     "kind,from,to,limit,cursor"},
    {"get", "/api/v1/log", "platform", "The log, paged", 200, true,
     "from,cursor,limit,stream_prefix,type"},
    {"get", "/api/v1/log/subscribe", "platform", "The log as Server-Sent Events", 200, true,
     "from"},
    {"get", "/api/v1/streams/{stream}", "platform", "One stream's events", 200, true,
     "from_version,cursor,limit"},
    {"post", "/api/v1/admin/erase", "admin", "Erase a subject's PII", 200},
    {"post", "/api/v1/admin/verify", "admin", "Check the log's hash chain and files", 200},
    {"get", "/api/v1/admin/projections", "admin", "Read models and their lag", 200},
    {"post", "/api/v1/admin/projections/{name}/rebuild", "admin", "Rebuild a read model", 202},
    {"post", "/api/v1/admin/keys", "admin", "Create an API key", 201},
    {"get", "/api/v1/admin/test-clock", "admin", "The test clock (--test-clock only)", 200},
    {"post", "/api/v1/admin/test-clock/advance", "admin", "Advance the test clock", 200},
    {"get", "/metrics", "platform", "Prometheus metrics", 200, false},
    {"get", "/healthz", "platform", "Liveness", 200, false},
    {"get", "/readyz", "platform", "Readiness: read models caught up", 200, false},
    {"get", "/api/v1/openapi.json", "platform", "This document", 200, false},
};

Json path_parameters(std::string_view path) {
  Json params = Json::array();
  for (std::size_t open = path.find('{'); open != std::string_view::npos;
       open = path.find('{', open + 1)) {
    const auto close = path.find('}', open);
    params.push_back({{"name", std::string(path.substr(open + 1, close - open - 1))},
                      {"in", "path"},
                      {"required", true},
                      {"schema", {{"type", "string"}}}});
  }
  return params;
}

bool is_number_param(std::string_view name) {
  return name == "from" || name == "limit" || name == "min_position" || name == "from_version";
}

Json query_parameters(const Operation& op) {
  Json params = Json::array();
  std::string names(op.query);
  const bool platform_time = op.path == "/api/v1/schedules";
  if (op.method == "get" && op.auth && op.path != "/api/v1/log/subscribe")
    names += names.empty() ? "min_position" : ",min_position";
  std::size_t start = 0;
  while (start < names.size()) {
    const auto comma = names.find(',', start);
    const std::string name = names.substr(start, comma - start);
    start = comma == std::string::npos ? names.size() : comma + 1;
    // `from`/`to` of the schedules are RFC 3339 times; elsewhere `from` is a position.
    const bool number = is_number_param(name) && !(platform_time && name == "from");
    params.push_back({{"name", name},
                      {"in", "query"},
                      {"required", false},
                      {"schema", {{"type", number ? "integer" : "string"}}}});
  }
  return params;
}

Json operation(const Operation& op) {
  Json responses = Json::object();
  const bool metrics = op.path == "/metrics";
  const bool sse = op.path == "/api/v1/log/subscribe";
  Json content =
      metrics ? Json{{"text/plain", {{"schema", {{"type", "string"}}}}}}
      : sse   ? Json{{"text/event-stream", {{"schema", {{"type", "string"}}}}}}
            : Json{{"application/json", {{"schema", {{"$ref", "#/components/schemas/Success"}}}}}};
  responses[std::to_string(op.success)] = {{"description", "success"}, {"content", content}};
  responses["default"] = {
      {"description", "failure: see api.md for codes and statuses"},
      {"content",
       {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Failure"}}}}}}}};
  Json o{{"tags", {op.tag}},
         {"summary", op.summary},
         {"operationId", std::string(op.method) + std::string(op.path)},
         {"responses", responses}};
  Json params = path_parameters(op.path);
  for (auto& q : query_parameters(op)) params.push_back(std::move(q));
  if (!params.empty()) o["parameters"] = std::move(params);
  if (!op.auth) o["security"] = Json::array();
  if (op.method == "post" || op.method == "put")
    o["requestBody"] = {{"required", false},
                        {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
  return o;
}

}  // namespace

std::string openapi_document() {
  static const std::string document = [] {
    Json paths = Json::object();
    for (const auto& op : kOperations)
      paths[std::string(op.path)][std::string(op.method)] = operation(op);
    Json doc{{"openapi", "3.0.3"},
             {"info",
              {{"title", "tally"},
               {"version", "1"},
               {"description", "The HTTP contract of tally (api.md)."}}},
             {"paths", paths},
             {"security", {{{"bearer", Json::array()}}}},
             {"components",
              {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
               {"schemas",
                {{"Success",
                  {{"type", "object"},
                   {"required", {"status"}},
                   {"properties", {{"status", {{"type", "string"}, {"enum", {"success"}}}}}}}},
                 {"Failure",
                  {{"type", "object"},
                   {"required", {"status", "code", "message"}},
                   {"properties",
                    {{"status", {{"type", "string"}, {"enum", {"failure"}}}},
                     {"code", {{"type", "string"}}},
                     {"message", {{"type", "string"}}},
                     {"field", {{"type", "string"}}},
                     {"correlation_id", {{"type", "string"}}}}}}}}}}}};
    return doc.dump();
  }();
  return document;
}

}  // namespace tally::api
