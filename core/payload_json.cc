#include "core/payload_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <openssl/evp.h>

#include <cctype>
#include <memory>

#include "core/proto_time.h"

namespace tally {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

nlohmann::json message_json(const pb::Message& message);

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

nlohmann::json timestamp_json(const pb::Message& message) {
  pb::Timestamp t;
  t.CopyFrom(message);
  return format_rfc3339(from_proto_time(t));
}

// One value of a field; `index` < 0 for a singular field. Integers stay JSON numbers (the
// proto3 JSON mapping would quote 64-bit ones), times are RFC 3339 (api.md).
nlohmann::json value_json(const pb::Message& m, const FD* f, int index) {
  const pb::Reflection* r = m.GetReflection();
  const bool rep = index >= 0;
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32:
      return rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
    case FD::CPPTYPE_INT64:
      return rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f);
    case FD::CPPTYPE_UINT32:
      return rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f);
    case FD::CPPTYPE_UINT64:
      return rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f);
    case FD::CPPTYPE_DOUBLE:
      return rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f);
    case FD::CPPTYPE_FLOAT:
      return rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f);
    case FD::CPPTYPE_BOOL:
      return rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f);
    case FD::CPPTYPE_ENUM:
      return (rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f))->name();
    case FD::CPPTYPE_STRING: {
      std::string s = rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
      // Bytes fields (sealed PII, digests) are base64, as the proto3 JSON mapping has them.
      return f->type() == FD::TYPE_BYTES ? nlohmann::json(base64(s)) : nlohmann::json(std::move(s));
    }
    case FD::CPPTYPE_MESSAGE: {
      const pb::Message& sub = rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f);
      if (sub.GetDescriptor()->full_name() == "google.protobuf.Timestamp")
        return timestamp_json(sub);
      return message_json(sub);
    }
  }
  return nullptr;
}

// Which fields a rendering shows. Numbers and flags always: 0 is an amount like any other
// (points.forfeited carries `amount` even when nothing was forfeited, api.md), where the
// proto3 JSON mapping would drop it. Texts and bytes when not empty, times and other messages
// when set: empty means "none" in tally's events. Lists always.
bool shown(const pb::Message& m, const FD* f) {
  const pb::Reflection* r = m.GetReflection();
  if (f->is_repeated()) return true;
  if (f->has_presence()) return r->HasField(m, f);
  if (f->cpp_type() == FD::CPPTYPE_STRING) return !r->GetString(m, f).empty();
  return true;
}

nlohmann::json message_json(const pb::Message& message) {
  nlohmann::json out = nlohmann::json::object();
  const pb::Reflection* r = message.GetReflection();
  const pb::Descriptor* d = message.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FD* f = d->field(i);
    if (!shown(message, f)) continue;
    if (!f->is_repeated()) {
      out[f->name()] = value_json(message, f, -1);
      continue;
    }
    nlohmann::json list = nlohmann::json::array();
    for (int k = 0; k < r->FieldSize(message, f); ++k) list.push_back(value_json(message, f, k));
    out[f->name()] = std::move(list);
  }
  return out;
}

}  // namespace

std::string payload_message_name(std::string_view type) {
  std::string name = "tally.v1.events.";
  bool word_start = true;
  for (const char c : type) {
    if (c == '.' || c == '_') {
      word_start = true;
      continue;
    }
    name.push_back(word_start ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    word_start = false;
  }
  return name;
}

Result<nlohmann::json> payload_json(std::string_view type, std::string_view payload) {
  const std::string name = payload_message_name(type);
  const pb::Descriptor* descriptor =
      pb::DescriptorPool::generated_pool()->FindMessageTypeByName(name);
  if (!descriptor)
    return fail(Code::not_found, "no payload message " + name + " for " + std::string(type));
  std::unique_ptr<pb::Message> message(
      pb::MessageFactory::generated_factory()->GetPrototype(descriptor)->New());
  if (!message->ParseFromArray(payload.data(), static_cast<int>(payload.size())))
    return fail(Code::corruption, "payload of " + std::string(type) + " does not parse as " + name);
  return message_json(*message);
}

}  // namespace tally
