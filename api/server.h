// The HTTP server: a fixed pool of I/O threads running one io_context, a listener, and the
// router every request goes through. Each answered request is counted in Metrics and logged
// as one JSON line on stderr: method, route pattern (never the raw path, which can hold ids),
// status, latency, correlation id, key id. Never a secret, a body or a query.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/metrics.h"
#include "api/router.h"
#include "api/session.h"
#include "core/result.h"

namespace boost::asio {
class io_context;
}

namespace tally::api {

class Listener;

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (see Server::port())
  // I/O threads. Handlers never block them (commands answer from the runtime's threads,
  // waits for read models run elsewhere), so a few serve many connections.
  std::size_t io_threads = 2;
  std::size_t max_connections = 1024;
  SessionLimits limits;
  std::chrono::milliseconds drain_timeout{10'000};  // stop() waits this long for in-flight
  bool log_requests = true;
};

class Server final : public Exchange {
 public:
  Server(const Router& router, Metrics& metrics, ServerOptions options);
  ~Server() override;

  // Binds and starts serving; Code::io_error when the address cannot be bound.
  Status start();
  std::uint16_t port() const { return port_; }
  // Stops accepting, lets requests in flight finish (up to drain_timeout), closes idle
  // connections after the shutdown grace and SSE ones at once, joins the threads.
  void stop();

  void handle(Request& request, Respond respond) override;
  void answered(const Request& request, const Response& response,
                std::chrono::microseconds latency) override;

 private:
  const Router& router_;
  Metrics& metrics_;
  const ServerOptions options_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::shared_ptr<Listener> listener_;
  std::vector<std::thread> threads_;
  std::shared_ptr<void> guard_;  // keeps the threads running until stop()
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace tally::api
