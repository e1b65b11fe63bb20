// The stored envelope is read back exactly, into fresh or reused events, and damage is
// corruption, never a crash or a half-read event taken for whole.
#include "eventstore/codec.h"

#include <doctest/doctest.h>

#include "core/proto_time.h"
#include "tally/v1/event.pb.h"

namespace tally::eventstore {
namespace {

RecordedEvent sample() {
  RecordedEvent e;
  e.position = Position(42);
  e.stream = "coupon-7Hq2";
  e.version = StreamVersion(3);
  e.event_id = "0190a0b0-1234-7abc-8def-0123456789ab";
  e.type = "coupon.redeemed";
  e.recorded_at = Timestamp(std::chrono::microseconds(1'764'000'000'123'456));
  e.correlation_id = "cmd-1";
  e.actor = "key-9";
  e.payload = std::string("\x08\x96\x01", 3);
  e.prev_hash = std::string(64, 'a');
  e.hash = std::string(64, 'b');
  return e;
}

bool same(const RecordedEvent& a, const RecordedEvent& b) {
  return a.position == b.position && a.stream == b.stream && a.version == b.version &&
         a.event_id == b.event_id && a.type == b.type && a.recorded_at == b.recorded_at &&
         a.correlation_id == b.correlation_id && a.causation_id == b.causation_id &&
         a.actor == b.actor && a.payload == b.payload && a.prev_hash == b.prev_hash &&
         a.hash == b.hash;
}

TEST_CASE("a stored event decodes to what was encoded, also into an event that held another") {
  const RecordedEvent e = sample();
  const std::string bytes = codec::encode_event(e);
  CHECK(same(codec::decode_event(bytes).value(), e));
  RecordedEvent reused = sample();
  reused.causation_id = "left over from the event read before";
  reused.stream = "a-much-longer-stream-name-than-the-next-one";
  REQUIRE(codec::decode_event(bytes, reused));
  CHECK(same(reused, e));
}

// What the generated tally.v1.Event writes for the same event: the stored bytes stay that
// schema's encoding, so any protobuf reader of a backup or a replica reads them.
std::string generated_encoding(const RecordedEvent& e) {
  // The codec writes the fields known before staging, then those known at staging: two
  // messages, concatenated.
  tally::v1::Event prepared, placed;
  prepared.set_stream(e.stream);
  prepared.set_event_id(e.event_id);
  prepared.set_type(e.type);
  prepared.set_correlation_id(e.correlation_id);
  prepared.set_causation_id(e.causation_id);
  prepared.set_actor(e.actor);
  prepared.set_payload(e.payload);
  placed.set_position(e.position.value);
  placed.set_version(e.version.value);
  set_proto_time(*placed.mutable_recorded_at(), e.recorded_at);
  placed.set_prev_hash(e.prev_hash);
  placed.set_hash(e.hash);
  return prepared.SerializeAsString() + placed.SerializeAsString();
}

TEST_CASE("the stored envelope is byte for byte what the generated tally.v1.Event writes") {
  RecordedEvent full = sample();
  full.causation_id = "cmd-0";
  CHECK(codec::encode_event(full) == generated_encoding(full));
  CHECK(codec::encode_event(sample()) == generated_encoding(sample()));  // an empty field
  RecordedEvent zeros = sample();  // proto3 leaves out zero numbers, but not a set time
  zeros.position = Position(0);
  zeros.version = StreamVersion(0);
  zeros.recorded_at = Timestamp(std::chrono::microseconds(0));
  CHECK(codec::encode_event(zeros) == generated_encoding(zeros));
  RecordedEvent early = sample();  // negative seconds: ten-byte varints
  early.recorded_at = Timestamp(std::chrono::microseconds(-1'500'001));
  CHECK(codec::encode_event(early) == generated_encoding(early));
  RecordedEvent big = sample();  // lengths and numbers past one varint byte
  big.payload = std::string(70'000, 'p');
  big.position = Position(~std::uint64_t{0});
  CHECK(codec::encode_event(big) == generated_encoding(big));
  tally::v1::Event parsed;
  REQUIRE(parsed.ParseFromString(codec::encode_event(full)));
  CHECK(parsed.position() == 42);
  CHECK(parsed.causation_id() == "cmd-0");
  CHECK(parsed.hash() == full.hash);
}

TEST_CASE("a time before the epoch survives the envelope") {
  RecordedEvent e = sample();
  e.recorded_at = Timestamp(std::chrono::microseconds(-1'500'001));
  CHECK(codec::decode_event(codec::encode_event(e)).value().recorded_at == e.recorded_at);
}

TEST_CASE("truncated or damaged envelopes are corruption") {
  const std::string bytes = codec::encode_event(sample());
  for (std::size_t cut : {std::size_t{1}, std::size_t{5}, bytes.size() / 2, bytes.size() - 1})
    CHECK(codec::decode_event(bytes.substr(0, cut)).error().code == Code::corruption);
  std::string wrong_type = bytes;
  wrong_type[0] = static_cast<char>((1 << 3) | 2);  // position as a length-delimited field
  CHECK(codec::decode_event(wrong_type).error().code == Code::corruption);
  CHECK(codec::decode_event(std::string(3, '\xff')).error().code == Code::corruption);
}

}  // namespace
}  // namespace tally::eventstore
