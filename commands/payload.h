// Domain events to and from their protobuf payloads (core/proto/tally/v1/events/).
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <string_view>

#include "eventstore/log.h"

namespace tally::commands {

inline eventstore::NewEvent new_event(std::string type, const google::protobuf::Message& payload,
                                      std::string event_id = {}) {
  return eventstore::NewEvent{std::move(type), payload.SerializeAsString(), std::move(event_id)};
}

// False when `bytes` are not a message of that type (the caller answers Code::corruption).
inline bool parse_payload(google::protobuf::Message& message, std::string_view bytes) {
  return message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

}  // namespace tally::commands
