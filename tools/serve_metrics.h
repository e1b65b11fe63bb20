// The /metrics collectors of `tally serve`: log group commits, projector lag, process firing,
// commands in flight. Read at scrape time from the modules' own counters.
#pragma once

#include <vector>

#include "api/context.h"
#include "api/metrics.h"
#include "commands/process_runner.h"
#include "eventstore/log.h"
#include "projections/projector.h"

namespace tally::tools {

void add_serve_metrics(api::Metrics& metrics, const eventstore::Log& log,
                       std::vector<projections::Projector*> projectors,
                       const commands::ProcessRunner* runner, const api::InflightGate& gate);

}  // namespace tally::tools
