#include "api/routes/example.h"

#include "api/command_context.h"
#include "api/input.h"

namespace tally::api {

using commands::example::Counter;

void add_example_routes(Router& router, ApiContext& ctx, commands::CommandBus<Counter>& counters) {
  router.add(
      "POST", "/api/v1/example/counters/{id}/increment",
      [&ctx, &counters](Request& request, Respond respond) {
        auto who = ctx.auth.authenticate(request);
        if (!who) return respond(to_response(who.error()));
        request.key_id = who->key_id;
        const std::string& id = request.params.at("id");
        if (!is_valid_id(id)) return respond(to_response(Problem{"invalid_field", "bad id", "id"}));
        auto body = parse_object(request.body.empty() ? std::string_view("{}") : request.body);
        if (!body) return respond(to_response(body.error()));
        std::int64_t by = 1;
        if (body->contains("by")) {
          auto amount = require_amount(*body, "by");
          if (!amount) return respond(to_response(amount.error()));
          by = *amount;
          // Bounded so the counter's sum cannot overflow: a benchmark fixture, not money.
          if (by > 1'000'000)
            return respond(to_response(Problem{"invalid_field", "by is at most 1000000", "by"}));
        }
        auto context = command_context(request, *who, &*body);
        if (!context) return respond(to_response(context.error()));
        auto ticket = ctx.commands.try_enter();
        if (!ticket) return respond(to_response(overloaded_problem()));
        Counter::Increment command{id, by, INT64_MAX / 2, ctx.clock.now(), std::chrono::hours(24)};
        counters.execute_async(std::move(command), std::move(*context),
                               [ticket, respond, correlation_id = request.correlation_id](
                                   Result<commands::Outcome> outcome) {
                                 guarded(correlation_id, respond, [&] {
                                   if (!outcome)
                                     return respond(to_response(from_error(outcome.error())));
                                   Json answer = Json::parse(outcome->answer, nullptr, false);
                                   Json body{{"position", outcome->last.value}};
                                   if (answer.is_object()) body["value"] = answer.value("value", 0);
                                   respond(command_answer(std::move(body), *outcome, 200));
                                 });
                               });
      });
}

}  // namespace tally::api
