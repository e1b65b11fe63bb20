// One function per resource group adds its routes; tools/serve_command.cc calls them.
// A handler decodes, calls a read model, the log or the command runtime, and encodes.
#pragma once

#include "api/context.h"
#include "api/router.h"

namespace tally::api {

class LogNotifier;

// /healthz, /readyz, /metrics, /api/v1/openapi.json (no auth).
void add_platform_routes(Router& router, ApiContext& ctx);
// GET /api/v1/log, /api/v1/streams/{stream}, /api/v1/log/subscribe (auditor, admin).
void add_log_routes(Router& router, ApiContext& ctx, LogNotifier& notifier);
// GET /api/v1/schedules (operator, admin).
void add_schedule_routes(Router& router, ApiContext& ctx);
// /api/v1/admin/projections…, /api/v1/admin/keys, /api/v1/admin/test-clock… (admin).
void add_admin_routes(Router& router, ApiContext& ctx);

}  // namespace tally::api
