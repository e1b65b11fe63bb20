// The contract of api.md as an OpenAPI 3.0 document (GET /api/v1/openapi.json): every path of
// the contract, built or not yet, with its method, success status, parameters and the one
// error shape. Kept as a table next to the contract's wording, so a new route is one line.
#pragma once

#include <string>

namespace tally::api {

std::string openapi_document();

}  // namespace tally::api
