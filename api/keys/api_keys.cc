#include "api/keys/api_keys.h"

#include <openssl/rand.h>

#include <nlohmann/json.hpp>

#include "api/input.h"
#include "core/sha256.h"

namespace tally::api::keys {
namespace {

using Json = nlohmann::json;

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
    return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

Json to_json(const KeyDomain::Create& c) {
  Json j{{"key_id", c.key_id}, {"key_hash", c.key_hash}, {"role", c.role}};
  if (!c.store_id.empty()) j["store_id"] = c.store_id;
  if (!c.customer_id.empty()) j["customer_id"] = c.customer_id;
  return j;
}

std::optional<KeyDomain::Create> from_json(std::string_view text) {
  const Json j = Json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("key_id") || !j.contains("key_hash") || !j.contains("role"))
    return std::nullopt;
  KeyDomain::Create c;
  c.key_id = j.value("key_id", "");
  c.key_hash = j.value("key_hash", "");
  c.role = j.value("role", "");
  c.store_id = j.value("store_id", "");
  c.customer_id = j.value("customer_id", "");
  return c;
}

}  // namespace

commands::Decision<KeyDomain::Event> KeyDomain::decide(const State& state, const Command& command) {
  if (state.exists) return tl::unexpected(commands::Rejection{"key_exists", "key id in use"});
  return std::vector<Event>{command};
}

eventstore::NewEvent KeyDomain::encode(const Event& event) {
  return {"apikey.created", to_json(event).dump(), {}};
}

Result<KeyDomain::Event> KeyDomain::decode(const eventstore::RecordedEvent& event) {
  auto c = from_json(event.payload);
  if (!c) return fail(Code::corruption, "apikey event payload is not a key record");
  return *c;
}

Checked<KeySpec> key_spec(std::string_view role, std::optional<std::string> store_id,
                          std::optional<std::string> customer_id) {
  const auto parsed = parse_role(role);
  if (!parsed)
    return problem("invalid_field", "role must be pos, customer, operator, auditor or admin",
                   "role");
  KeySpec spec{*parsed, {}, {}};
  if (spec.role == Role::pos) {
    if (!store_id) return problem("missing_field", "a pos key needs store_id", "store_id");
    if (!is_valid_id(*store_id)) return problem("invalid_field", "bad store_id", "store_id");
    spec.store_id = *store_id;
  }
  if (spec.role == Role::customer) {
    if (!customer_id)
      return problem("missing_field", "a customer key needs customer_id", "customer_id");
    if (!is_valid_id(*customer_id))
      return problem("invalid_field", "bad customer_id", "customer_id");
    spec.customer_id = *customer_id;
  }
  // A scope the role does not have would be ignored, and its key trusted as if limited by it.
  if (store_id && spec.role != Role::pos)
    return problem("invalid_field", "store_id scopes pos keys only", "store_id");
  if (customer_id && spec.role != Role::customer)
    return problem("invalid_field", "customer_id scopes customer keys only", "customer_id");
  return spec;
}

std::string new_key_text() {
  const std::string secret = random_hex(32);
  return secret.empty() ? std::string{} : "tk_" + secret;
}

Result<IssuedKey> issue_key(commands::CommandBus<KeyDomain>& bus, const KeySpec& spec,
                            std::string actor, std::string correlation_id) {
  IssuedKey issued;
  issued.key = new_key_text();
  issued.key_id = "key_" + random_hex(8);
  if (issued.key.empty() || issued.key_id.size() != 20)
    return fail(Code::internal, "the system random source failed");
  KeyDomain::Create create{issued.key_id, key_hash(issued.key), std::string(role_name(spec.role)),
                           spec.store_id, spec.customer_id};
  commands::Context context;
  context.actor = std::move(actor);
  context.correlation_id = std::move(correlation_id);
  auto outcome = bus.execute(std::move(create), std::move(context));
  if (!outcome) return tl::unexpected(outcome.error());
  issued.position = outcome->last;
  return issued;
}

Status ApiKeys::apply(const eventstore::RecordedEvent& event, projections::Rows& rows) {
  if (event.type == "subject.erased" && event.stream.starts_with("customer-")) {
    // An erased customer's keys stop authenticating (domain.md §6: nothing of them is left).
    const std::string owned =
        "c/" + event.stream.substr(std::string_view("customer-").size()) + "/";
    auto keys = rows.keys(owned);
    if (!keys) return tl::unexpected(keys.error());
    for (const auto& key : *keys) {
      rows.erase("h/" + key.substr(owned.size()));
      rows.erase(key);
    }
    return {};
  }
  if (event.type != "apikey.created") return {};
  auto c = from_json(event.payload);
  if (!c) return fail(Code::corruption, "apikey event payload is not a key record");
  Json row{{"key_id", c->key_id}, {"role", c->role}};
  if (!c->store_id.empty()) row["store_id"] = c->store_id;
  if (!c->customer_id.empty()) {
    row["customer_id"] = c->customer_id;
    rows.put("c/" + c->customer_id + "/" + c->key_hash, "");
  }
  rows.put("h/" + c->key_hash, row.dump());
  return {};
}

void KeyIndex::remember(const std::string& hash, Principal principal) const {
  std::lock_guard lock(mutex_);
  known_[hash] = std::move(principal);
}

Result<std::optional<Principal>> KeyIndex::find(std::string_view hash) const {
  {
    // Keys go only when the model writes (an erasure), and it writes only for keys: forget
    // what was found whenever it wrote since, and look again.
    const std::uint64_t writes = model_.writes();
    std::lock_guard lock(mutex_);
    if (writes != seen_writes_) {
      known_.clear();
      seen_writes_ = writes;
    }
    if (auto it = known_.find(std::string(hash)); it != known_.end()) return it->second;
  }
  // A key added while the server was down is found once the model has caught up.
  if (const Position head = log_.head(); model_.position() < head)
    model_.wait_for(head, std::chrono::milliseconds(500));
  auto view = model_.view();
  if (!view) return tl::unexpected(view.error());
  auto row = view->get("h/" + std::string(hash));
  if (!row) return tl::unexpected(row.error());
  if (!*row) return std::optional<Principal>{};
  const Json j = Json::parse(**row, nullptr, false);
  const auto role = j.is_object() ? parse_role(j.value("role", "")) : std::nullopt;
  if (!role) return fail(Code::corruption, "api_keys row is not a key record");
  Principal p{*role, j.value("key_id", ""), j.value("store_id", ""), j.value("customer_id", "")};
  remember(std::string(hash), p);
  return std::optional<Principal>(std::move(p));
}

}  // namespace tally::api::keys
