// POST /api/v1/admin/erase (api.md Administration, domain.md §6): admin only. The erasure
// itself is commands/membership/erasure.h; this route answers once every read model applied
// it, so the queries that follow already answer customer_not_found.
#include "commands/membership/erasure.h"

#include "api/routes/domains.h"

namespace tally::api {
namespace {

namespace membership = commands::membership;

// How long the answer waits, in all, for the read models to purge the customer's rows. Past it the
// erasure still stands (key gone, event recorded) and the rows go when the models catch up.
constexpr std::chrono::seconds kPurgeWait{5};

void erase(ApiContext& ctx, const MembershipDeps& deps, Request& request, Respond respond) {
  auto who = ctx.auth.require(request, {Role::admin});
  if (!who) return respond(to_response(who.error()));
  auto body = parse_object(request.body);
  if (!body) return respond(to_response(body.error()));
  auto subject = require_text(*body, "subject", 200);
  if (!subject) return respond(to_response(subject.error()));
  auto customer_id = erasable_customer(*subject);
  if (!customer_id) return respond(to_response(customer_id.error()));
  auto reason = erasure_reason(*body);
  if (!reason) return respond(to_response(reason.error()));
  auto context = command_context(Request{}, *who).value();  // actor only: erasure keys itself
  context.correlation_id = request.correlation_id;
  auto ticket = ctx.commands.try_enter();
  if (!ticket) return respond(to_response(overloaded_problem()));
  membership::EraseCustomer command{*customer_id, *reason, ctx.clock.now()};
  auto work = [&ctx, deps, ticket, respond, correlation_id = request.correlation_id, command,
               context, subject = *subject] {
    guarded(correlation_id, respond, [&] {
      auto outcome = membership::erase_customer(deps.members, deps.keys, command, context);
      if (!outcome) return respond(to_response(from_error(outcome.error())));
      const auto deadline = std::chrono::steady_clock::now() + kPurgeWait;
      for (const auto* model : ctx.projectors) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() > 0) model->wait_for(outcome->last, left);
      }
      respond(
          command_answer({{"subject", subject}, {"position", outcome->last.value}}, *outcome, 200));
    });
  };
  if (!ctx.waits.try_post(std::move(work))) respond(to_response(overloaded_problem()));
}

}  // namespace

Checked<std::string> erasable_customer(const std::string& subject) {
  constexpr std::string_view kCustomer = "customer:";
  if (subject.starts_with("recipient:"))
    return problem("invalid_field", "recipients are not held by this server yet", "subject");
  if (!subject.starts_with(kCustomer) || !is_valid_id(subject.substr(kCustomer.size())))
    return problem("invalid_field", "subject is KIND:ID, e.g. customer:C9", "subject");
  return subject.substr(kCustomer.size());
}

Checked<std::string> erasure_reason(const Json& body) {
  auto reason = require_text(body, "reason", 1000);
  if (!reason) return reason;
  // A body's text is UTF-8 already; a command line's may not be, and the log keeps text.
  try {
    (void)Json(*reason).dump();
  } catch (const Json::type_error&) {
    return problem("invalid_field", "reason is not UTF-8 text", "reason");
  }
  return reason;
}

void add_erasure_routes(Router& router, ApiContext& ctx, const MembershipDeps& deps) {
  router.add("POST", "/api/v1/admin/erase", [&ctx, deps](Request& request, Respond respond) {
    erase(ctx, deps, request, std::move(respond));
  });
}

}  // namespace tally::api
