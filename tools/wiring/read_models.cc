#include "tools/wiring/read_models.h"

#include "projections/schedules.h"

namespace tally::wiring {

std::vector<std::unique_ptr<projections::Projection>> server_read_models() {
  std::vector<std::unique_ptr<projections::Projection>> models;
  // No business domain schedules anything yet; their rules join here as they land.
  models.push_back(std::make_unique<projections::Schedules>(
      std::vector<std::pair<std::string, projections::ScheduleRule>>{}));
  return models;
}

}  // namespace tally::wiring
