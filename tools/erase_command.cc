// tally erase --subject customer:ID --reason TEXT: GDPR erasure (domain.md §6). Offline on
// --data-dir (the server stopped): destroys the subject key, records subject.erased and brings
// the read models up to it, so the customer's rows are gone when it returns. With --server URL
// --key FILE it asks the running server (POST /api/v1/admin/erase) with the admin key in FILE.
// Prints one JSON line {"subject": …, "position": …}.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "api/routes/domains.h"
#include "commands/membership/erasure.h"
#include "eventstore/kv.h"
#include "projections/projector.h"
#include "tools/api_client.h"
#include "tools/commands.h"
#include "tools/serve_support.h"
#include "tools/wiring/read_models.h"

namespace tally::tools {
namespace {

struct Settings {
  std::string data_dir;
  std::string server;
  std::string key_file;
  std::string subject;
  std::string reason;
};

void print_answer(const std::string& subject, std::uint64_t position, bool replayed) {
  nlohmann::json out{{"subject", subject}, {"position", position}};
  if (replayed) out["already_erased"] = true;
  fmt::print("{}\n", out.dump());
}

int through_server(const Settings& s) {
  if (s.key_file.empty()) {
    fmt::print(stderr, "tally erase: --server needs --key FILE (an admin key)\n");
    return 2;
  }
  auto key = read_secret_file(s.key_file);
  if (!key) {
    fmt::print(stderr, "tally erase: {}\n", describe(key.error()));
    return 2;
  }
  const nlohmann::json body{{"subject", s.subject}, {"reason", s.reason}};
  auto answer = call_api(s.server, "POST", "/api/v1/admin/erase", *key, body.dump());
  if (!answer) {
    fmt::print(stderr, "tally erase: {}\n", describe(answer.error()));
    return 1;
  }
  const auto j = nlohmann::json::parse(answer->body, nullptr, false);
  if (answer->status != 200 || !j.is_object() || !j.contains("position")) {
    fmt::print(stderr, "tally erase: the server answered {}: {}\n", answer->status, answer->body);
    return answer->status >= 400 && answer->status < 500 ? 2 : 1;
  }
  print_answer(s.subject, j["position"].get<std::uint64_t>(), false);
  return 0;
}

// The read models apply subject.erased here and now, purging the customer's rows.
Status purge_read_models(const eventstore::Log& log, const std::string& data_dir) {
  auto store = eventstore::KvStore::open(std::filesystem::path(data_dir) / "views");
  if (!store) return tl::unexpected(store.error());
  for (auto& model : wiring::server_read_models()) {
    projections::Projector projector(log, **store, *model);
    if (auto ok = projector.catch_up(); !ok) return ok;
  }
  return {};
}

int offline(const Settings& s, const std::string& customer_id) {
  eventstore::LogOptions options;
  options.create_if_missing = false;  // a mistyped --data-dir is an error, not a new log
  auto log = eventstore::Log::open(s.data_dir, options);
  if (!log) {
    fmt::print(stderr, "tally erase: cannot open the data dir: {}\n", describe(log.error()));
    return 2;
  }
  commands::CommandBus<commands::membership::Membership> bus(**log);
  commands::Context by;
  by.actor = "cli:erase";
  auto outcome = commands::membership::erase_customer(
      bus, (*log)->keys(), {customer_id, s.reason, SystemClock().now()}, by);
  if (!outcome && outcome.error().code == Code::rejected) {
    fmt::print(stderr, "tally erase: {}: {}\n", outcome.error().reason, outcome.error().message);
    return 2;
  }
  if (!outcome) {
    fmt::print(stderr, "tally erase: {}\n", describe(outcome.error()));
    return 1;
  }
  if (auto purged = purge_read_models(**log, s.data_dir); !purged) {
    fmt::print(stderr, "tally erase: erased, but the read models did not catch up: {}\n",
               describe(purged.error()));
    return 1;
  }
  print_answer(s.subject, outcome->last.value, outcome->replayed);
  return 0;
}

int run(const Settings& s) {
  auto customer_id = api::erasable_customer(s.subject);
  if (!customer_id) {
    fmt::print(stderr, "tally erase: --subject: {}\n", customer_id.error().message);
    return 2;
  }
  if (!s.server.empty()) return through_server(s);
  if (s.data_dir.empty()) {
    fmt::print(stderr, "tally erase: give --data-dir DIR, or --server URL --key FILE\n");
    return 2;
  }
  return offline(s, *customer_id);
}

}  // namespace

void add_erase_command(CLI::App& app) {
  auto s = std::make_shared<Settings>();
  auto* cmd = app.add_subcommand(
      "erase",
      "GDPR erasure: destroy a subject's key (its PII in the log becomes unreadable for good), "
      "record subject.erased and purge the subject from every read model");
  cmd->add_option("--subject", s->subject, "KIND:ID, e.g. customer:C9")->required();
  cmd->add_option("--reason", s->reason, "why, for the audit trail (recorded in the log)")
      ->required();
  cmd->add_option("--data-dir", s->data_dir, "the tally data dir (the server stopped)");
  auto* server = cmd->add_option("--server", s->server, "a running server's URL, http://HOST:PORT");
  cmd->add_option("--key", s->key_file, "with --server: a file holding an admin key")
      ->needs(server);
  server->excludes("--data-dir");
  cmd->callback([s] {
    const int code = run(*s);
    if (code != 0) std::exit(code);
  });
}

}  // namespace tally::tools
