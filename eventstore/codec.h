// Bytes of the log: RocksDB keys, the stored envelope (tally.v1.Event), the hash chain and
// idempotency records. Internal to eventstore/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "eventstore/event.h"
#include "eventstore/log.h"

namespace tally::eventstore::codec {

// prev_hash of position 1.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

void put_u64(std::string& out, std::uint64_t v);  // 8 bytes, big-endian
std::uint64_t get_u64(std::string_view in);       // reads the first 8 bytes

// Big-endian keys sort numerically, so RocksDB iterates events in position order.
std::string position_key(Position p);
Position position_from_key(std::string_view key);

// "<stream>\0<version BE>": the stream's events sort together, by version.
std::string stream_key(std::string_view stream, StreamVersion v);
std::string stream_prefix(std::string_view stream);

// The stored envelope is the tally.v1.Event protobuf.
std::string encode_event(const RecordedEvent& e);
Result<RecordedEvent> decode_event(std::string_view bytes);
// The same into `out`, reusing its strings' storage: decoding many events into reused ones
// allocates next to nothing.
Status decode_event(std::string_view bytes, RecordedEvent& out);

// SHA-256 (hex) over e.prev_hash and e's canonical bytes (see event.proto); e.hash is ignored.
std::string chain_hash(const RecordedEvent& e);

// An event in two halves, so the writer's critical section stays short: what is known before
// the event has a place in the log (prepared by the appender, outside the lock), and the place
// (position, version, time, chain link), added under the lock. Protobuf merges concatenated
// messages, so the prepared half followed by the placed half is the whole envelope.
struct PreparedEvent {
  std::string fields;   // canonical bytes after position, version and recorded_at
  std::string encoded;  // tally.v1.Event holding only the prepared fields
};
struct Place {
  Position position;
  StreamVersion version;
  Timestamp recorded_at;
};
PreparedEvent prepare_event(std::string_view stream, const NewEvent& event,
                            std::string_view correlation_id, std::string_view causation_id,
                            std::string_view actor);
std::string chain_hash(std::string_view prev_hash, const Place& place, std::string_view fields);
// Completes prepared.encoded in place and returns it.
std::string place_event(PreparedEvent&& prepared, const Place& place, std::string_view prev_hash,
                        std::string_view hash);

std::string encode_outcome(const StoredOutcome& o);
Result<StoredOutcome> decode_outcome(std::string_view bytes);

// Index of idempotency records by age: "<recorded_at µs BE><key>", for pruning in order.
std::string outcome_age_key(Timestamp recorded_at, std::string_view key);

}  // namespace tally::eventstore::codec
