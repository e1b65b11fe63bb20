// The coupon commands (api.md, Coupons): issue (admin, 201), product prices (admin), redeem and
// refund (pos for its store, admin). Idempotency follows commands/coupons/coupons.h: redeem
// keyed by (store_id, transaction_id), refund by (store_id, refund_id) or its transaction or
// the whole coupon; an issue naming its code is never keyed (coupon_exists whatever the key).
#include "api/routes/coupon_request.h"
#include "commands/membership/erasure.h"
#include "core/ids.h"
#include "projections/view_support.h"

namespace tally::api {
namespace {

namespace coupons = commands::coupons;
using commands::Context;

std::string new_event_id(const Clock& clock) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch());
  return new_uuid_v7(static_cast<std::uint64_t>(ms.count()));
}

// Opens the sealed code the issue outcome keeps, so a replayed issue answers the same code.
Shape issued_code(const CouponCodes& codes) {
  return [&codes](Json answer) -> Checked<Json> {
    auto sealed = projections::views::unhex(answer.value("sealed_code", ""));
    if (!sealed) return problem("internal", "the issue outcome has no sealed code");
    auto code =
        codes.open(answer.value("coupon_id", ""), answer.value("code_event_id", ""), *sealed);
    if (!code) return problem("internal", "the issued code does not open");
    return Json{{"coupon_code", *code}};
  };
}

Checked<coupons::IssueCoupon> decode_issue(ApiContext& ctx, const Json& body) {
  coupons::IssueCoupon c;
  const std::string* kind = body.contains("kind") && body["kind"].is_string()
                                ? body["kind"].get_ptr<const std::string*>()
                                : nullptr;
  if (!body.contains("kind") || body["kind"].is_null())
    return problem("missing_field", "kind is required", "kind");
  if (!kind || (*kind != "exchange" && *kind != "balance"))
    return problem("invalid_field", "kind is exchange or balance", "kind");
  c.kind = *kind == "exchange" ? coupons::CouponKind::exchange : coupons::CouponKind::balance;
  auto face = require_amount(body, "face_value");
  if (!face) return tl::unexpected(face.error());
  c.face_value = *face;
  if (c.kind == coupons::CouponKind::exchange) {
    auto product = require_id(body, "product_id");
    if (!product) return tl::unexpected(product.error());
    c.product_id = *product;
  } else {
    auto product = optional_id(body, "product_id");
    if (!product) return tl::unexpected(product.error());
    c.product_id = product->value_or("");
  }
  auto expires = require_text(body, "expires_at", 64);
  if (!expires) return tl::unexpected(expires.error());
  auto at = parse_rfc3339(*expires);
  if (!at) return problem("invalid_field", "expires_at must be an RFC 3339 time", "expires_at");
  c.expires_at = *at;
  auto customer = optional_id(body, "customer_id");
  if (!customer) return tl::unexpected(customer.error());
  c.customer_id = customer->value_or("");
  // An erased customer is gone for every command (domain.md §6): a coupon given to the id
  // afterwards would belong to nobody anyone can see.
  if (!c.customer_id.empty() && commands::membership::is_erased(ctx.subject_keys, c.customer_id))
    return tl::unexpected(Problem{"customer_not_found", "this customer id was erased"});
  c.now = ctx.clock.now();
  if (!c.product_id.empty()) {
    auto price = product_price(ctx.log, c.product_id);
    if (!price) return tl::unexpected(from_error(price.error()));
    c.product_price = *price;
  }
  return c;
}

void issue(ApiContext& ctx, const CouponDeps& deps, Request& request, Respond respond) {
  auto who = ctx.auth.require(request, {Role::admin});
  if (!who) return respond(to_response(who.error()));
  auto body = parse_object(request.body);
  if (!body) return respond(to_response(body.error()));
  auto explicit_code = optional_id(*body, "coupon_code");
  if (!explicit_code) return respond(to_response(explicit_code.error()));
  auto command = decode_issue(ctx, *body);
  if (!command) return respond(to_response(command.error()));
  auto context = command_context(request, *who, &*body);
  if (!context) return respond(to_response(context.error()));
  const std::string code = explicit_code->value_or(CouponCodes::generate());
  if (code.empty()) return respond(internal_error(request.correlation_id));
  if (*explicit_code) context->idempotency_key.clear();  // coupon_exists whatever the key
  command->coupon_id = deps.codes.id_of(code);
  command->event_id = new_event_id(ctx.clock);
  command->sealed_code = deps.codes.seal(command->coupon_id, command->event_id, code);
  // The domain's field rules (expires_at in the future) name their field in the message.
  run_command(ctx, deps.coupons, request.correlation_id, respond, std::move(*command),
              std::move(*context), 201, issued_code(deps.codes),
              naming_fields({"expires_at", "face_value"}));
}

void price_product(ApiContext& ctx, const CouponDeps& deps, Request& request, Respond respond) {
  auto who = ctx.auth.require(request, {Role::admin});
  if (!who) return respond(to_response(who.error()));
  const std::string& id = request.params.at("product_id");
  if (!is_valid_id(id))
    return respond(to_response(Problem{"invalid_field", "bad product_id", "product_id"}));
  auto body = parse_object(request.body);
  if (!body) return respond(to_response(body.error()));
  auto name = require_text(*body, "name", 200);
  if (!name) return respond(to_response(name.error()));
  auto price = require_amount(*body, "price");
  if (!price) return respond(to_response(price.error()));
  auto context = command_context(request, *who, &*body);
  if (!context) return respond(to_response(context.error()));
  run_command(ctx, deps.catalogue, request.correlation_id, respond,
              coupons::Catalogue::PriceProduct{id, *name, *price, ctx.clock.now()},
              std::move(*context), 200);
}

void redeem(ApiContext& ctx, const CouponDeps& deps, Request& request, Respond respond) {
  auto r = coupon_request(ctx, deps, request);
  if (!r) return respond(to_response(r.error()));
  auto txn = require_id(r->body, "transaction_id");
  if (!txn) return respond(to_response(txn.error()));
  std::int64_t amount = 0;
  const bool has_amount = r->body.contains("amount") && !r->body["amount"].is_null();
  if (has_amount) {
    auto a = require_amount(r->body, "amount");
    if (!a) return respond(to_response(a.error()));
    amount = *a;
  }
  auto product = optional_id(r->body, "product_id");
  if (!product) return respond(to_response(product.error()));
  coupons::RedeemCoupon c{r->coupon_id,          r->store_id, *txn,           amount,
                          product->value_or(""), {},          ctx.clock.now()};
  if (!c.product_id.empty()) {
    auto price = product_price(ctx.log, c.product_id);
    if (!price) return respond(to_response(from_error(price.error())));
    c.product_price = *price;
  }
  auto context =
      keyed_context(request, r->who, "coupon-redeem/" + c.store_id + "/" + c.transaction_id,
                    fingerprint_of(redeem_canonical(c)));
  ProblemOf problem_of = [deps, &log = ctx.log, who = r->who, id = c.coupon_id,
                          has_amount](const Error& e) {
    Problem p = keyed_coupon_problem(deps, log, who, id, e);
    // Only a balance coupon needs an amount, and only the coupon's state says which it is.
    if (p.code == "invalid_field" && e.message.starts_with("amount"))
      p = has_amount ? Problem{"invalid_field", e.message, "amount"}
                     : Problem{"missing_field", "a balance coupon needs an amount", "amount"};
    return p;
  };
  run_command(ctx, deps.coupons, request.correlation_id, respond, std::move(c), std::move(context),
              200, {}, std::move(problem_of));
}

void refund(ApiContext& ctx, const CouponDeps& deps, Request& request, Respond respond) {
  auto r = coupon_request(ctx, deps, request);
  if (!r) return respond(to_response(r.error()));
  auto refund_id = optional_id(r->body, "refund_id");
  if (!refund_id) return respond(to_response(refund_id.error()));
  auto txn = optional_id(r->body, "transaction_id");
  if (!txn) return respond(to_response(txn.error()));
  coupons::RefundCoupon c{r->coupon_id, r->store_id, refund_id->value_or(""),
                          *txn,         {},          ctx.clock.now()};
  if (r->body.contains("amount") && !r->body["amount"].is_null()) {
    // Zero is 400 like any amount (api.md, Conventions); a positive one is a cash-out: 422.
    auto a = require_amount(r->body, "amount");
    if (!a) return respond(to_response(a.error()));
    c.amount = *a;
  }
  std::string key = "coupon-refund/" + c.store_id + "/";
  if (!c.refund_id.empty())
    key += c.refund_id;
  else if (c.transaction_id)
    key += "txn/" + *c.transaction_id;
  else
    key += "whole/" + c.coupon_id;
  const Json canonical{{"op", "refund"},
                       {"coupon", c.coupon_id},
                       {"store", c.store_id},
                       {"refund", c.refund_id},
                       {"txn", c.transaction_id.value_or("")},
                       {"amount", c.amount ? Json(*c.amount) : Json()}};
  auto context = keyed_context(request, r->who, std::move(key), fingerprint_of(canonical.dump()));
  ProblemOf problem_of = [deps, &log = ctx.log, who = r->who, id = c.coupon_id](const Error& e) {
    return keyed_coupon_problem(deps, log, who, id, e);
  };
  run_command(ctx, deps.coupons, request.correlation_id, respond, std::move(c), std::move(context),
              200, {}, std::move(problem_of));
}

}  // namespace

void add_coupon_command_routes(Router& router, ApiContext& ctx, const CouponDeps& deps) {
  router.add("POST", "/api/v1/coupons", [&ctx, deps](Request& request, Respond respond) {
    issue(ctx, deps, request, std::move(respond));
  });
  router.add("PUT", "/api/v1/products/{product_id}",
             [&ctx, deps](Request& request, Respond respond) {
               price_product(ctx, deps, request, std::move(respond));
             });
  router.add("POST", "/api/v1/coupon/redeem", [&ctx, deps](Request& request, Respond respond) {
    redeem(ctx, deps, request, std::move(respond));
  });
  router.add("POST", "/api/v1/coupon/refund", [&ctx, deps](Request& request, Respond respond) {
    refund(ctx, deps, request, std::move(respond));
  });
}

}  // namespace tally::api
