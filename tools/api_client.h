// A minimal HTTP/1.1 client for the tools' `--server URL --key FILE` mode (api.md, Tools):
// one request, one answer, plain http on the URL's host and port.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

namespace tally::tools {

struct ApiAnswer {
  unsigned status = 0;
  std::string body;
};

// `server` is "http://HOST:PORT" (a trailing slash is fine); `target` is "/api/v1/…".
Result<ApiAnswer> call_api(const std::string& server, const std::string& method,
                           const std::string& target, const std::string& key,
                           const std::string& body,
                           std::chrono::seconds timeout = std::chrono::seconds(30));

// A tool's whole --server URL --key FILE call: `body` POSTed (or a GET, when `body` is null)
// with the admin key read from `key_file`; the answer's JSON object when the status is
// `expected`. Otherwise the reason is printed on stderr after "tally TOOL: " and the result is
// the exit code: 2 for the caller's mistake (no or unreadable key file, a 4xx), 1 for the
// server's or the network's.
tl::expected<nlohmann::json, int> call_as_admin(
    std::string_view tool, const std::string& server, const std::string& key_file,
    const std::string& target, const nlohmann::json& body, unsigned expected,
    std::chrono::seconds timeout = std::chrono::seconds(30));

}  // namespace tally::tools
