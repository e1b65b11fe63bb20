// Event payloads as JSON, for the log API, SSE, replay and JetStream's json format.
//
// A payload of type "a.b_c" is the protobuf message tally.v1.events.ABC (see
// core/proto/tally/v1/events/): its words split at '.' and '_', each capitalised. The message
// must be linked into the program, which any domain using it is.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

namespace tally {

// "coupon.redemption_refunded" → "tally.v1.events.CouponRedemptionRefunded".
std::string payload_message_name(std::string_view type);

// The payload as a JSON object with the proto field names; Code::not_found for a type with
// no message, Code::corruption for bytes that do not parse as it.
Result<nlohmann::json> payload_json(std::string_view type, std::string_view payload);

}  // namespace tally
