// The read models of a tally server, by name: what `tally serve` runs and `tally rebuild`
// rebuilds. Domains add theirs (and their schedule rules) here.
#pragma once

#include <memory>
#include <vector>

#include "projections/projection.h"

namespace tally::wiring {

std::vector<std::unique_ptr<projections::Projection>> server_read_models();

}  // namespace tally::wiring
