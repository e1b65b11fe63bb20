// A minimal HTTP/1.1 client for the tools' `--server URL --key FILE` mode (api.md, Tools):
// one request, one answer, plain http on the URL's host and port.
#pragma once

#include <chrono>
#include <string>

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

}  // namespace tally::tools
