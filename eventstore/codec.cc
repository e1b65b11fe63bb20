#include "eventstore/codec.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "core/proto_time.h"
#include "core/sha256.h"

namespace tally::eventstore::codec {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;

namespace {

void put_bytes(std::string& out, std::string_view s) {
  const auto n = static_cast<std::uint32_t>(s.size());
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(n >> (8 * i)));
  out.append(s);
}

// Reads a length-prefixed field written by put_bytes, advancing `in`.
bool take_bytes(std::string_view& in, std::string& out) {
  if (in.size() < 4) return false;
  std::uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(in[i]);
  in.remove_prefix(4);
  if (in.size() < n) return false;
  out.assign(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}

bool take_u64(std::string_view& in, std::uint64_t& out) {
  if (in.size() < 8) return false;
  out = get_u64(in);
  in.remove_prefix(8);
  return true;
}

std::int64_t micros(Timestamp t) {
  return t.time_since_epoch().count();
}

}  // namespace

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

std::uint64_t get_u64(std::string_view in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

std::string position_key(Position p) {
  std::string key;
  put_u64(key, p.value);
  return key;
}

Position position_from_key(std::string_view key) {
  return Position(get_u64(key));
}

std::string stream_prefix(std::string_view stream) {
  std::string key(stream);
  key.push_back('\0');
  return key;
}

std::string stream_key(std::string_view stream, StreamVersion v) {
  std::string key = stream_prefix(stream);
  put_u64(key, v.value);
  return key;
}

namespace {

// The fields of an event that do not depend on its place in the log, in canonical order.
struct Fields {
  std::string_view stream, event_id, type, correlation_id, causation_id, actor, payload;
};

Fields fields_of(const RecordedEvent& e) {
  return {e.stream, e.event_id, e.type, e.correlation_id, e.causation_id, e.actor, e.payload};
}

std::string canonical(const Fields& f) {
  std::string out;
  out.reserve(4 * 7 + f.stream.size() + f.event_id.size() + f.type.size() +
              f.correlation_id.size() + f.causation_id.size() + f.actor.size() + f.payload.size());
  for (std::string_view field :
       {f.stream, f.event_id, f.type, f.correlation_id, f.causation_id, f.actor, f.payload})
    put_bytes(out, field);
  return out;
}

// tally.v1.Event's fields written straight in wire format, as the generated message would
// write them (field order, proto3 defaults left out): appends encode each event twice, once
// before staging and once under the staging mutex, and the message's copies of every field
// were most of that cost.
void put_varint(std::string& out, std::uint64_t v) {
  std::uint8_t bytes[10];
  const std::uint8_t* end = CodedOutputStream::WriteVarint64ToArray(v, bytes);
  out.append(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(end - bytes));
}

void put_tag(std::string& out, int field, WireFormatLite::WireType type) {
  put_varint(out, WireFormatLite::MakeTag(field, type));
}

void put_varint_field(std::string& out, int field, std::uint64_t v) {
  if (v == 0) return;
  put_tag(out, field, WireFormatLite::WIRETYPE_VARINT);
  put_varint(out, v);
}

void put_string_field(std::string& out, int field, std::string_view v) {
  if (v.empty()) return;
  put_tag(out, field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  put_varint(out, v.size());
  out.append(v);
}

PreparedEvent prepare(const Fields& f) {
  std::string encoded;
  encoded.reserve(48 + f.stream.size() + f.event_id.size() + f.type.size() +
                  f.correlation_id.size() + f.causation_id.size() + f.actor.size() +
                  f.payload.size() + 2 * 72);  // room for place_event's fields
  put_string_field(encoded, 2, f.stream);
  put_string_field(encoded, 4, f.event_id);
  put_string_field(encoded, 5, f.type);
  put_string_field(encoded, 7, f.correlation_id);
  put_string_field(encoded, 8, f.causation_id);
  put_string_field(encoded, 9, f.actor);
  put_string_field(encoded, 10, f.payload);
  return PreparedEvent{canonical(f), std::move(encoded)};
}

}  // namespace

PreparedEvent prepare_event(std::string_view stream, const NewEvent& event,
                            std::string_view correlation_id, std::string_view causation_id,
                            std::string_view actor) {
  return prepare(
      {stream, event.event_id, event.type, correlation_id, causation_id, actor, event.payload});
}

std::string chain_hash(std::string_view prev_hash, const Place& place, std::string_view fields) {
  std::string placed;
  placed.reserve(24);
  put_u64(placed, place.position.value);
  put_u64(placed, place.version.value);
  put_u64(placed, static_cast<std::uint64_t>(micros(place.recorded_at)));
  return to_hex(sha256({prev_hash, placed, fields}));
}

std::string place_event(PreparedEvent&& prepared, const Place& place, std::string_view prev_hash,
                        std::string_view hash) {
  // Appended after the prepared fields: concatenated messages parse as one.
  std::string& out = prepared.encoded;
  put_varint_field(out, 1, place.position.value);
  put_varint_field(out, 3, place.version.value);
  const ProtoTime at = to_proto_time(place.recorded_at);
  // int64 and int32 alike are sign-extended to 64 bits on the wire.
  const auto seconds = static_cast<std::uint64_t>(at.seconds);
  const auto nanos = static_cast<std::uint64_t>(static_cast<std::int64_t>(at.nanos));
  const std::size_t time_size = (seconds ? 1 + CodedOutputStream::VarintSize64(seconds) : 0) +
                                (nanos ? 1 + CodedOutputStream::VarintSize64(nanos) : 0);
  put_tag(out, 6, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);  // present even when zero
  put_varint(out, time_size);
  put_varint_field(out, 1, seconds);
  put_varint_field(out, 2, nanos);
  put_string_field(out, 11, prev_hash);
  put_string_field(out, 12, hash);
  return std::move(out);
}

std::string encode_event(const RecordedEvent& e) {
  return place_event(prepare(fields_of(e)), Place{e.position, e.version, e.recorded_at},
                     e.prev_hash, e.hash);
}

namespace {

// Copied straight from the stored bytes: ReadString would zero the string before copying.
bool read_string(CodedInputStream& in, std::string_view bytes, std::string& out) {
  std::uint32_t size = 0;
  if (!in.ReadVarint32(&size)) return false;
  const auto at = static_cast<std::size_t>(in.CurrentPosition());
  if (size > bytes.size() - at) return false;
  out.assign(bytes.data() + at, size);
  return in.Skip(static_cast<int>(size));
}

bool read_timestamp(CodedInputStream& in, std::int64_t& seconds, std::int32_t& nanos) {
  std::uint32_t size = 0;
  if (!in.ReadVarint32(&size)) return false;
  const auto limit = in.PushLimit(static_cast<int>(size));
  while (const std::uint32_t tag = in.ReadTag()) {
    std::uint64_t v = 0;
    if (WireFormatLite::GetTagWireType(tag) != WireFormatLite::WIRETYPE_VARINT) {
      if (!WireFormatLite::SkipField(&in, tag)) return false;
      continue;
    }
    if (!in.ReadVarint64(&v)) return false;
    if (tag >> 3 == 1) seconds = static_cast<std::int64_t>(v);
    if (tag >> 3 == 2) nanos = static_cast<std::int32_t>(v);
  }
  const bool whole = in.ConsumedEntireMessage();
  in.PopLimit(limit);
  return whole;
}

// One field of tally.v1.Event into `e`; unknown fields are skipped, as protobuf does.
bool read_field(CodedInputStream& in, std::string_view all, std::uint32_t tag, RecordedEvent& e,
                std::int64_t& seconds, std::int32_t& nanos) {
  const auto type = WireFormatLite::GetTagWireType(tag);
  const bool varint = type == WireFormatLite::WIRETYPE_VARINT;
  const bool bytes = type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
  std::uint64_t v = 0;
  switch (tag >> 3) {
    case 1:
      return varint && in.ReadVarint64(&v) && (e.position = Position(v), true);
    case 3:
      return varint && in.ReadVarint64(&v) && (e.version = StreamVersion(v), true);
    case 2:
      return bytes && read_string(in, all, e.stream);
    case 4:
      return bytes && read_string(in, all, e.event_id);
    case 5:
      return bytes && read_string(in, all, e.type);
    case 6:
      return bytes && read_timestamp(in, seconds, nanos);
    case 7:
      return bytes && read_string(in, all, e.correlation_id);
    case 8:
      return bytes && read_string(in, all, e.causation_id);
    case 9:
      return bytes && read_string(in, all, e.actor);
    case 10:
      return bytes && read_string(in, all, e.payload);
    case 11:
      return bytes && read_string(in, all, e.prev_hash);
    case 12:
      return bytes && read_string(in, all, e.hash);
    default:
      return WireFormatLite::SkipField(&in, tag);
  }
}

}  // namespace

// Read with protobuf's wire-format reader straight into `e`, reusing its strings' storage: a
// reader paging through the log allocates next to nothing, and the envelope's generated
// message (with its copies and checks) is skipped on the hottest read path.
Status decode_event(std::string_view bytes, RecordedEvent& e) {
  CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  e.position = Position(0);
  e.version = StreamVersion(0);
  for (std::string* field : {&e.stream, &e.event_id, &e.type, &e.correlation_id, &e.causation_id,
                             &e.actor, &e.payload, &e.prev_hash, &e.hash})
    field->clear();
  std::int64_t seconds = 0;
  std::int32_t nanos = 0;
  while (const std::uint32_t tag = in.ReadTag())
    if (!read_field(in, bytes, tag, e, seconds, nanos))
      return fail(Code::corruption, "stored event does not parse as tally.v1.Event");
  if (!in.ConsumedEntireMessage())
    return fail(Code::corruption, "stored event does not parse as tally.v1.Event");
  e.recorded_at = from_proto_time(seconds, nanos);
  return {};
}

Result<RecordedEvent> decode_event(std::string_view bytes) {
  RecordedEvent e;
  if (auto ok = decode_event(bytes, e); !ok) return tl::unexpected(ok.error());
  return e;
}

std::string chain_hash(const RecordedEvent& e) {
  return chain_hash(e.prev_hash, Place{e.position, e.version, e.recorded_at},
                    canonical(fields_of(e)));
}

std::string encode_outcome(const StoredOutcome& o) {
  std::string out;
  put_u64(out, o.first.value);
  put_u64(out, o.last.value);
  put_u64(out, static_cast<std::uint64_t>(micros(o.recorded_at)));
  put_bytes(out, o.fingerprint);
  put_bytes(out, o.outcome);
  return out;
}

Result<StoredOutcome> decode_outcome(std::string_view in) {
  StoredOutcome o;
  std::uint64_t first = 0, last = 0, at = 0;
  if (!take_u64(in, first) || !take_u64(in, last) || !take_u64(in, at) ||
      !take_bytes(in, o.fingerprint) || !take_bytes(in, o.outcome) || !in.empty())
    return fail(Code::corruption, "stored idempotency record is malformed");
  o.first = Position(first);
  o.last = Position(last);
  o.recorded_at = Timestamp(std::chrono::microseconds(static_cast<std::int64_t>(at)));
  return o;
}

std::string outcome_age_key(Timestamp recorded_at, std::string_view key) {
  std::string out;
  put_u64(out, static_cast<std::uint64_t>(micros(recorded_at)));
  out.append(key);
  return out;
}

}  // namespace tally::eventstore::codec
