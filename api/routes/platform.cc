// /healthz, /readyz, /metrics and the OpenAPI document: no auth (api.md, Administration).
#include "api/input.h"
#include "api/openapi.h"
#include "api/routes/routes.h"

namespace tally::api {
namespace {

// Ready once every read model has caught up with the head the server found at start.
Response readiness(const ApiContext& ctx) {
  Json lagging = Json::array();
  for (const auto* p : ctx.projectors)
    if (p->position() < ctx.head_at_start) lagging.push_back(std::string(p->name()));
  if (!lagging.empty()) {
    Problem p{"not_ready", "read models are still catching up"};
    p.extra["catching_up"] = std::move(lagging);
    return to_response(p);
  }
  return success({{"ready", true}});
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
