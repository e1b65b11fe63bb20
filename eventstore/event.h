// The event as the log records it and hands it to readers.
#pragma once

#include <string>

#include "core/clock.h"
#include "core/ids.h"

namespace tally::eventstore {

struct RecordedEvent {
  Position position;
  std::string stream;
  StreamVersion version;
  std::string event_id;
  std::string type;
  Timestamp recorded_at;
  std::string correlation_id;
  std::string causation_id;
  std::string actor;
  std::string payload;    // the domain event's bytes, PII sealed
  std::string prev_hash;  // 64 hex characters
  std::string hash;       // 64 hex characters
};

}  // namespace tally::eventstore
