// The routes of the business domains (api.md, Coupons and Membership) and what they need
// besides ApiContext: the domains' command buses, their read models, the coupon secrets and
// the look-up throttle. tools/serve_domains.cc builds these and calls the add_* functions.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/command_context.h"
#include "api/context.h"
#include "api/coupon_codes.h"
#include "api/input.h"
#include "api/router.h"
#include "commands/coupons/catalogue.h"
#include "commands/coupons/coupons.h"
#include "commands/membership/membership.h"
#include "eventstore/keys.h"

namespace tally::api {

struct CouponDeps {
  commands::CommandBus<commands::coupons::Coupons>& coupons;
  commands::CommandBus<commands::coupons::Catalogue>& catalogue;
  const CouponCodes& codes;
  Throttle& throttle;
  const projections::Projector& balances;
  const projections::Projector& transactions;
};

struct MembershipDeps {
  commands::CommandBus<commands::membership::Membership>& members;
  eventstore::KeyStore& keys;  // subject keys the PII is sealed under
  const CouponCodes& codes;    // to show the codes of a customer's coupons
  const projections::Projector& balances;
  const projections::Projector& history;
};

// POST /api/v1/coupons, PUT /api/v1/products/{product_id}, POST /api/v1/coupon/redeem|refund.
void add_coupon_command_routes(Router& router, ApiContext& ctx, const CouponDeps& deps);
// POST /api/v1/coupon/check|balance|transactions.
void add_coupon_query_routes(Router& router, ApiContext& ctx, const CouponDeps& deps);
// /api/v1/customers… commands, and the GETs of status, purchases, balances.
void add_membership_command_routes(Router& router, ApiContext& ctx, const MembershipDeps& deps);
void add_membership_query_routes(Router& router, ApiContext& ctx, const MembershipDeps& deps);
// POST /api/v1/admin/erase (admin): a customer's erasure (domain.md §6).
void add_erasure_routes(Router& router, ApiContext& ctx, const MembershipDeps& deps);
// The customer id of an erasure's subject "customer:<id>"; invalid_field on `subject` else
// (recipients, of the sends domain, have no key to erase yet). Also for `tally erase`.
Checked<std::string> erasable_customer(const std::string& subject);
// An erasure's reason, for the audit trail: 1-1000 characters of UTF-8. Also for `tally erase`.
Checked<std::string> erasure_reason(const Json& body);

// Runs a domain command and answers it: the outcome's answer (turned by `shape` when given)
// with `position`, or the error through `problem_of`. Never throws out of the callback.
using Shape = std::function<Checked<Json>(Json answer)>;
using ProblemOf = std::function<Problem(const Error&)>;

// A domain's invalid_field knows no field, but its message starts with the field's name: the
// answer names it (api.md: invalid_field comes with `field`).
inline ProblemOf naming_fields(std::vector<std::string> fields) {
  return [fields = std::move(fields)](const Error& e) {
    Problem p = from_error(e);
    for (const auto& field : fields)
      if (p.code == "invalid_field" && e.message.starts_with(field)) p.field = field;
    return p;
  };
}

template <class D>
void run_command(ApiContext& ctx, commands::CommandBus<D>& bus, std::string correlation_id,
                 Respond respond, typename D::Command command, commands::Context context,
                 unsigned status, Shape shape = {}, ProblemOf problem_of = from_error) {
  auto ticket = ctx.commands.try_enter();
  if (!ticket) return respond(to_response(overloaded_problem()));
  bus.execute_async(std::move(command), std::move(context),
                    [ticket, respond, correlation_id = std::move(correlation_id), status,
                     shape = std::move(shape),
                     problem_of = std::move(problem_of)](Result<commands::Outcome> outcome) {
                      guarded(correlation_id, respond, [&] {
                        if (!outcome) return respond(to_response(problem_of(outcome.error())));
                        if (!shape) return respond(command_answer(*outcome, status));
                        auto shaped = shape(answer_object(*outcome));
                        if (!shaped) return respond(to_response(shaped.error()));
                        (*shaped)["position"] = outcome->last.value;
                        respond(command_answer(std::move(*shaped), *outcome, status));
                      });
                    });
}

}  // namespace tally::api
