// /healthz, /readyz, /metrics and the OpenAPI document: no auth (api.md, Administration).
#include "api/input.h"
#include "api/openapi.h"
#include "api/routes/routes.h"

namespace tally::api {
namespace {

// Ready once every read model has caught up with the head the server found at start, and no
// longer once the log or a read model has stopped on a failed write or read: such a server
// still answers, but cannot take commands or keeps serving rows that no longer move.
Response readiness(const ApiContext& ctx) {
  Json lagging = Json::array();
  Json failed = Json::array();
  const bool log_failed = ctx.log_failed();
  if (log_failed) failed.push_back("log");
  for (const auto* p : ctx.projectors) {
    const auto status = p->status();
    if (status.state == "failed")
      failed.push_back(status.name);
    else if (status.position < ctx.head_at_start)
      lagging.push_back(status.name);
  }
  // Damage does not make the server unready (it still answers what it can read), but a probe
  // is where an operator looks, so it is named there too.
  Json damaged = ctx.log_damaged() ? Json::array({"log"}) : Json::array();
  if (failed.empty() && lagging.empty()) {
    Json body{{"ready", true}};
    if (!damaged.empty()) body["damaged"] = std::move(damaged);
    return success(std::move(body));
  }
  // The cause (it may name files) is in the failed requests' log lines and, for a read model,
  // in GET /api/v1/admin/projections: this path answers without auth.
  Problem p{"not_ready",
            failed.empty() ? "read models are still catching up"
            : log_failed
                ? "the log takes no appends after a failed write; restart the server once its "
                  "cause (in its log) is fixed"
            : !damaged.empty()
                ? "a read model stopped, and a read found the log damaged: if that is the "
                  "cause (the server's log says), stop the server and run tally verify to find "
                  "where; else POST /api/v1/admin/projections/{name}/rebuild"
                : "a read model stopped after a failed write or read; once its cause (in the "
                  "server's log) is fixed, POST /api/v1/admin/projections/{name}/rebuild"};
  if (!failed.empty()) p.extra["failed"] = std::move(failed);
  if (!lagging.empty()) p.extra["catching_up"] = std::move(lagging);
  if (!damaged.empty()) p.extra["damaged"] = std::move(damaged);
  return to_response(p);
}

}  // namespace

void add_platform_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/healthz", answer_now([](Request&) { return success({{"healthy", true}}); }));
  router.add("GET", "/readyz", answer_now([&ctx](Request&) { return readiness(ctx); }));
  router.add("GET", "/metrics", answer_now([&ctx](Request&) {
               Response r;
               r.content_type = "text/plain; version=0.0.4; charset=utf-8";
               r.body = ctx.metrics.render();
               return r;
             }));
  router.add("GET", "/api/v1/openapi.json", answer_now([](Request&) {
               Response r;  // the document itself, not in the success envelope (api.md)
               r.body = openapi_document();
               return r;
             }));
}

}  // namespace tally::api
