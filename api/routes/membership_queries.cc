// The membership queries (api.md, Membership): status, purchase history (410 history_expired
// after the year), balances (points and the customer's coupons, their codes opened here).
#include "api/input.h"
#include "api/routes/domains.h"
#include "api/routes/member_request.h"
#include "commands/membership/erasure.h"
#include "projections/balances.h"
#include "projections/purchase_history.h"

namespace tally::api {
namespace {

using projections::View;

Json time_or_null(const std::optional<Timestamp>& t) {
  return t ? Json(format_rfc3339(*t)) : Json();
}

Response status(const std::string& id, const View& view) {
  auto s = projections::PurchaseHistory::status(view, id);
  if (!s) return to_response(from_error(s.error()));
  if (!*s) return to_response(Problem{"customer_not_found", "no such customer"});
  return success({{"is_cancelled", (*s)->is_cancelled},
                  {"cancellation_date", time_or_null((*s)->cancellation_date)},
                  {"history_visible_until", time_or_null((*s)->history_visible_until)},
                  {"purchases_blocked", (*s)->purchases_blocked},
                  {"as_of_position", view.position().value}});
}

// The page the request names, checked before any wait for the read model.
Checked<ViewQuery> purchases(const Clock& clock, const Request& request, const std::string& id) {
  auto from = query_page_start(request);
  if (!from) return tl::unexpected(from.error());
  auto limit = query_limit(request);
  if (!limit) return tl::unexpected(limit.error());
  return ViewQuery([&clock, id, from = from->value_or(0), limit = *limit](const View& view) {
    auto page = projections::PurchaseHistory::purchases(view, id, clock.now(), from, limit);
    if (!page) return to_response(from_error(page.error()));
    if (page->refused) return to_response(Problem{*page->refused, "the history does not answer"});
    Json out = Json::array();
    for (const auto& p : page->purchases)
      out.push_back({{"purchase_id", p.purchase_id},
                     {"kind", p.kind},
                     {"product_name", p.product_name},
                     {"purchase_date", format_rfc3339(p.purchase_date)},
                     {"amount", p.amount},
                     {"refunded", p.refunded}});
    Json body{{"purchases", std::move(out)}, {"as_of_position", view.position().value}};
    if (page->next) body["next"] = *page->next;
    return success(std::move(body));
  });
}

// Whether a customer without points answers at all: not once erased (domain.md §6, whatever
// was issued to the id since); else when coupons were issued to the id, a holder who never
// joined the membership.
Checked<bool> known_without_points(const eventstore::KeyStore& keys, const View& view,
                                   const std::string& id) {
  if (commands::membership::is_erased(keys, id)) return false;
  auto any = projections::Balances::coupons_of(view, id, 0, 1);
  if (!any) return tl::unexpected(from_error(any.error()));
  return !any->coupons.empty();
}

// Points (0 for a coupon holder who is not a member), and a page of the customer's coupons
// (they grow: paged like every list).
Checked<ViewQuery> balances(const Clock& clock, const CouponCodes& codes,
                            const eventstore::KeyStore& keys, const Request& request,
                            const std::string& id) {
  auto from = query_page_start(request);
  if (!from) return tl::unexpected(from.error());
  auto limit = query_limit(request);
  if (!limit) return tl::unexpected(limit.error());
  return ViewQuery(
      [&clock, &codes, &keys, id, from = from->value_or(0), limit = *limit](const View& view) {
        auto points = projections::Balances::points(view, id);
        if (!points) return to_response(from_error(points.error()));
        if (!*points) {
          auto known = known_without_points(keys, view, id);
          if (!known) return to_response(known.error());
          if (!*known) return to_response(Problem{"customer_not_found", "no such customer"});
        }
        auto page = projections::Balances::coupons_of(view, id, from, limit);
        if (!page) return to_response(from_error(page.error()));
        Json coupons = Json::array();
        const auto now = clock.now();
        for (const auto& c : page->coupons) {
          auto code = codes.open(c.coupon_id, c.code_event_id, c.sealed_code);
          if (!code) return to_response(from_error(code.error()));
          coupons.push_back({{"coupon_code", *code},
                             {"kind", c.kind},
                             {"balance", c.shown_balance(now)},
                             {"coupon_status", c.status_at(now)}});
        }
        Json body{{"points", points->value_or(0)},
                  {"coupons", std::move(coupons)},
                  {"as_of_position", view.position().value}};
        if (page->next) body["next"] = *page->next;
        return success(std::move(body));
      });
}

}  // namespace

void add_membership_query_routes(Router& router, ApiContext& ctx, const MembershipDeps& deps) {
  // What a query will answer for a customer, or why its request is refused (before the wait).
  using Prepare = std::function<Checked<ViewQuery>(const Request&, const std::string&)>;
  auto add = [&](std::string path, const projections::Projector& model, Prepare prepare) {
    router.add("GET", std::move(path), [&ctx, &model, prepare](Request& request, Respond respond) {
      auto t = member_target(ctx, request, {Role::customer, Role::admin});
      if (!t) return respond(to_response(t.error()));
      auto answer = prepare(request, t->customer_id);
      if (!answer) return respond(to_response(answer.error()));
      query_read_model(ctx, request, std::move(respond), model, std::move(*answer));
    });
  };
  const Clock& clock = ctx.clock;
  const CouponCodes& codes = deps.codes;
  const eventstore::KeyStore& keys = ctx.subject_keys;
  add("/api/v1/customers/{id}/status", deps.history,
      [](const Request&, const std::string& id) -> Checked<ViewQuery> {
        return ViewQuery([id](const View& v) { return status(id, v); });
      });
  add("/api/v1/customers/{id}/purchases", deps.history,
      [&clock](const Request& r, const std::string& id) { return purchases(clock, r, id); });
  add("/api/v1/customers/{id}/balances", deps.balances,
      [&clock, &codes, &keys](const Request& r, const std::string& id) {
        return balances(clock, codes, keys, r, id);
      });
}

}  // namespace tally::api
