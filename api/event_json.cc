#include "api/event_json.h"

namespace tally::api {

nlohmann::json event_json(const eventstore::RecordedEvent& e) {
  nlohmann::json data = nlohmann::json::parse(e.payload, nullptr, /*allow_exceptions=*/false);
  if (data.is_discarded()) data = e.payload;
  return nlohmann::json{{"position", e.position.value},
                        {"stream", e.stream},
                        {"version", e.version.value},
                        {"event_id", e.event_id},
                        {"type", e.type},
                        {"recorded_at", format_rfc3339(e.recorded_at)},
                        {"correlation_id", e.correlation_id},
                        {"causation_id", e.causation_id},
                        {"actor", e.actor},
                        {"data", std::move(data)},
                        {"prev_hash", e.prev_hash},
                        {"hash", e.hash}};
}

std::string_view stream_category(std::string_view stream) {
  return stream.substr(0, stream.find('-'));
}

}  // namespace tally::api
