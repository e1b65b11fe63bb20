// POST /api/v1/example/counters/{id}/increment: the example counter domain over HTTP, behind
// the hidden --example-domain flag. It exists for the benchmark and the tests of the command
// path (idempotency, backpressure, graceful shutdown) until the business domains land; it
// follows the same rules they will: Idempotency-Key, position, Idempotent-Replayed.
#pragma once

#include "api/context.h"
#include "api/router.h"
#include "commands/example/counter.h"

namespace tally::api {

void add_example_routes(Router& router, ApiContext& ctx,
                        commands::CommandBus<commands::example::Counter>& counters);

}  // namespace tally::api
