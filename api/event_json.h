// The JSON object of one event, as GET /api/v1/log, the SSE stream and GET /streams show it
// (api.md, The log). `data` is the payload rendered as JSON: a protobuf event by its type
// (core/payload_json.h); the API's own apikey events are JSON already; anything else shows
// as a placeholder string naming why, never as raw bytes.
#pragma once

#include <nlohmann/json.hpp>

#include "eventstore/event.h"

namespace tally::api {

nlohmann::json event_json(const eventstore::RecordedEvent& event);

// The category of a stream: the part before the first '-'.
std::string_view stream_category(std::string_view stream);

}  // namespace tally::api
