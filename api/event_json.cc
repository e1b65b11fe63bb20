#include "api/event_json.h"

#include "core/payload_json.h"

namespace tally::api {

nlohmann::json event_json(const eventstore::RecordedEvent& e) {
  // Domain events are protobuf, rendered by their type; the API's own key events are JSON.
  nlohmann::json data;
  if (auto rendered = payload_json(e.type, e.payload)) {
    data = std::move(*rendered);
  } else {
    data = nlohmann::json::parse(e.payload, nullptr, /*allow_exceptions=*/false);
    if (data.is_discarded())
      data = "[not renderable: " + std::string(code_name(rendered.error().code)) + "]";
  }
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
