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
#include "tools/serve_support.h"

namespace tally::tools {
namespace {

struct Settings {
  std::string data_dir;
  std::string server;
  std::string key_file;
  std::string role;
  std::optional<std::string> store_id;
  std::optional<std::string> customer_id;
};

int through_server(const Settings& s) {
  if (s.key_file.empty()) {
    fmt::print(stderr, "tally keys add: --server needs --key FILE (an admin key)\n");
    return 2;
  }
  auto key = read_secret_file(s.key_file);
  if (!key) {
    fmt::print(stderr, "tally keys add: {}\n", describe(key.error()));
    return 2;
  }
  nlohmann::json body{{"role", s.role}};
  if (s.store_id) body["store_id"] = *s.store_id;
  if (s.customer_id) body["customer_id"] = *s.customer_id;
  auto answer = call_api(s.server, "POST", "/api/v1/admin/keys", *key, body.dump());
  if (!answer) {
    fmt::print(stderr, "tally keys add: {}\n", describe(answer.error()));
    return 1;
  }
  const auto j = nlohmann::json::parse(answer->body, nullptr, false);
  if (answer->status != 201 || !j.is_object() || !j.contains("key")) {
    fmt::print(stderr, "tally keys add: the server answered {}: {}\n", answer->status,
               answer->body);
    return answer->status >= 400 && answer->status < 500 ? 2 : 1;
  }
  fmt::print("{}\n", nlohmann::json{{"key_id", j["key_id"]}, {"key", j["key"]}}.dump());
  return 0;
}

int run(const Settings& s) {
  auto spec = api::keys::key_spec(s.role, s.store_id, s.customer_id);
  if (!spec) {
    fmt::print(stderr, "tally keys add: {}\n", spec.error().message);
    return 2;
  }
  if (!s.server.empty()) return through_server(s);
  if (s.data_dir.empty()) {
    fmt::print(stderr, "tally keys add: give --data-dir DIR, or --server URL --key FILE\n");
    return 2;
  }
  eventstore::LogOptions options;
  options.create_if_missing = false;  // a mistyped --data-dir is an error, not a new log
  auto log = eventstore::Log::open(s.data_dir, options);
  if (!log) {
    fmt::print(stderr, "tally keys add: cannot open the data dir: {}\n", describe(log.error()));
    return 2;
  }
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
  add->add_option("--data-dir", s->data_dir, "the tally data dir (the server stopped)");
  auto* server = add->add_option("--server", s->server, "a running server's URL, http://HOST:PORT");
  add->add_option("--key", s->key_file, "with --server: a file holding an admin key")
      ->needs(server);
  server->excludes("--data-dir");
  add->add_option("--role", s->role, "pos, customer, operator, auditor or admin")->required();
  add->add_option("--store-id", s->store_id, "the store of a pos key");
  add->add_option("--customer-id", s->customer_id, "the customer of a customer key");
  add->callback([s] {
    const int code = run(*s);
    if (code != 0) std::exit(code);
  });
}

}  // namespace tally::tools
