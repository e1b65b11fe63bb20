// GET /api/v1/schedules (api.md, Schedules): operator and admin. Paged by `cursor`: a due time
// is shared by many items (coupons issued together expire together), so `from` cannot page.
#include "projections/schedules.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "api/input.h"
#include "api/routes/routes.h"
#include "commands/example/counter.h"
#include "projections/expiry_schedules.h"

namespace tally::api {
namespace {

Checked<std::optional<Timestamp>> time_param(const Request& request, std::string_view name) {
  const std::string* param = request.query_param(name);
  if (!param) return std::optional<Timestamp>{};
  // A query string decodes '+' as a space, so an offset sent unescaped ("…:00+09:00") comes
  // as "…:00 09:00"; an RFC 3339 time has no space, so it can only have been that '+'.
  std::string text = *param;
  std::replace(text.begin(), text.end(), ' ', '+');
  auto t = parse_rfc3339(text);
  if (!t)
    return problem("invalid_field", fmt::format("{} must be an RFC 3339 time", name),
                   std::string(name));
  return std::optional<Timestamp>(*t);
}

// The kinds of api.md (those of domains not built yet list nothing) and the example
// domain's. Another is refused: a misspelt kind must not read as "nothing is due".
constexpr std::string_view kKinds[] = {"payment_due",
                                       "scheduled_send",
                                       "retry",
                                       projections::kHistoryExpiryKind,
                                       projections::kCouponExpiryKind,
                                       commands::example::kResetKind};

// The query the request names, checked before any wait for the read model.
Checked<projections::Schedules::Query> query_of(const Request& request) {
  projections::Schedules::Query query;
  if (const std::string* kind = request.query_param("kind")) {
    if (std::find(std::begin(kKinds), std::end(kKinds), *kind) == std::end(kKinds))
      return problem("invalid_field",
                     fmt::format("kind must be one of {}", fmt::join(kKinds, ", ")), "kind");
    query.kind = *kind;
  }
  auto from = time_param(request, "from");
  if (!from) return tl::unexpected(from.error());
  auto to = time_param(request, "to");
  if (!to) return tl::unexpected(to.error());
  auto limit = query_limit(request);
  if (!limit) return tl::unexpected(limit.error());
  if (const std::string* cursor = request.query_param("cursor")) {
    query.after = projections::Schedules::parse_cursor(*cursor);
    if (!query.after) return problem("invalid_field", "cursor is not a page's next", "cursor");
  }
  query.from = *from;
  query.to = *to;
  query.limit = *limit;
  return query;
}

Response list(projections::Schedules::Query query, const projections::View& view) {
  const std::size_t limit = query.limit;
  query.limit = limit + 1;  // one more says whether a next page exists
  auto items = projections::Schedules::list(view, query);
  if (!items) return to_response(from_error(items.error()));
  const bool more = items->size() > limit;
  if (more) items->pop_back();
  Json out = Json::array();
  for (const auto& item : *items)
    out.push_back(
        {{"kind", item.kind}, {"due_at", format_rfc3339(item.due_at)}, {"ref", item.ref}});
  Json body{{"items", std::move(out)}, {"as_of_position", view.position().value}};
  if (more) body["next"] = projections::Schedules::cursor(items->back());
  return success(std::move(body));
}

}  // namespace

void add_schedule_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/api/v1/schedules", [&ctx](Request& request, Respond respond) {
    auto who = ctx.auth.require(request, {Role::operator_, Role::admin});
    if (!who) return respond(to_response(who.error()));
    if (!ctx.schedules) return respond(internal_error(request.correlation_id));
    auto query = query_of(request);
    if (!query) return respond(to_response(query.error()));
    query_read_model(ctx, request, respond, *ctx.schedules,
                     [query = *query](const projections::View& view) { return list(query, view); });
  });
}

}  // namespace tally::api
