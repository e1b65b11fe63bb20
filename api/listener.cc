#include "api/listener.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include "api/session_impl.h"

namespace tally::api {

namespace net = boost::asio;
using tcp = net::ip::tcp;

Listener::Listener(net::io_context& io, Exchange& exchange, const SessionLimits& limits,
                   std::size_t max_connections)
    : io_(io),
      acceptor_(net::make_strand(io)),
      exchange_(exchange),
      limits_(limits),
      max_connections_(max_connections) {}

Result<std::uint16_t> Listener::open(const tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  const auto failed = [&](const char* what) {
    return fail(Code::io_error, std::string(what) + " " + endpoint.address().to_string() + ":" +
                                    std::to_string(endpoint.port()) + ": " + ec.message());
  };
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return failed("cannot open");
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return failed("cannot set options on");
  acceptor_.bind(endpoint, ec);
  if (ec) return failed("cannot bind");
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return failed("cannot listen on");
  return acceptor_.local_endpoint().port();
}

void Listener::start() {
  net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->accept(); });
}

void Listener::accept() {
  acceptor_.async_accept(
      net::make_strand(io_),
      [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
        if (!ec) {
          socket.set_option(tcp::no_delay(true), ec);
          if (self->live_sessions() >= self->max_connections_) {
            self->refuse(std::move(socket));
          } else {
            auto session = make_session(std::move(socket), self->exchange_, self->limits_);
            std::lock_guard lock(self->mutex_);
            self->sessions_.push_back(session);
            session->start();
            // Accepted after stop() told the sessions: its request is still answered.
            if (self->stopping_) session->shutdown();
          }
        }
        self->accept();  // an accept error (EMFILE…) is not fatal: keep serving the rest
      });
}

void Listener::refuse(tcp::socket socket) {
  static const std::string kBusy = [] {
    const std::string body =
        R"({"status":"failure","code":"overloaded","message":"too many connections; retry"})";
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
           "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  // Counted and logged like any answer, under a route of its own: no request was read.
  Request request;
  request.method = "-";
  request.route = "connection_cap";
  request.correlation_id = new_correlation_id();
  Response response;
  response.status = 503;
  response.error_code = "overloaded";
  exchange_.answered(request, response, std::chrono::microseconds(0));
  auto s = std::make_shared<tcp::socket>(std::move(socket));
  net::async_write(*s, net::buffer(kBusy), [s](boost::system::error_code, std::size_t) {
    boost::system::error_code ignored;
    s->shutdown(tcp::socket::shutdown_both, ignored);
    s->close(ignored);
  });
}

void Listener::stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
  std::lock_guard lock(mutex_);
  stopping_ = true;
  for (auto& weak : sessions_)
    if (auto session = weak.lock()) session->shutdown();
}

std::size_t Listener::live_sessions() {
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
  return sessions_.size();
}

}  // namespace tally::api
