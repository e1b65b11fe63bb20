#include "api/server.h"

#include <fmt/format.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "api/listener.h"
#include "core/clock.h"

namespace tally::api {

namespace net = boost::asio;

namespace {
// Keeps run() going while nothing is queued (a command in flight answers later).
using WorkGuard = net::executor_work_guard<net::io_context::executor_type>;
}  // namespace

Server::Server(const Router& router, Metrics& metrics, ServerOptions options)
    : router_(router),
      metrics_(metrics),
      options_(std::move(options)),
      io_(std::make_unique<net::io_context>(static_cast<int>(options_.io_threads))) {}

Server::~Server() {
  stop();
}

Status Server::start() {
  boost::system::error_code ec;
  const auto address = net::ip::make_address(options_.host, ec);
  if (ec) return fail(Code::invalid_argument, "not an IP address: " + options_.host);
  listener_ = std::make_shared<Listener>(*io_, *this, options_.limits, options_.max_connections);
  auto port = listener_->open({address, options_.port});
  if (!port) return tl::unexpected(port.error());
  port_ = *port;
  listener_->start();
  auto guard = std::make_shared<WorkGuard>(io_->get_executor());
  for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.io_threads); ++i)
    threads_.emplace_back([this] { io_->run(); });
  // The guard is dropped in stop(); until then the threads wait for work.
  guard_ = guard;
  return {};
}

void Server::stop() {
  if (stopped_ || !listener_) return;
  stopped_ = true;
  listener_->stop();
  const auto deadline = std::chrono::steady_clock::now() + options_.drain_timeout;
  while (listener_->live_sessions() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  guard_.reset();
  io_->stop();  // whatever did not drain in time is cut off
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void Server::handle(Request& request, Respond respond) {
  router_.dispatch(request, std::move(respond));
}

void Server::answered(const Request& request, const Response& response,
                      std::chrono::microseconds latency) {
  metrics_.observe_request(request.method, request.route, response.status, response.error_code,
                           latency);
  if (!options_.log_requests) return;
  // The wall clock's time, even under --test-clock: a log line is matched with other logs.
  nlohmann::json line{{"time", format_rfc3339(SystemClock().now())},
                      {"msg", "request"},
                      {"method", request.method},
                      {"route", request.route},
                      {"status", response.status},
                      {"latency_us", latency.count()},
                      {"correlation_id", request.correlation_id}};
  if (!request.key_id.empty()) line["key_id"] = request.key_id;
  if (!response.error_code.empty()) line["code"] = response.error_code;
  if (!response.note.empty()) line["error"] = response.note;
  // One write per line, so lines from several threads never interleave.
  const std::string text =
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace tally::api
