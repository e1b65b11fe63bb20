#include "tools/api_client.h"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "tools/serve_support.h"

namespace tally::tools {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

namespace {

// "http://HOST:PORT", "http://[::1]:PORT", a trailing slash allowed; nothing else.
Result<HostPort> parse_server(const std::string& server) {
  constexpr std::string_view kScheme = "http://";
  const auto usage = [&](std::string_view why) {
    return fail(Code::invalid_argument,
                fmt::format("--server must be http://HOST:PORT ({}): {}", why, server));
  };
  if (server.compare(0, kScheme.size(), kScheme) != 0) return usage("plain http");
  std::string authority = server.substr(kScheme.size());
  while (!authority.empty() && authority.back() == '/') authority.pop_back();
  if (authority.find_first_of("/?#") != std::string::npos) return usage("no path");
  auto split = split_host_port(authority);
  if (!split) return usage(split.error().message);
  return split;
}

}  // namespace

Result<ApiAnswer> call_api(const std::string& server, const std::string& method,
                           const std::string& target, const std::string& key,
                           const std::string& body, std::chrono::seconds timeout) {
  auto where = parse_server(server);
  if (!where) return tl::unexpected(where.error());
  const auto& [host, port] = *where;

  net::io_context io;
  beast::error_code ec;
  net::ip::tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return fail(Code::io_error, "cannot resolve " + host + ": " + ec.message());
  // Asynchronous steps, run one by one: only they honour the stream's deadline, and a server
  // that accepts but never answers must not hold the tool for good.
  beast::tcp_stream stream(io);
  const auto step = [&](auto start) {
    stream.expires_after(timeout);
    start();
    io.restart();
    io.run();
  };
  step([&] { stream.async_connect(endpoints, [&](beast::error_code e, auto&&) { ec = e; }); });
  if (ec) return fail(Code::io_error, "cannot connect to " + server + ": " + ec.message());

  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, host);
  request.set(http::field::authorization, "Bearer " + key);
  request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  step([&] {
    http::async_write(stream, request, [&](beast::error_code e, std::size_t) { ec = e; });
  });
  if (ec) return fail(Code::io_error, "cannot send to " + server + ": " + ec.message());
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  step([&] {
    http::async_read(stream, buffer, response, [&](beast::error_code e, std::size_t) { ec = e; });
  });
  if (ec) return fail(Code::io_error, "no answer from " + server + ": " + ec.message());
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  return ApiAnswer{response.result_int(), std::move(response.body())};
}

tl::expected<nlohmann::json, int> call_as_admin(std::string_view tool, const std::string& server,
                                                const std::string& key_file,
                                                const std::string& target,
                                                const nlohmann::json& body, unsigned expected,
                                                std::chrono::seconds timeout) {
  if (key_file.empty()) {
    fmt::print(stderr, "tally {}: --server needs --key FILE (an admin key)\n", tool);
    return tl::unexpected(2);
  }
  auto key = read_key_line(key_file);
  if (!key) {
    fmt::print(stderr, "tally {}: {}\n", tool, describe(key.error()));
    return tl::unexpected(2);
  }
  auto answer = body.is_null() ? call_api(server, "GET", target, *key, "", timeout)
                               : call_api(server, "POST", target, *key, body.dump(), timeout);
  if (!answer) {
    fmt::print(stderr, "tally {}: {}\n", tool, describe(answer.error()));
    return tl::unexpected(answer.error().code == Code::invalid_argument ? 2 : 1);  // a bad URL
  }
  auto j = nlohmann::json::parse(answer->body, nullptr, false);
  if (answer->status != expected || !j.is_object()) {
    // Not tally's error shape, perhaps a whole page of another server's: the start of it.
    const std::string shown =
        answer->body.size() > 500 ? answer->body.substr(0, 500) + " …" : answer->body;
    fmt::print(stderr, "tally {}: the server answered {}: {}\n", tool, answer->status, shown);
    return tl::unexpected(answer->status >= 400 && answer->status < 500 ? 2 : 1);
  }
  return j;
}

}  // namespace tally::tools
