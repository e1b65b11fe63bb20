#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <string>

#include "api/problem.h"
#include "api/session_impl.h"
#include "core/ids.h"

namespace tally::api {

std::string new_correlation_id() {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return new_uuid_v7(static_cast<std::uint64_t>(ms));
}

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

// Request fields tally reads one value from: given twice, the request is refused, not read as
// the last one (two Authorization headers are not the second one's key).
bool holds_one_value(std::string_view name) {
  for (std::string_view one :
       {"Authorization", "Idempotency-Key", "X-Correlation-Id", "Last-Event-ID"})
    if (beast::iequals(name, one)) return true;
  return false;
}

class BeastSession final : public Session, public std::enable_shared_from_this<BeastSession> {
 public:
  BeastSession(net::ip::tcp::socket socket, Exchange& exchange, const SessionLimits& limits)
      : stream_(std::move(socket)),
        exchange_(exchange),
        limits_(limits),
        heartbeat_(stream_.get_executor()),
        grace_(stream_.get_executor()) {}

  void start() override {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

  void shutdown() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (self->sse_) {
        self->heartbeat_.cancel();  // the pump sees closing_ and ends
        return;
      }
      if (!self->busy_) self->await_last_request();  // a busy one answers Connection: close
    });
  }

 private:
  // Idle at shutdown: a request already on its way still gets its answer; after the grace,
  // the connection closes.
  void await_last_request() {
    grace_.expires_after(limits_.shutdown_grace);
    grace_.async_wait([self = shared_from_this()](beast::error_code ec) {
      // A refused request lingering to be read is left to its own bound.
      if (!ec && !self->busy_ && !self->linger_) self->close();
    });
  }

  void read_header() {
    parser_.emplace();
    parser_->body_limit(limits_.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(limits_.header_limit));
    stream_.expires_after(limits_.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    busy_ = true;  // a request has begun: shutdown waits for its answer
    const auto expect = parser_->get()[http::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      // The client (curl, for bodies over 1 KiB) waits for this before sending the body.
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      stream_.expires_after(limits_.write_timeout);
      return net::async_write(stream_, net::buffer(kContinue),
                              [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                if (ec) return self->close();
                                self->read_body();
                              });
    }
    read_body();
  }

  void read_body() {
    stream_.expires_after(limits_.body_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit)
      return refuse(Problem{"payload_too_large", "the body is over 1 MiB"});
    if (ec == http::error::header_limit)
      return refuse(
          Problem{"invalid_field", "the request line and headers are over 16 KiB", "headers"});
    // A request that is not HTTP as RFC 9112 writes it (a Content-Length of "abc", both
    // Content-Length and chunked): said so, rather than a close the client cannot read.
    if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message)
      return refuse(
          Problem{"invalid_field", "a malformed HTTP request: " + ec.message(), "request"});
    // end_of_stream, timeout, reset, a client gone mid-request: nothing to answer.
    close();
  }

  // Answers a request that could not be read whole, then closes: what is left of it is read
  // and dropped, not parsed (a lingering close, so the client reads the answer).
  void refuse(const Problem& problem) {
    busy_ = true;  // shutdown lets the answer go out
    keep_alive_ = false;
    linger_ = true;
    Request request;
    request.method = std::string(parser_->get().method_string());
    request.route = "unmatched";
    request.correlation_id = new_correlation_id();
    started_ = Clock::now();
    write(std::move(request), to_response(problem));
  }

  void on_body(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    started_ = Clock::now();
    auto& message = parser_->get();
    keep_alive_ = message.keep_alive();
    Request request;
    request.method = std::string(message.method_string());
    // A field given twice is one comma-separated list (RFC 9110, 5.3), never the last alone;
    // for a field that holds one value (a key, an id) that is malformed: refused below.
    std::string twice;
    for (const auto& field : message) {
      auto [at, fresh] =
          request.headers.try_emplace(std::string(field.name_string()), std::string(field.value()));
      if (fresh) continue;
      at->second.append(", ").append(field.value());
      if (holds_one_value(at->first)) twice = at->first;
    }
    request.body = std::move(message.body());
    const std::string* given = twice.empty() ? request.header("X-Correlation-Id") : nullptr;
    request.correlation_id =
        given && given->size() <= 64 && !given->empty() ? *given : new_correlation_id();
    if (!twice.empty()) {
      request.route = "unmatched";
      return write(
          std::move(request),
          to_response(Problem{"invalid_field", twice + " is given more than once", twice}));
    }
    if (!parse_target(message.target(), request)) {
      request.route = "unmatched";
      return write(std::move(request),
                   to_response(Problem{"invalid_field",
                                       "the request target is not a path and query with "
                                       "well-formed percent-encoding",
                                       "target"}));
    }
    auto shared = std::make_shared<Request>(std::move(request));
    exchange_.handle(*shared, [self = shared_from_this(), shared](Response response) {
      net::post(self->stream_.get_executor(), [self, shared, r = std::move(response)]() mutable {
        self->write(std::move(*shared), std::move(r));
      });
    });
  }

  void write(Request request, Response response) {
    request_ = std::move(request);
    response_ = std::move(response);
    if (response_.stream) return start_stream();
    name_correlation(response_, request_.correlation_id);
    auto out = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response_.status), 11);
    out->set(http::field::server, "tally");
    out->set(http::field::content_type, response_.content_type);
    out->set("X-Correlation-Id", request_.correlation_id);
    for (const auto& [name, value] : response_.headers) out->set(name, value);
    out->body() = response_.body;
    out->keep_alive(keep_alive_ && !closing_);
    out->prepare_payload();
    stream_.expires_after(limits_.write_timeout);
    http::async_write(stream_, *out,
                      [self = shared_from_this(), out](beast::error_code ec, std::size_t) {
                        self->on_written(ec, out->keep_alive());
                      });
  }

  void on_written(beast::error_code ec, bool keep_alive) {
    exchange_.answered(request_, response_, latency());
    busy_ = false;
    response_ = {};
    if (!ec && linger_) return linger();
    if (ec || !keep_alive) return close();
    if (closing_) await_last_request();  // its answer promised keep-alive before shutdown came
    read_header();
  }

  std::chrono::microseconds latency() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_);
  }

  // SSE: the headers, then pieces as the stream has them, a heartbeat when it has none.
  void start_stream() {
    sse_ = response_.stream;
    auto head = std::make_shared<http::response<http::empty_body>>(
        static_cast<http::status>(response_.status), 11);
    head->set(http::field::server, "tally");
    head->set(http::field::content_type, response_.content_type);
    head->set(http::field::cache_control, "no-cache");
    head->set("X-Correlation-Id", request_.correlation_id);
    for (const auto& [name, value] : response_.headers) head->set(name, value);
    head->keep_alive(false);  // the body ends when the connection does
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*head);
    stream_.expires_after(limits_.write_timeout);
    http::async_write_header(
        stream_, *serializer,
        [self = shared_from_this(), head, serializer](beast::error_code ec, std::size_t) {
          // Logged when the stream starts: a stream may last for hours.
          self->exchange_.answered(self->request_, self->response_, self->latency());
          if (ec) return self->close();
          self->pump();
        });
  }

  void pump() {
    if (closing_) return close();
    std::optional<std::string> piece = sse_->poll();
    if (!piece) return close();
    if (!piece->empty()) return send_piece(std::move(*piece));
    heartbeat_.expires_after(sse_->heartbeat_every());
    heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
      self->waiting_ = false;
      if (ec == net::error::operation_aborted || self->closing_) return self->pump();
      self->send_piece(self->sse_->heartbeat());
    });
    waiting_ = true;
    if (!wake_armed_) {
      wake_armed_ = true;
      sse_->notify_when_ready([weak = weak_from_this()] {
        if (auto self = weak.lock())
          net::post(self->stream_.get_executor(), [self] {
            self->wake_armed_ = false;
            if (self->waiting_) self->heartbeat_.cancel();
          });
      });
    }
  }

  void send_piece(std::string piece) {
    auto data = std::make_shared<std::string>(std::move(piece));
    stream_.expires_after(limits_.write_timeout);
    net::async_write(stream_, net::buffer(*data),
                     [self = shared_from_this(), data](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->pump();
                     });
  }

  // Closing with the client's body still arriving would reset the connection, and the client
  // could lose the 413 before reading it: stop sending, then read and drop what comes (up to
  // a bound in time and bytes) until the client closes (a lingering close).
  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    if (lingered_ == 0) stream_.expires_after(std::chrono::seconds(2));
    drain_.resize(64 << 10);
    stream_.async_read_some(net::buffer(drain_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->lingered_ += n;
                              if (ec || self->lingered_ > (16u << 20)) return self->close();
                              self->linger();
                            });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    heartbeat_.cancel();
    grace_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Exchange& exchange_;
  const SessionLimits& limits_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Request request_;
  Response response_;
  Clock::time_point started_;
  bool keep_alive_ = true;
  bool busy_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool linger_ = false;
  std::size_t lingered_ = 0;
  std::string drain_;
  std::shared_ptr<ResponseStream> sse_;
  net::steady_timer heartbeat_;
  net::steady_timer grace_;
  bool waiting_ = false;
  bool wake_armed_ = false;
};

}  // namespace

std::shared_ptr<Session> make_session(net::ip::tcp::socket socket, Exchange& exchange,
                                      const SessionLimits& limits) {
  return std::make_shared<BeastSession>(std::move(socket), exchange, limits);
}

}  // namespace tally::api
