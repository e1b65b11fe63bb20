#include "api/routes/coupon_request.h"

#include <fmt/format.h>

#include "core/json_text.h"

namespace tally::api {

namespace coupons = commands::coupons;

Checked<CouponRequest> coupon_request(ApiContext& ctx, const CouponDeps& deps, Request& request) {
  auto who = ctx.auth.require(request, {Role::pos, Role::admin});
  if (!who) return tl::unexpected(who.error());
  auto body = parse_object(request.body);
  if (!body) return tl::unexpected(body.error());
  auto code = require_text(*body, "coupon_code", 256);
  if (!code) return tl::unexpected(code.error());
  auto store = require_id(*body, "store_id");
  if (!store) return tl::unexpected(store.error());
  auto acting = acting_for_store(*who, *store);
  if (!acting) return tl::unexpected(acting.error());
  if (auto wait = deps.throttle.refused(*who, kCouponLookup))
    return tl::unexpected(too_many_attempts(*wait));
  return CouponRequest{*who, std::move(*body), deps.codes.id_of(*code), *store};
}

Problem coupon_not_found(const CouponDeps& deps, const Principal& who) {
  deps.throttle.record_failure(who, kCouponLookup);
  return Problem{"coupon_not_found", "no coupon has this code"};
}

Problem coupon_problem(const CouponDeps& deps, const Principal& who, const Error& error) {
  if (error.code == Code::rejected && error.reason == "coupon_not_found")
    return coupon_not_found(deps, who);
  Problem p = from_error(error);
  if (error.code != Code::rejected) return p;
  if (auto status = coupons::rejected_status(error.message)) {
    p.extra["coupon_status"] = *status;
    const auto rest = error.message.find("; ");
    if (rest != std::string::npos) p.message = error.message.substr(rest + 2);
  }
  return p;
}

Result<std::optional<Position>> issued_at(const eventstore::Reader& log,
                                          const std::string& coupon_id) {
  auto first = log.read_stream(coupons::coupon_stream(coupon_id), StreamVersion(1), 1);
  if (!first) return tl::unexpected(first.error());
  if (first->empty()) return std::optional<Position>();
  return std::optional<Position>(first->front().position);
}

Problem keyed_coupon_problem(const CouponDeps& deps, const eventstore::Reader& log,
                             const Principal& who, const std::string& coupon_id,
                             const Error& error) {
  if (error.code == Code::idempotency_conflict) {
    auto issued = issued_at(log, coupon_id);
    if (!issued) return from_error(issued.error());
    if (!*issued) return coupon_not_found(deps, who);
  }
  return coupon_problem(deps, who, error);
}

Result<std::optional<std::int64_t>> product_price(const eventstore::Reader& log,
                                                  const std::string& product_id) {
  std::vector<eventstore::RecordedEvent> events;
  for (StreamVersion from(1);;) {
    auto page = log.read_stream(coupons::product_stream(product_id), from, 1000);
    if (!page) return tl::unexpected(page.error());
    if (page->empty()) break;
    from = page->back().version.next();
    const bool last = page->size() < 1000;
    for (auto& e : *page) events.push_back(std::move(e));
    if (last) break;
  }
  return coupons::Catalogue::price_of(events);
}

std::string redeem_canonical(const coupons::RedeemCoupon& c) {
  return fmt::format(
      R"({{"amount":{},"coupon":{},"op":"redeem","product":{},"store":{},"txn":{}}})", c.amount,
      json_quoted(c.coupon_id), json_quoted(c.product_id), json_quoted(c.store_id),
      json_quoted(c.transaction_id));
}

}  // namespace tally::api
