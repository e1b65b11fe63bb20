// tally serve: the HTTP server (api.md, Running the server). Wires the log, the read models,
// the process runner, the command buses and the api/ routes, then serves until SIGTERM,
// SIGINT or SIGHUP (its terminal closed): stop accepting, finish requests in flight, end SSE
// streams, close the log, exit 0.
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <optional>

#include "api/keys/api_keys.h"
#include "api/routes/example.h"
#include "api/routes/routes.h"
#include "api/server.h"
#include "api/sse.h"
#include "commands/process_runner.h"
#include "core/numbers.h"
#include "eventstore/kv.h"
#include "eventstore/log.h"
#include "projections/projector.h"
#include "projections/shared_tail.h"
#include "tools/commands.h"
#include "tools/serve_domains.h"
#include "tools/serve_metrics.h"
#include "tools/serve_support.h"
#include "tools/wiring/read_models.h"
#include "tools/wiring/schedule_due_items.h"

namespace tally::tools {
namespace {

namespace fs = std::filesystem;

struct Settings {
  std::string data_dir = "./data";
  std::string listen = "127.0.0.1:8080";
  std::string nats;
  std::string admin_key_file;
  std::string jwt_secret_file;
  std::string jwt_public_key_file;
  bool test_clock = false;
  bool example_domain = false;
  std::size_t io_threads = 2;
  std::size_t max_inflight_commands = 4096;
  std::size_t max_connections = 1024;
  std::size_t command_shards = 4;
  bool quiet = false;
  int header_timeout_ms = 15'000;
  int shutdown_grace_ms = 250;
  int body_timeout_ms = 30'000;
  int write_timeout_ms = 30'000;
};

int refuse(const std::string& message) {
  fmt::print(stderr, "tally serve: {}\n", message);
  return 2;
}

// Where to listen: the address to bind, and the host as it is served and printed.
struct ListenAddress {
  std::string host;  // numeric
  std::uint16_t port = 0;
  sockaddr_storage socket{};
  socklen_t size = 0;
};

// HOST:PORT ([…] around an IPv6 address). HOST may be a name, resolved now, before the data dir
// is opened (/etc/hosts first: "localhost" asks no server), to its IPv4 address first:
// "localhost" lists ::1 first, and clients asking for 127.0.0.1 are the likelier.
std::optional<ListenAddress> parse_listen(const std::string& listen) {
  const auto split = split_host_port(listen);
  if (!split) return std::nullopt;
  const std::string& host = split->host;
  const auto port = parse_number<std::uint16_t>(split->port);
  if (!port) return std::nullopt;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || !found) return std::nullopt;
  const addrinfo* chosen = found;
  for (const addrinfo* a = found; a; a = a->ai_next)
    if (a->ai_family == AF_INET) {
      chosen = a;
      break;
    }
  ListenAddress out;
  out.port = *port;
  out.size = chosen->ai_addrlen;
  std::memcpy(&out.socket, chosen->ai_addr, chosen->ai_addrlen);
  if (chosen->ai_family == AF_INET)
    reinterpret_cast<sockaddr_in*>(&out.socket)->sin_port = htons(*port);
  else
    reinterpret_cast<sockaddr_in6*>(&out.socket)->sin6_port = htons(*port);
  char text[NI_MAXHOST] = {};
  const int failed = ::getnameinfo(chosen->ai_addr, chosen->ai_addrlen, text, sizeof text, nullptr,
                                   0, NI_NUMERICHOST);
  ::freeaddrinfo(found);
  if (failed != 0) return std::nullopt;
  out.host = text;
  return out;
}

// Whether the address can be bound, tried before the data dir is touched: a port in use would
// otherwise fail the start after a fresh data dir and its admin key were made. Another process
// may still take it before the real bind, which then says so. Empty when it can.
std::string try_bind(const ListenAddress& address) {
  const int fd = ::socket(address.socket.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::strerror(errno);
  const int on = 1;  // as the server's acceptor does
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  const bool bound =
      ::bind(fd, reinterpret_cast<const sockaddr*>(&address.socket), address.size) == 0;
  const std::string why = bound ? "" : std::strerror(errno);
  ::close(fd);
  return why;
}

// The host as a URL names it: an IPv6 address in brackets.
std::string url_host(const std::string& host) {
  return host.find(':') == std::string::npos ? host : "[" + host + "]";
}

// Three requests to start from (issue 4: the run command shows how to talk to the server).
void print_examples(const std::string& host, std::uint16_t port, const std::string& key_file) {
  const std::string base = fmt::format("http://{}:{}", url_host(host), port);
  const std::string auth = fmt::format("-H \"Authorization: Bearer $(head -n1 {})\"", key_file);
  fmt::print(
      "try:\n  curl -s {}/readyz\n  curl -s {} {}/api/v1/admin/projections\n"
      "  curl -s {} -d '{{\"role\":\"auditor\"}}' {}/api/v1/admin/keys\n",
      base, auth, base, auth, base);
}

// A key file's content once `check` takes it; a refusal names the file.
Result<std::string> read_key_file(const std::string& file, Result<void> (*check)(std::string_view),
                                  bool pem) {
  auto text = read_secret_file(file);
  if (!text) return tl::unexpected(text.error());
  if (pem) *text += '\n';  // read_secret_file took the PEM's last newline away
  if (auto ok = check(*text); !ok)
    return fail(Code::invalid_argument, file + ": " + ok.error().message);
  return text;
}

// The keys of customer JWTs, read before the data dir is touched: a wrong file is refused
// with nothing opened.
Result<api::JwtKeys> load_jwt_keys(const Settings& s) {
  api::JwtKeys jwt;
  if (!s.jwt_secret_file.empty()) {
    auto secret = read_key_file(s.jwt_secret_file, api::check_hs256_secret, false);
    if (!secret) return tl::unexpected(secret.error());
    jwt.hs256_secret = std::move(*secret);
  }
  if (!s.jwt_public_key_file.empty()) {
    auto pem = read_key_file(s.jwt_public_key_file, api::check_rs256_public_key, true);
    if (!pem) return tl::unexpected(pem.error());
    jwt.rs256_public_key = std::move(*pem);
  }
  return jwt;
}

// A line on stderr while serving or draining: without fmt (which throws once stderr is gone,
// as when a terminal closed), in one write so that it does not interleave with request lines.
void say(const std::string& line) {
  std::fputs(line.c_str(), stderr);
}

// What stopped while serving: said even under --quiet.
void say_error(const std::string& what) {
  say("tally serve: error: " + what + "\n");
}

// A log last run under --test-clock may hold times ahead of this clock. recorded_at never goes
// back, so new events would keep that time until the clock passes it: say so at start.
void warn_if_log_ahead(const eventstore::Log& log, const Clock& clock) {
  if (log.head().value == 0) return;
  auto last = log.read_all(log.head(), 1);
  if (!last || last->empty()) return;
  const Timestamp at = last->front().recorded_at;
  if (at <= clock.now() + std::chrono::minutes(1)) return;
  fmt::print(stderr,
             "tally serve: warning: the log's last event is recorded at {}, after this clock's {} "
             "(was the data dir run with --test-clock?); new events are recorded at {} until the "
             "clock passes it\n",
             format_rfc3339(at), format_rfc3339(clock.now()), format_rfc3339(at));
}

int run(const Settings& s) {
  // Before any thread starts, so that every thread inherits the mask and only sigwait sees
  // the signals.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  // A closed terminal (that of `scripts/run.sh`) drains all the same; but under nohup, which
  // ignores SIGHUP, it must go on ignoring it: sigwait would take a blocked, ignored signal.
  struct sigaction hangup {};
  if (::sigaction(SIGHUP, nullptr, &hangup) == 0 && hangup.sa_handler != SIG_IGN)
    sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client or a log reader gone must not kill the server: writes report EPIPE instead.
  ::signal(SIGPIPE, SIG_IGN);

  if (!s.nats.empty()) return refuse("--nats is not supported by this build yet");
  api::ServerOptions server_options;
  const auto listen = parse_listen(s.listen);
  if (!listen)
    return refuse(
        "--listen must be HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080 or localhost:8080, "
        "a name that resolves here), not " +
        s.listen);
  if (auto taken = try_bind(*listen); !taken.empty())
    return refuse("cannot listen on " + s.listen + ": " + taken);
  server_options.host = listen->host;
  server_options.port = listen->port;
  server_options.io_threads = s.io_threads;
  server_options.max_connections = s.max_connections;
  server_options.log_requests = !s.quiet;
  server_options.limits.header_timeout = std::chrono::milliseconds(s.header_timeout_ms);
  server_options.limits.shutdown_grace = std::chrono::milliseconds(s.shutdown_grace_ms);
  server_options.limits.body_timeout = std::chrono::milliseconds(s.body_timeout_ms);
  server_options.limits.write_timeout = std::chrono::milliseconds(s.write_timeout_ms);
  auto jwt = load_jwt_keys(s);
  if (!jwt) return refuse(describe(jwt.error()));
  // A given admin key file is read with the other key files, before the data dir is opened;
  // the default one lives in the data dir, so it waits for it.
  std::optional<Result<AdminKey>> admin_key;
  if (!s.admin_key_file.empty()) {
    admin_key = load_admin_key(s.data_dir, s.admin_key_file);
    if (!*admin_key) return refuse(describe(admin_key->error()));
  }

  const SystemClock system_clock;
  PersistedTestClock test_clock;
  const Clock& clock = s.test_clock ? test_clock.clock() : static_cast<const Clock&>(system_clock);
  eventstore::LogOptions log_options;
  log_options.clock = &clock;
  log_options.on_failure = [](const Error& error) {
    say_error(
        "the log takes no more appends after a failed write; restart once its cause is "
        "fixed: " +
        describe(error));
  };
  auto damage_told = std::make_shared<std::atomic<bool>>(false);
  log_options.on_damage = [damage_told](const Error& error) {
    if (damage_told->exchange(true)) return;  // once: every read of the damage would repeat it
    say_error(
        "a read found the log damaged; reads that reach the damage fail (500), the rest are "
        "answered; stop the server and run tally verify to find where: " +
        describe(error));
  };
  auto log = eventstore::Log::open(s.data_dir, log_options);
  if (!log) return refuse("cannot open the data dir: " + describe(log.error()));
  if (s.test_clock)
    if (auto ok = test_clock.load(s.data_dir); !ok) return refuse(describe(ok.error()));
  auto store = eventstore::KvStore::open(fs::path(s.data_dir) / "views");
  if (!store) return refuse(describe(store.error()));

  auto models = wiring::server_read_models();
  api::keys::ApiKeys key_model;
  const projections::SharedTail tail(**log);  // the projectors follow the log through it
  std::vector<std::unique_ptr<projections::Projector>> projectors;
  const projections::Projector* schedules = nullptr;
  for (auto& model : models) {
    projectors.push_back(std::make_unique<projections::Projector>(tail, **store, *model));
    if (model->name() == "schedules") schedules = projectors.back().get();
  }
  projectors.push_back(std::make_unique<projections::Projector>(tail, **store, key_model));
  const projections::Projector& keys_projector = *projectors.back();
  warn_if_log_ahead(**log, clock);
  for (auto& p : projectors) {
    p->on_failure([name = std::string(p->name())](const Error& error) {
      say_error("the read model " + name +
                " stopped; it serves its rows as they were until "
                "POST /api/v1/admin/projections/" +
                name + "/rebuild replaces them: " + describe(error));
    });
    if (auto ok = p->start(); !ok)
      return refuse(std::string(p->name()) + ": " + describe(ok.error()));
  }

  // Before the runner: it fires through these buses, so they must outlive it.
  commands::Options domain_options;
  domain_options.shards = s.command_shards;
  auto domains = ServeDomains::open(**log, clock, domain_options);
  if (!domains) return refuse(describe(domains.error()));
  // Before anything is served, and before the head readiness waits for: the server is not
  // ready until the read models have purged the customer.
  auto finished = (*domains)->finish_erasures();
  if (!finished)
    return refuse("cannot finish an erasure a stop cut off: " + describe(finished.error()));
  for (const auto& subject : *finished)
    fmt::print("tally serve: recorded the erasure of {} that a stop had cut off\n", subject);
  const Position head_at_start = (*log)->head();
  std::optional<wiring::ScheduleDueItems> due;
  std::optional<commands::ProcessRunner> runner;
  if (schedules) {
    due.emplace(*schedules);
    runner.emplace(clock, *due, (*domains)->fires());
    runner->start();
  }

  commands::CommandBus<api::keys::KeyDomain> key_bus(**log);
  api::keys::KeyIndex key_index(keys_projector, **log);
  api::Authenticator auth(key_index, std::move(*jwt), clock);
  if (!admin_key) admin_key = load_admin_key(s.data_dir, s.admin_key_file);
  if (!*admin_key) return refuse(describe(admin_key->error()));
  const AdminKey& admin = **admin_key;
  auth.add_key(admin.key, api::Principal{api::Role::admin, "admin", {}, {}});

  api::Metrics metrics;
  // Reset before ctx goes: its queued work uses ctx (see the end of run()).
  std::optional<api::WaitPool> waits;
  waits.emplace(4, 1024);
  api::InflightGate gate(s.max_inflight_commands);
  api::LogNotifier notifier(**log);
  std::optional<commands::CommandBus<commands::example::Counter>> counters;
  commands::Options bus_options;
  bus_options.shards = s.command_shards;
  if (s.example_domain) counters.emplace(**log, bus_options);

  api::ApiContext ctx{**log, clock, auth, metrics, *waits, gate, (*log)->keys()};
  for (auto& p : projectors) ctx.projectors.push_back(p.get());
  ctx.schedules = schedules;
  ctx.test_clock = s.test_clock ? &test_clock : nullptr;
  ctx.head_at_start = head_at_start;
  ctx.log_failed = [&log = **log] { return log.failure().has_value(); };
  ctx.log_damaged = [&log = **log] { return log.damage_seen(); };
  ctx.verify_log = [&log = **log] { return log.verify(); };
  ctx.issue_key = [&](const api::keys::KeySpec& spec, const api::Principal& by,
                      const std::string& correlation_id) {
    auto issued = api::keys::issue_key(key_bus, spec, "admin:" + by.key_id, correlation_id);
    if (issued)
      key_index.remember(
          api::key_hash(issued->key),
          api::Principal{spec.role, issued->key_id, spec.store_id, spec.customer_id});
    return issued;
  };
  add_serve_metrics(metrics, **log, ctx.projectors, runner ? &*runner : nullptr, gate);

  api::Router router;
  api::add_platform_routes(router, ctx);
  api::add_log_routes(router, ctx, notifier);
  api::add_schedule_routes(router, ctx);
  api::add_admin_routes(router, ctx);
  if (counters) api::add_example_routes(router, ctx, *counters);
  if (auto ok = (*domains)->add_routes(router, ctx); !ok) return refuse(describe(ok.error()));

  api::Server server(router, metrics, server_options);
  if (auto ok = server.start(); !ok) return refuse(describe(ok.error()));
  // Every start names the key's file: one written by a start that then failed (a port in use)
  // was never announced.
  fmt::print("admin key {} {}\n", admin.created ? "written to" : "in", admin.path.string());
  fmt::print("tally serve: listening on http://{}:{} (data dir {})\n",
             url_host(server_options.host), server.port(), s.data_dir);
  print_examples(server_options.host, server.port(), admin.path.string());
  std::fflush(stdout);

  int received = 0;
  sigwait(&signals, &received);
  // Unlike fmt::print, which throws when stderr is gone (a closed terminal: the very case of
  // SIGHUP), these writes may fail without stopping the drain.
  say(fmt::format("tally serve: {} received, draining\n", received == SIGTERM  ? "SIGTERM"
                                                          : received == SIGINT ? "SIGINT"
                                                                               : "SIGHUP"));
  notifier.stop();  // SSE streams end; their connections close
  server.stop();    // no new requests; those in flight are answered
  waits.reset();    // runs whatever a drain cut short, while what it uses still lives
  say("tally serve: stopped\n");
  return 0;  // buses wait for their commands, then projectors and the log close
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto s = std::make_shared<Settings>();
  auto* cmd = app.add_subcommand("serve", "Run the HTTP server");
  cmd->add_option("--data-dir", s->data_dir, "the tally data dir")->capture_default_str();
  cmd->add_option("--listen", s->listen, "HOST:PORT to listen on")->capture_default_str();
  cmd->add_option("--nats", s->nats, "NATS URL to replicate to (not in this build yet)");
  cmd->add_option("--admin-key-file", s->admin_key_file,
                  "a file whose first line is an admin key (default: DIR/admin.key, created)");
  cmd->add_option("--jwt-secret-file", s->jwt_secret_file,
                  "the HS256 secret of customer JWTs, 32 bytes or more (trailing newline ignored)");
  cmd->add_option("--jwt-public-key-file", s->jwt_public_key_file,
                  "the RSA public key (PEM) of RS256 customer JWTs");
  cmd->add_flag("--test-clock", s->test_clock, "a test clock, advanced by the admin API");
  // Bounded: a count taken as given (-1 wraps to a huge unsigned one) would start threads
  // until the host has none left.
  cmd->add_option("--io-threads", s->io_threads, "HTTP I/O threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--max-inflight-commands", s->max_inflight_commands,
                  "commands in flight before 503 overloaded (0: every client command is "
                  "refused with 503)")
      ->check(CLI::Range(0, 1'000'000))
      ->capture_default_str();
  cmd->add_option("--max-connections", s->max_connections,
                  "open connections before new ones get 503 overloaded")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  cmd->add_option("--command-shards", s->command_shards,
                  "threads deciding commands (streams are spread over them)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_flag("--quiet", s->quiet, "no per-request log lines");
  // For benchmarks and tests only: the example counter domain's command endpoint.
  cmd->add_flag("--example-domain", s->example_domain)->group("");
  // For tests of the timeouts (slow clients, stalled readers) without waiting 15-30 s, and of
  // the shutdown grace on a loaded machine.
  for (auto [flag, value] : {std::pair{"--header-timeout-ms", &s->header_timeout_ms},
                             std::pair{"--body-timeout-ms", &s->body_timeout_ms},
                             std::pair{"--write-timeout-ms", &s->write_timeout_ms},
                             std::pair{"--shutdown-grace-ms", &s->shutdown_grace_ms}})
    cmd->add_option(flag, *value)->check(CLI::Range(1, 3'600'000))->group("");
  cmd->callback([s] {
    const int code = run(*s);
    if (code != 0) std::exit(code);
  });
}

}  // namespace tally::tools
