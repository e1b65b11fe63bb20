// The coupon look-ups (api.md, Coupons): check, balance, transactions. pos for its store, admin.
// An unknown code is coupon_not_found before anything else, told by the log itself (a coupon
// exists once its stream has its coupon.issued), so a look-up right after an issue never
// misses it: the read model is awaited up to that event, or min_position if later.
#include <fmt/format.h>

#include "api/routes/coupon_request.h"
#include "core/numbers.h"
#include "projections/balances.h"
#include "projections/coupon_transactions.h"

namespace tally::api {
namespace {

using projections::View;

std::string message_of(const std::string& status) {
  if (status == "active") return "the coupon can be redeemed";
  return "the coupon is " + status;
}

// What a look-up will answer from the read model, or why its request is refused.
using Prepare = std::function<Checked<ViewQuery>(const CouponRequest&)>;

// Answers on `model` once it reflects the coupon's issue (and min_position). The request is
// prepared after the code is known to exist (an unknown code is coupon_not_found before
// anything else) and before the wait, so a bad parameter never waits for the read model.
void look_up(ApiContext& ctx, const CouponDeps& deps, Request& request, Respond respond,
             const projections::Projector& model, const Prepare& prepare) {
  auto r = coupon_request(ctx, deps, request);
  if (!r) return respond(to_response(r.error()));
  auto issued = issued_at(ctx.log, r->coupon_id);
  if (!issued) return respond(to_response(from_error(issued.error())));
  if (!*issued) return respond(to_response(coupon_not_found(deps, r->who)));
  auto min = query_number(request, "min_position");
  if (!min) return respond(to_response(min.error()));
  auto answer = prepare(*r);
  if (!answer) return respond(to_response(answer.error()));
  const auto floor = std::max<std::uint64_t>(min->value_or(0), (*issued)->value);
  request.query["min_position"] = std::to_string(floor);
  query_read_model(ctx, request, std::move(respond), model, std::move(*answer));
}

Checked<projections::CouponBalance> row_of(const View& view, const std::string& coupon_id) {
  auto row = projections::Balances::coupon(view, coupon_id);
  if (!row) return tl::unexpected(from_error(row.error()));
  if (!*row) return problem("coupon_not_found", "no coupon has this code");
  return std::move(**row);
}

Response check(const Clock& clock, const CouponRequest& r, const View& view) {
  auto row = row_of(view, r.coupon_id);
  if (!row) return to_response(row.error());
  const auto now = clock.now();
  const std::string status = row->status_at(now);
  return success({{"coupon_status", status},
                  {"kind", row->kind},
                  {"balance", row->shown_balance(now)},
                  {"face_value", row->face_value},
                  {"product_id", row->product_id.empty() ? Json() : Json(row->product_id)},
                  {"expiry_date", format_rfc3339(row->expires_at)},
                  {"message", message_of(status)},
                  {"as_of_position", view.position().value}});
}

Response balance(const Clock& clock, const CouponRequest& r, const View& view) {
  auto row = row_of(view, r.coupon_id);
  if (!row) return to_response(row.error());
  const auto now = clock.now();
  return success({{"balance", row->shown_balance(now)},
                  {"coupon_status", row->status_at(now)},
                  {"expiry_date", format_rfc3339(row->expires_at)},
                  {"message", message_of(row->status_at(now))},
                  {"as_of_position", view.position().value}});
}

// `YYYY-MM-DD` (a whole UTC day: its first instant, or its last for an end) or RFC 3339.
Checked<std::optional<Timestamp>> date_param(const Json& body, std::string_view field, bool end) {
  if (!body.contains(field) || body[field].is_null()) return std::optional<Timestamp>();
  const std::string name(field);
  if (!body[field].is_string())
    return problem("invalid_field", name + " must be YYYY-MM-DD or an RFC 3339 time", name);
  const std::string text = body[field].get<std::string>();
  if (text.size() == 10) {
    auto day = parse_rfc3339(text + "T00:00:00Z");
    if (!day) return problem("invalid_field", name + " is not a date", name);
    if (!end) return std::optional<Timestamp>(*day);
    return std::optional<Timestamp>(*day + std::chrono::hours(24) - std::chrono::microseconds(1));
  }
  auto at = parse_rfc3339(text);
  if (!at) return problem("invalid_field", name + " must be YYYY-MM-DD or an RFC 3339 time", name);
  return std::optional<Timestamp>(*at);
}

// A coupon's transactions grow with every redemption, so they are paged like every list that
// can grow (api.md, Lists; the purchase history's table names no `next` either): `limit`
// (default 100, at most 1000) and `cursor` or `from` (a page's `next`), in the body like the
// route's other fields or in the query like every list's; the body's wins.
struct PageQuery {
  std::optional<std::string> limit, cursor;

  static PageQuery of(const Request& request) {
    const auto param = [&](std::string_view name) {
      const std::string* text = request.query_param(name);
      return text ? std::optional<std::string>(*text) : std::nullopt;
    };
    // `from` as well: api.md has a page's next passed back "as from/cursor".
    auto cursor = param("cursor");
    return {param("limit"), cursor ? cursor : param("from")};
  }
};

Checked<std::size_t> page_limit(const Json& body, const PageQuery& page) {
  std::optional<std::uint64_t> limit;
  if (body.contains("limit") && !body["limit"].is_null()) {
    if (!body["limit"].is_number_unsigned())
      return problem("invalid_field", "limit must be a whole number", "limit");
    limit = body["limit"].get<std::uint64_t>();
  } else if (page.limit) {
    limit = parse_number<std::uint64_t>(*page.limit);
    if (!limit) return problem("invalid_field", "limit must be a whole number", "limit");
  }
  return list_limit(limit);
}

Checked<std::optional<std::string>> page_cursor(const Json& body, const PageQuery& page) {
  std::optional<std::string> cursor = page.cursor;
  for (const char* name : {"from", "cursor"})  // the body's cursor wins
    if (body.contains(name) && !body[name].is_null())
      cursor = body[name].is_string() ? body[name].get<std::string>() : std::string();
  if (cursor && !projections::CouponTransactions::is_cursor(*cursor))
    return problem("invalid_field", "cursor is not a page's next", "cursor");
  return cursor;
}

// The transactions' query from the request, then the page it names.
Checked<ViewQuery> transactions(const CouponRequest& r, const PageQuery& page) {
  projections::CouponTransactions::Query query;
  auto from = date_param(r.body, "start_date", false);
  if (!from) return tl::unexpected(from.error());
  auto to = date_param(r.body, "end_date", true);
  if (!to) return tl::unexpected(to.error());
  auto limit = page_limit(r.body, page);
  if (!limit) return tl::unexpected(limit.error());
  auto cursor = page_cursor(r.body, page);
  if (!cursor) return tl::unexpected(cursor.error());
  query.from = *from;
  query.to = *to;
  query.after = *cursor;
  query.limit = *limit;
  return ViewQuery([coupon_id = r.coupon_id, query](const View& view) {
    auto list = projections::CouponTransactions::list(view, coupon_id, query);
    if (!list) return to_response(from_error(list.error()));
    Json out = Json::array();
    for (const auto& t : list->transactions)
      out.push_back({{"transaction_id", t.transaction_id.empty() ? Json() : Json(t.transaction_id)},
                     {"type", t.type},
                     {"amount", t.amount},
                     {"store_id", t.store_id},
                     {"product_id", t.product_id.empty() ? Json() : Json(t.product_id)},
                     {"at", format_rfc3339(t.at)}});
    Json body{{"transactions", std::move(out)}, {"as_of_position", view.position().value}};
    if (list->next) body["next"] = *list->next;
    return success(std::move(body));
  });
}

}  // namespace

void add_coupon_query_routes(Router& router, ApiContext& ctx, const CouponDeps& deps) {
  const Clock& clock = ctx.clock;
  router.add("POST", "/api/v1/coupon/check", [&ctx, deps, &clock](Request& rq, Respond respond) {
    look_up(ctx, deps, rq, std::move(respond), deps.balances,
            [&clock](const CouponRequest& r) -> Checked<ViewQuery> {
              return ViewQuery([&clock, r](const View& v) { return check(clock, r, v); });
            });
  });
  router.add("POST", "/api/v1/coupon/balance", [&ctx, deps, &clock](Request& rq, Respond respond) {
    look_up(ctx, deps, rq, std::move(respond), deps.balances,
            [&clock](const CouponRequest& r) -> Checked<ViewQuery> {
              return ViewQuery([&clock, r](const View& v) { return balance(clock, r, v); });
            });
  });
  router.add("POST", "/api/v1/coupon/transactions", [&ctx, deps](Request& rq, Respond respond) {
    look_up(ctx, deps, rq, std::move(respond), deps.transactions,
            [page = PageQuery::of(rq)](const CouponRequest& r) { return transactions(r, page); });
  });
}

}  // namespace tally::api
