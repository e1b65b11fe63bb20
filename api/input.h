// Decoding requests into typed values at the edge (design.md §8: bad input is normal).
// Every failure is one of api.md's 400 codes, naming the field:
//   not JSON, or not an object           invalid_json
//   a required field absent or null      missing_field + field
//   present but not what it must be      invalid_field + field
// Ids are 1–64 characters of [A-Za-z0-9_-]; amounts are JSON integers (minor units) > 0
// (or >= 0 where zero is allowed): a fraction, a negative or a string is invalid_field.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/http.h"
#include "api/problem.h"
#include "core/clock.h"

namespace tally::api {

using Json = nlohmann::json;

bool is_valid_id(std::string_view text);

// The body as a JSON object. Nesting deeper than 64 is refused before parsing, so a hostile
// body cannot exhaust the stack; so is an object that names a member twice (invalid_json).
Checked<Json> parse_object(std::string_view body);

Checked<std::string> require_id(const Json& body, std::string_view field);
Checked<std::optional<std::string>> optional_id(const Json& body, std::string_view field);
// A non-empty string of at most max_length bytes.
Checked<std::string> require_text(const Json& body, std::string_view field,
                                  std::size_t max_length = 1000);
enum class Zero { refused, allowed };
Checked<std::int64_t> require_amount(const Json& body, std::string_view field,
                                     Zero zero = Zero::refused);

// RFC 3339: "2026-11-25T09:30:00Z", with a fraction (cut to microseconds) and Z or an offset
// ("…:00+09:00"), turned into the UTC instant it names, which must fall in the years
// 0001-9999. No leap second.
std::optional<Timestamp> parse_rfc3339(std::string_view text);

// A whole-number query parameter (positions, limits): absent is nullopt; anything but digits
// is invalid_field.
Checked<std::optional<std::uint64_t>> query_number(const Request& request, std::string_view name);
// Where a list paged by position or version starts: the route's own parameter, or `from` or
// `cursor`, the names api.md gives for passing a page's `next` back (Lists), so any of them
// continues the list; more than one at once is invalid_field.
Checked<std::optional<std::uint64_t>> query_page_start(const Request& request,
                                                       std::string_view own = "from");
// `limit` as given (nullopt: absent): default 100, at most 1000, at least 1 (api.md, Lists).
Checked<std::size_t> list_limit(std::optional<std::uint64_t> limit);
// The same from the query parameter `limit`.
Checked<std::size_t> query_limit(const Request& request);

}  // namespace tally::api
