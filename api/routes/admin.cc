// Administration (api.md): read models and their rebuild, API keys, the test clock. Admin only.
#include "api/command_context.h"
#include "api/input.h"
#include "api/keys/api_keys.h"
#include "api/routes/routes.h"

namespace tally::api {
namespace {

Json projection_json(const projections::Projector& p) {
  const auto s = p.status();
  Json j{{"name", s.name}, {"position", s.position.value}, {"lag", s.lag}, {"state", s.state}};
  if (s.rebuild) j["rebuild_position"] = s.rebuild->position.value;
  // The stored reason is an internal message (it may name files): its code is enough here.
  if (s.error) j["error"] = std::string(code_name(s.error->code));
  return j;
}

Response list_projections(const ApiContext& ctx) {
  Json out = Json::array();
  for (const auto* p : ctx.projectors) out.push_back(projection_json(*p));
  return success({{"projections", std::move(out)}, {"as_of_position", ctx.log.head().value}});
}

Response rebuild(const ApiContext& ctx, const std::string& name) {
  for (auto* p : ctx.projectors) {
    if (p->name() != name) continue;
    auto started = p->rebuild();
    // Asked twice: the rebuild already running is the answer.
    if (!started && started.error().code != Code::invalid_argument)
      return to_response(from_error(started.error()));
    return success({{"name", name}, {"state", "rebuilding"}}, 202);
  }
  return to_response(Problem{"projection_not_found", "no read model " + name});
}

void add_key(ApiContext& ctx, Request& request, Respond respond, const Principal& by) {
  auto body = parse_object(request.body);
  if (!body) return respond(to_response(body.error()));
  const Json* role = body->contains("role") ? &(*body)["role"] : nullptr;
  if (!role || role->is_null())
    return respond(to_response(Problem{"missing_field", "role is required", "role"}));
  if (!role->is_string())
    return respond(to_response(Problem{"invalid_field", "role must be a string", "role"}));
  auto store = optional_id(*body, "store_id");
  if (!store) return respond(to_response(store.error()));
  auto customer = optional_id(*body, "customer_id");
  if (!customer) return respond(to_response(customer.error()));
  auto spec = keys::key_spec(role->get<std::string>(), *store, *customer);
  if (!spec) return respond(to_response(spec.error()));
  auto work = [&ctx, spec = *spec, by, respond, correlation_id = request.correlation_id] {
    guarded(correlation_id, respond, [&] {
      auto issued = ctx.issue_key(spec, by, correlation_id);
      if (!issued) return respond(to_response(from_error(issued.error())));
      respond(success({{"key", issued->key},
                       {"key_id", issued->key_id},
                       {"role", role_name(spec.role)},
                       {"position", issued->position.value}},
                      201));
    });
  };
  if (!ctx.waits.try_post(work)) respond(to_response(overloaded_problem()));
}

// The log's hash chain and invariants, then its files' checksums, as `tally verify` checks
// them offline; the live log reads consistently while appends go on, up to the head it found.
// Long on a large log (millions of events a second), so on the wait pool.
void verify_log(ApiContext& ctx, Request& request, Respond respond) {
  if (ctx.verifying.exchange(true)) {
    Problem busy{"overloaded", "a verify of the log is running; retry once it has answered"};
    busy.headers.emplace_back("Retry-After", "5");
    return respond(to_response(busy));
  }
  // Free again before the answer leaves: a client that asks again once answered must not
  // find this one still running.
  Respond answer = [&ctx, respond](Response r) {
    ctx.verifying = false;
    respond(std::move(r));
  };
  auto work = [&ctx, answer, correlation_id = request.correlation_id] {
    guarded(correlation_id, answer, [&] {
      const Position head = ctx.log.head();
      auto bad = ctx.verify_log();
      if (!bad && bad.error().code != Code::corruption)
        return answer(to_response(from_error(bad.error())));
      Json body{{"intact", bad && !*bad}, {"verified_to", head.value}};
      if (!bad) body["damage"] = bad.error().message;  // admin only: it may name files
      if (bad && *bad) body["first_bad_position"] = (*bad)->value;
      answer(success(std::move(body)));
    });
  };
  if (!ctx.waits.try_post(work)) answer(to_response(overloaded_problem()));
}

Response clock_now(const TestClockControl& clock) {
  return success({{"now", format_rfc3339(clock.now())}});
}

Response advance_clock(TestClockControl& clock, const Request& request) {
  auto body = parse_object(request.body);
  if (!body) return to_response(body.error());
  auto seconds = require_amount(*body, "seconds");
  if (!seconds) return to_response(seconds.error());
  // A step past the writable years would wrap the microseconds or print a year no client
  // reads, and the clock is stored that way for good.
  auto now = clock.advance(std::chrono::seconds(*seconds), end_of_writable_time());
  if (!now && now.error().code == Code::invalid_argument)
    return to_response(
        Problem{"invalid_field", "seconds would take the clock past the year 9999", "seconds"});
  if (!now) return to_response(from_error(now.error()));
  return success({{"now", format_rfc3339(*now)}});
}

}  // namespace

void add_admin_routes(Router& router, ApiContext& ctx) {
  // Wraps a handler so that only an admin reaches it.
  const auto admin = [&ctx](auto f) -> Handler {
    return [&ctx, f](Request& request, Respond respond) {
      auto who = ctx.auth.require(request, {Role::admin});
      if (!who) return respond(to_response(who.error()));
      f(request, respond, *who);
    };
  };
  router.add("GET", "/api/v1/admin/projections",
             admin([&ctx](Request& request, Respond respond, const Principal&) {
               query_log(ctx, request, respond, [&ctx](Position) { return list_projections(ctx); });
             }));
  router.add("POST", "/api/v1/admin/projections/{name}/rebuild",
             admin([&ctx](Request& request, Respond respond, const Principal&) {
               respond(rebuild(ctx, request.params.at("name")));
             }));
  router.add("POST", "/api/v1/admin/verify",
             admin([&ctx](Request& request, Respond respond, const Principal&) {
               verify_log(ctx, request, respond);
             }));
  router.add("POST", "/api/v1/admin/keys",
             admin([&ctx](Request& request, Respond respond, const Principal& by) {
               add_key(ctx, request, respond, by);
             }));
  // Without --test-clock these paths do not exist: 404 like any unknown path.
  if (!ctx.test_clock) return;
  router.add("GET", "/api/v1/admin/test-clock",
             admin([&ctx](Request&, Respond respond, const Principal&) {
               respond(clock_now(*ctx.test_clock));
             }));
  router.add("POST", "/api/v1/admin/test-clock/advance",
             admin([&ctx](Request& request, Respond respond, const Principal&) {
               respond(advance_clock(*ctx.test_clock, request));
             }));
}

}  // namespace tally::api
