// The JSON object of one event, as GET /api/v1/log, the SSE stream and GET /streams show it
// (api.md, The log). `data` is the payload rendered as JSON: a protobuf event by its type
// (core/payload_json.h); the API's own apikey events are JSON already; anything else shows
// as a placeholder string naming why, never as raw bytes.
//
// PII is shown opened, for the auditors and admins these routes serve: a `sealed_<field>` of
// an event on stream `<category>-<id>` is sealed under the subject `<category>:<id>` with the
// field name (core/pii.h); it shows as `<field>`, or "[erased]" once the subject's key is
// destroyed ("[unreadable]" if it does not open: altered bytes). A field sealed under no
// subject key (a coupon's code: a secret, not PII) stays as stored.
#pragma once

#include <nlohmann/json.hpp>

#include "eventstore/event.h"
#include "eventstore/keys.h"

namespace tally::api {

nlohmann::json event_json(const eventstore::RecordedEvent& event,
                          const eventstore::KeyStore& subject_keys);

// The category of a stream: the part before the first '-'.
std::string_view stream_category(std::string_view stream);

}  // namespace tally::api
