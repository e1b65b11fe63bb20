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

Result<ApiAnswer> call_api(const std::string& server, const std::string& method,
                           const std::string& target, const std::string& key,
                           const std::string& body, std::chrono::seconds timeout) {
  constexpr std::string_view kScheme = "http://";
  if (server.compare(0, kScheme.size(), kScheme) != 0)
    return fail(Code::invalid_argument, "--server must be http://HOST:PORT, not " + server);
  std::string authority = server.substr(kScheme.size());
  while (!authority.empty() && authority.back() == '/') authority.pop_back();
  const auto colon = authority.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return fail(Code::invalid_argument, "--server must name a port: " + server);
  const std::string host = authority.substr(0, colon), port = authority.substr(colon + 1);

  net::io_context io;
  beast::error_code ec;
  net::ip::tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return fail(Code::io_error, "cannot resolve " + host + ": " + ec.message());
  beast::tcp_stream stream(io);
  stream.expires_after(timeout);
  stream.connect(endpoints, ec);
  if (ec) return fail(Code::io_error, "cannot connect to " + server + ": " + ec.message());

  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, host);
  request.set(http::field::authorization, "Bearer " + key);
  request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  http::write(stream, request, ec);
  if (ec) return fail(Code::io_error, "cannot send to " + server + ": " + ec.message());
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response, ec);
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
    return tl::unexpected(1);
  }
  auto j = nlohmann::json::parse(answer->body, nullptr, false);
  if (answer->status != expected || !j.is_object()) {
    fmt::print(stderr, "tally {}: the server answered {}: {}\n", tool, answer->status,
               answer->body);
    return tl::unexpected(answer->status >= 400 && answer->status < 500 ? 2 : 1);
  }
  return j;
}

}  // namespace tally::tools
