// The one error shape of the API and the one success envelope (api.md, Conventions):
//   {"status":"failure","code":"<stable_code>","message":"…","field":"<when one is at fault>"}
//   {"status":"success", …}
// Every failure crosses into HTTP through to_response(Problem), so a code always maps to the
// status the contract's table gives it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "api/http.h"
#include "core/result.h"

namespace tally::api {

struct Problem {
  std::string code;  // stable: "invalid_field", "stream_not_found", "insufficient_balance"
  std::string message;
  std::string field = {};                           // the field at fault, when one is
  nlohmann::json extra = nlohmann::json::object();  // more fields (a rejection's coupon_status)
  std::vector<std::pair<std::string, std::string>> headers = {};  // Allow, Retry-After
  unsigned status = 0;  // 0: the contract's status for `code`
};

template <class T>
using Checked = tl::expected<T, Problem>;

inline tl::unexpected<Problem> problem(std::string code, std::string message,
                                       std::string field = {}) {
  return tl::unexpected<Problem>(Problem{std::move(code), std::move(message), std::move(field)});
}

// The HTTP status of a stable code, per the table in api.md; an unknown code is a bug: 500.
unsigned status_of(std::string_view code);

// A module's Error as the API names it: a domain rejection keeps its own code (Error::reason);
// the platform codes map to theirs (overloaded, idempotency_conflict…); anything else is
// `internal`, its message kept for the log and not shown.
Problem from_error(const Error& error);

Response to_response(const Problem& problem);
// 500 `internal` with a correlation id the log line carries too.
Response internal_error(std::string_view correlation_id);
// Puts the correlation id in a 500's body where it is not yet (api.md: a 500 carries it), so
// that whatever made the 500, the client can quote the id the log line has.
void name_correlation(Response& response, std::string_view correlation_id);

// {"status":"success", …body}: `body` must be an object.
Response success(nlohmann::json body, unsigned status = 200);

}  // namespace tally::api
