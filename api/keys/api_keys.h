// API keys as events (api.md, Administration): a key is random, shown once, and stored only as
// its SHA-256 in an `apikey.created` event on stream `apikey-<key_id>`, with its role and
// scope. The ApiKeys read model indexes them by hash; KeyIndex answers the Authenticator from
// it. `tally keys add` and POST /api/v1/admin/keys both go through issue_key().
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "api/auth.h"
#include "commands/runtime.h"
#include "projections/projection.h"
#include "projections/projector.h"

namespace tally::api::keys {

// The command-runtime domain of keys (commands/runtime.h).
struct KeyDomain {
  struct State {
    bool exists = false;
  };
  struct Create {
    std::string key_id;
    std::string key_hash;
    std::string role;
    std::string store_id;     // pos only
    std::string customer_id;  // customer only
  };
  using Command = Create;
  using Event = Create;  // the event records exactly what was asked

  static std::string stream(const Command& c) { return "apikey-" + c.key_id; }
  static State evolve(State, const Event&) { return State{true}; }
  static commands::Decision<Event> decide(const State& state, const Command& command);
  static std::string answer(const State&, const Command& command) { return command.key_id; }
  static eventstore::NewEvent encode(const Event& event);
  static Result<Event> decode(const eventstore::RecordedEvent& event);
};

// A key's role and scope, checked: role one of pos/customer/operator/auditor/admin
// (invalid_field), pos needs store_id and customer needs customer_id (missing_field).
struct KeySpec {
  Role role = Role::admin;
  std::string store_id;
  std::string customer_id;
};
Checked<KeySpec> key_spec(std::string_view role, std::optional<std::string> store_id,
                          std::optional<std::string> customer_id);

struct IssuedKey {
  std::string key;  // shown once, never stored
  std::string key_id;
  Position position;
};
Result<IssuedKey> issue_key(commands::CommandBus<KeyDomain>& bus, const KeySpec& spec,
                            std::string actor, std::string correlation_id);

// Random admin key text, for DIR/admin.key.
std::string new_key_text();

// The read model "api_keys": "h/<hash>" → role and scope; "c/<customer_id>/<hash>" lists a
// customer's keys, which go with the customer's erasure.
class ApiKeys final : public projections::Projection {
 public:
  std::string_view name() const override { return "api_keys"; }
  // 2: the "c/" rows, so an erasure finds the customer's keys.
  std::uint32_t layout() const override { return 2; }
  Status apply(const eventstore::RecordedEvent& event, projections::Rows& rows) override;
};

// Looks keys up in the api_keys read model, remembering those found until the model next
// writes: keys are revoked only with their customer's erasure.
class KeyIndex final : public KeyDirectory {
 public:
  KeyIndex(const projections::Projector& model, const eventstore::Reader& log)
      : model_(model), log_(log) {}
  Result<std::optional<Principal>> find(std::string_view key_hash) const override;
  // A key just issued is known before its event is projected.
  void remember(const std::string& hash, Principal principal) const;

 private:
  const projections::Projector& model_;
  const eventstore::Reader& log_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, Principal> known_;
  mutable std::uint64_t seen_writes_ = 0;  // the model's writes() when known_ was good
};

}  // namespace tally::api::keys
