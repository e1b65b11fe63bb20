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
#include "tools/tool_target.h"
#include "tools/wiring/read_models.h"

namespace tally::tools {
namespace {

struct Settings {
  ToolTarget target;
  std::string subject;
  std::string reason;
};

void print_answer(const std::string& subject, std::uint64_t position, bool replayed) {
  nlohmann::json out{{"subject", subject}, {"position", position}};
  if (replayed) out["already_erased"] = true;
  fmt::print("{}\n", out.dump());
}

int through_server(const Settings& s) {
  const nlohmann::json body{{"subject", s.subject}, {"reason", s.reason}};
  auto j =
      call_as_admin("erase", s.target.server, s.target.key_file, "/api/v1/admin/erase", body, 200);
  if (!j) return j.error();
  print_answer(s.subject, j->value("position", std::uint64_t{0}), false);
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
  auto log = open_offline_log("erase", s.target);
  if (!log) return log.error();
  commands::CommandBus<commands::membership::Membership> bus(**log);
  auto finished = commands::membership::finish_erasures(bus, (*log)->keys());
  if (!finished) {
    fmt::print(stderr, "tally erase: cannot finish an erasure a stop cut off: {}\n",
               describe(finished.error()));
    return 1;
  }
  for (const auto& subject : *finished)
    fmt::print(stderr, "tally erase: recorded the erasure of {} that a stop had cut off\n",
               subject);
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
  if (auto purged = purge_read_models(**log, s.target.data_dir); !purged) {
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
  // Checked here too: offline, nothing else would refuse an empty one.
  if (auto reason = api::erasure_reason(api::Json{{"reason", s.reason}}); !reason) {
    fmt::print(stderr, "tally erase: --reason: {}\n", reason.error().message);
    return 2;
  }
  return s.target.online() ? through_server(s) : offline(s, *customer_id);
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
  add_target_options(*cmd, s->target);
  cmd->callback([s] {
    const int code = run(*s);
    if (code != 0) std::exit(code);
  });
}

}  // namespace tally::tools
