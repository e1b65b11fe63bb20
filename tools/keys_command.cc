// tally keys add --role R [--store-id S] [--customer-id C] --data-dir DIR: creates an API key
// offline (the server stopped) and prints one JSON line {"key_id": …, "key": …}; the key is
// shown only then (api.md, Running the server). With --server URL --key FILE instead of
// --data-dir, it asks the running server (POST /api/v1/admin/keys) with the admin key in FILE.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "api/keys/api_keys.h"
#include "eventstore/log.h"
#include "tools/api_client.h"
#include "tools/commands.h"
#include "tools/tool_target.h"

namespace tally::tools {
namespace {

struct Settings {
  ToolTarget target;
  std::string role;
  std::optional<std::string> store_id;
  std::optional<std::string> customer_id;
};

int through_server(const Settings& s) {
  nlohmann::json body{{"role", s.role}};
  if (s.store_id) body["store_id"] = *s.store_id;
  if (s.customer_id) body["customer_id"] = *s.customer_id;
  auto j = call_as_admin("keys add", s.target.server, s.target.key_file, "/api/v1/admin/keys", body,
                         201);
  if (!j) return j.error();
  fmt::print("{}\n", nlohmann::json{{"key_id", (*j)["key_id"]}, {"key", (*j)["key"]}}.dump());
  return 0;
}

int run(const Settings& s) {
  auto spec = api::keys::key_spec(s.role, s.store_id, s.customer_id);
  if (!spec) {
    fmt::print(stderr, "tally keys add: {}\n", spec.error().message);
    return 2;
  }
  if (s.target.online()) return through_server(s);
  auto log = open_offline_log("keys add", s.target);
  if (!log) return log.error();
  commands::CommandBus<api::keys::KeyDomain> bus(**log);
  auto issued = api::keys::issue_key(bus, *spec, "cli:keys-add", {});
  if (!issued) {
    fmt::print(stderr, "tally keys add: {}\n", describe(issued.error()));
    return 1;
  }
  fmt::print("{}\n", nlohmann::json{{"key_id", issued->key_id}, {"key", issued->key}}.dump());
  return 0;
}

}  // namespace

void add_keys_command(CLI::App& app) {
  auto* keys = app.add_subcommand("keys", "Manage API keys");
  keys->require_subcommand(1);
  auto* add = keys->add_subcommand("add", "Create an API key (printed once) with a role and scope");
  auto s = std::make_shared<Settings>();
  add_target_options(*add, s->target);
  add->add_option("--role", s->role, "pos, customer, operator, auditor or admin")->required();
  add->add_option("--store-id", s->store_id, "the store of a pos key");
  add->add_option("--customer-id", s->customer_id, "the customer of a customer key");
  add->callback([s] {
    const int code = run(*s);
    if (code != 0) std::exit(code);
  });
}

}  // namespace tally::tools
