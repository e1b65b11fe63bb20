#include "api/event_json.h"

#include <openssl/evp.h>

#include "core/payload_json.h"
#include "core/pii.h"

namespace tally::api {
namespace {

constexpr std::string_view kSealed = "sealed_";

std::optional<std::string> from_base64(const std::string& text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t size = static_cast<std::size_t>(n);
  for (auto it = text.rbegin(); it != text.rend() && *it == '=' && size > 0; ++it) --size;
  out.resize(size);
  return out;
}

void open_pii(const eventstore::RecordedEvent& e, const eventstore::KeyStore& keys,
              nlohmann::json& data) {
  if (!data.is_object()) return;
  std::vector<std::string> sealed;
  for (const auto& [name, value] : data.items())
    if (name.starts_with(kSealed) && value.is_string()) sealed.push_back(name);
  const std::string_view category = stream_category(e.stream);
  if (sealed.empty() || category.size() == e.stream.size()) return;  // most events: no PII
  const std::string subject = std::string(category) + ":" + e.stream.substr(category.size() + 1);
  const auto key = keys.get(subject);
  if (!key && key.error().code != Code::subject_erased) return;  // no subject key: not PII
  for (const auto& name : sealed) {
    const std::string field = name.substr(kSealed.size());
    if (!key) {
      data[field] = "[erased]";
    } else {
      auto bytes = from_base64(data[name].get<std::string>());
      auto opened = bytes ? open_sealed(*key, {subject, e.event_id, field}, *bytes)
                          : Result<std::string>(fail(Code::decryption_failed, "not base64"));
      data[field] = opened ? nlohmann::json(std::move(*opened)) : nlohmann::json("[unreadable]");
    }
    data.erase(name);
  }
}

}  // namespace

nlohmann::json event_json(const eventstore::RecordedEvent& e,
                          const eventstore::KeyStore& subject_keys) {
  // Domain events are protobuf, rendered by their type; the API's own key events are JSON.
  nlohmann::json data;
  if (auto rendered = payload_json(e.type, e.payload)) {
    data = std::move(*rendered);
  } else {
    data = nlohmann::json::parse(e.payload, nullptr, /*allow_exceptions=*/false);
    if (data.is_discarded())
      data = "[not renderable: " + std::string(code_name(rendered.error().code)) + "]";
  }
  open_pii(e, subject_keys, data);
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
