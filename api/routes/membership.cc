// The membership commands (api.md, Membership): register (201), points earn (admin) and spend,
// purchases (201), cancel, purchases/expire and block_purchases (admin). A customer acts for
// its own id only; naming another customer's id is the 404 of an unknown one (no enumeration).
// Idempotency follows commands/membership/membership.h.
#include "api/routes/coupon_request.h"
#include "api/routes/member_request.h"
#include "core/ids.h"

namespace tally::api {
namespace {

namespace membership = commands::membership;
using commands::Context;

std::string new_id(const Clock& clock) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch());
  return new_uuid_v7(static_cast<std::uint64_t>(ms.count()));
}

// PII is sealed under the customer's subject key before the command exists (domain.md §6).
// The key store syncs a new key, so this runs on the wait pool, not on an I/O thread.
void register_customer(ApiContext& ctx, const MembershipDeps& deps, Request& request,
                       Respond respond) {
  auto who = ctx.auth.require(request, {Role::customer, Role::admin});
  if (!who) return respond(to_response(who.error()));
  auto body = parse_object(request.body);
  if (!body) return respond(to_response(body.error()));
  auto given = optional_id(*body, "customer_id");
  if (!given) return respond(to_response(given.error()));
  std::string id =
      given->value_or(who->role == Role::customer ? who->customer_id : new_id(ctx.clock));
  if (auto acting = acting_as_customer(*who, id); !acting)
    return respond(to_response(acting.error()));
  if (!is_valid_id(id))  // a JWT's own sub, when the body names none
    return respond(to_response(Problem{"invalid_field", "bad customer id", "customer_id"}));
  std::array<std::string, 3> pii;
  const std::array<const char*, 3> fields = {"name", "email", "phone"};
  for (std::size_t i = 0; i < fields.size(); ++i) {
    auto text = require_text(*body, fields[i], 200);
    if (!text) return respond(to_response(text.error()));
    pii[i] = std::move(*text);
  }
  auto context = command_context(request, *who, &*body);
  if (!context) return respond(to_response(context.error()));
  auto work = [&ctx, deps, respond, correlation_id = request.correlation_id, id, pii, fields,
               context = *context] {
    guarded(correlation_id, respond, [&] {
      const std::string subject = membership::customer_subject(id);
      auto key = deps.keys.get_or_create(subject);
      if (!key && key.error().code == Code::subject_erased)
        return respond(to_response(Problem{"customer_exists", "this customer id was erased"}));
      if (!key) return respond(to_response(from_error(key.error())));
      membership::RegisterCustomer c{id, new_id(ctx.clock), {}, {}, {}, ctx.clock.now()};
      std::array<std::string*, 3> sealed = {&c.sealed_name, &c.sealed_email, &c.sealed_phone};
      for (std::size_t i = 0; i < fields.size(); ++i)
        *sealed[i] = seal(*key, {subject, c.event_id, fields[i]}, pii[i]);
      run_command(ctx, deps.members, correlation_id, respond, std::move(c), context, 201);
    });
  };
  if (!ctx.waits.try_post(std::move(work))) respond(to_response(overloaded_problem()));
}

void points(ApiContext& ctx, const MembershipDeps& deps, Request& request, Respond respond,
            bool earn) {
  auto t = earn ? member_target(ctx, request, {Role::admin})
                : member_target(ctx, request, {Role::customer, Role::admin});
  if (!t) return respond(to_response(t.error()));
  auto body = parse_object(request.body);
  if (!body) return respond(to_response(body.error()));
  auto amount = require_amount(*body, "amount");
  if (!amount) return respond(to_response(amount.error()));
  auto reason = require_text(*body, "reason", 200);
  if (!reason) return respond(to_response(reason.error()));
  auto context = command_context(request, t->who, &*body);
  if (!context) return respond(to_response(context.error()));
  membership::MembershipCommand c =
      earn ? membership::MembershipCommand(
                 membership::EarnPoints{t->customer_id, *amount, *reason, ctx.clock.now()})
           : membership::SpendPoints{t->customer_id, *amount, *reason, ctx.clock.now()};
  // The domain refuses an earn past the largest balance by its amount.
  run_command(ctx, deps.members, request.correlation_id, respond, std::move(c), std::move(*context),
              200, {}, naming_fields({"amount"}));
}

Checked<std::vector<membership::PurchaseItem>> decode_items(const Json& body) {
  if (!body.contains("items") || body["items"].is_null())
    return problem("missing_field", "items is required", "items");
  if (!body["items"].is_array() || body["items"].empty() || body["items"].size() > 1000)
    return problem("invalid_field", "items is a list of 1-1000 items", "items");
  std::vector<membership::PurchaseItem> items;
  for (const auto& item : body["items"]) {
    if (!item.is_object()) return problem("invalid_field", "an item is an object", "items");
    auto product = require_id(item, "product_id");
    if (!product) return tl::unexpected(product.error());
    auto name = require_text(item, "product_name", 200);
    if (!name) return tl::unexpected(name.error());
    auto quantity = require_amount(item, "quantity");
    if (!quantity) return tl::unexpected(quantity.error());
    auto price = require_amount(item, "unit_price", Zero::allowed);
    if (!price) return tl::unexpected(price.error());
    items.push_back({*product, *name, *quantity, *price});
  }
  return items;
}

void purchase(ApiContext& ctx, const MembershipDeps& deps, Request& request, Respond respond) {
  auto t = member_target(ctx, request, {Role::customer, Role::admin});
  if (!t) return respond(to_response(t.error()));
  auto body = parse_object(request.body);
  if (!body) return respond(to_response(body.error()));
  auto purchase_id = require_id(*body, "purchase_id");
  if (!purchase_id) return respond(to_response(purchase_id.error()));
  auto items = decode_items(*body);
  if (!items) return respond(to_response(items.error()));
  auto amount = require_amount(*body, "amount");
  if (!amount) return respond(to_response(amount.error()));
  std::int64_t points_used = 0;
  if (body->contains("points_used") && !(*body)["points_used"].is_null()) {
    auto used = require_amount(*body, "points_used", Zero::allowed);
    if (!used) return respond(to_response(used.error()));
    points_used = *used;
  }
  Json canonical{{"purchase", *purchase_id}, {"amount", *amount}, {"points_used", points_used}};
  for (const auto& i : *items)
    canonical["items"].push_back({i.product_id, i.product_name, i.quantity, i.unit_price});
  auto context = keyed_context(request, t->who, "purchase/" + t->customer_id + "/" + *purchase_id,
                               fingerprint_of(canonical.dump()));
  run_command(ctx, deps.members, request.correlation_id, respond,
              membership::RecordPurchase{t->customer_id, *purchase_id, std::move(*items), *amount,
                                         points_used, ctx.clock.now()},
              std::move(context), 201);
}

// Cancel and purchases/expire: a constant fingerprint, so a second call replays the first.
void once(ApiContext& ctx, const MembershipDeps& deps, Request& request, Respond respond,
          bool cancel) {
  auto t = cancel ? member_target(ctx, request, {Role::customer, Role::admin})
                  : member_target(ctx, request, {Role::admin});
  if (!t) return respond(to_response(t.error()));
  const std::string what = cancel ? "customer-cancel/" : "history-expire/";
  auto context = keyed_context(request, t->who, what + t->customer_id, what);
  membership::MembershipCommand c =
      cancel ? membership::MembershipCommand(
                   membership::CancelMembership{t->customer_id, ctx.clock.now()})
             : membership::ExpireHistory{t->customer_id, ctx.clock.now(), std::nullopt};
  run_command(ctx, deps.members, request.correlation_id, respond, std::move(c), std::move(context),
              200);
}

void block(ApiContext& ctx, const MembershipDeps& deps, Request& request, Respond respond) {
  auto t = member_target(ctx, request, {Role::admin});
  if (!t) return respond(to_response(t.error()));
  auto context = command_context(request, t->who);
  if (!context) return respond(to_response(context.error()));
  run_command(ctx, deps.members, request.correlation_id, respond,
              membership::BlockPurchases{t->customer_id, ctx.clock.now()}, std::move(*context),
              200);
}

}  // namespace

void add_membership_command_routes(Router& router, ApiContext& ctx, const MembershipDeps& deps) {
  using H = std::function<void(ApiContext&, const MembershipDeps&, Request&, Respond)>;
  auto add = [&](std::string method, std::string path, H h) {
    router.add(std::move(method), std::move(path),
               [&ctx, deps, h](Request& request, Respond respond) {
                 h(ctx, deps, request, std::move(respond));
               });
  };
  using namespace std::placeholders;
  add("POST", "/api/v1/customers", register_customer);
  add("POST", "/api/v1/customers/{id}/points/earn", std::bind(points, _1, _2, _3, _4, true));
  add("POST", "/api/v1/customers/{id}/points/spend", std::bind(points, _1, _2, _3, _4, false));
  add("POST", "/api/v1/customers/{id}/purchases", purchase);
  add("POST", "/api/v1/customers/{id}/cancel", std::bind(once, _1, _2, _3, _4, true));
  add("DELETE", "/api/v1/customers/{id}/purchases/expire", std::bind(once, _1, _2, _3, _4, false));
  add("POST", "/api/v1/customers/{id}/block_purchases", block);
}

}  // namespace tally::api
