#include "api/input.h"

#include <fmt/format.h>

#include <unordered_set>
#include <vector>

#include "core/numbers.h"

namespace tally::api {
namespace {

constexpr int kMaxDepth = 64;

struct Shape {
  bool too_deep = false;
  std::size_t keys = 0;  // strings followed by ':', which in valid JSON are the member names
};

Shape scan(std::string_view body) {
  Shape shape;
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
        auto next = body.find_first_not_of(" \t\r\n", i + 1);
        if (next != std::string_view::npos && body[next] == ':') ++shape.keys;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) {
        shape.too_deep = true;
        return shape;
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return shape;
}

std::size_t members(const Json& j) {
  std::size_t n = j.is_object() ? j.size() : 0;
  if (j.is_structured())
    for (const auto& item : j) n += members(item);
  return n;
}

// The first name an object of the body gives twice (the body is known to hold one).
std::string repeated_name(std::string_view body) {
  std::vector<std::unordered_set<std::string>> names;  // per open object: a 1 MiB body holds
                                                       // ~100k names, so no linear search
  std::string repeated;
  [[maybe_unused]] const auto dropped = Json::parse(
      body,
      [&](int, Json::parse_event_t event, Json& parsed) {
        if (event == Json::parse_event_t::object_start) {
          names.emplace_back();
        } else if (event == Json::parse_event_t::object_end) {
          names.pop_back();
        } else if (event == Json::parse_event_t::key && repeated.empty()) {
          auto name = parsed.get<std::string>();
          if (!names.back().insert(name).second) repeated = std::move(name);
        }
        return true;
      },
      /*allow_exceptions=*/false);
  return repeated;
}

const Json* present(const Json& body, std::string_view field) {
  const auto it = body.find(field);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

tl::unexpected<Problem> missing(std::string_view field) {
  return problem("missing_field", fmt::format("{} is required", field), std::string(field));
}

tl::unexpected<Problem> invalid(std::string_view field, std::string_view why) {
  return problem("invalid_field", fmt::format("{} {}", field, why), std::string(field));
}

}  // namespace

bool is_valid_id(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  for (const char c : text)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-'))
      return false;
  return true;
}

Checked<Json> parse_object(std::string_view body) {
  const auto shape = scan(body);
  if (shape.too_deep) return problem("invalid_json", "the body nests too deeply");
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return problem("invalid_json", "the body is not valid JSON");
  if (!j.is_object()) return problem("invalid_json", "the body must be a JSON object");
  // A parser keeps one of two same-named members (nlohmann/json the last, others the first),
  // so a body that names one twice means different things to a proxy that checked it and to
  // tally: refused, as I-JSON (RFC 7493) does.
  if (members(j) != shape.keys)
    return problem("invalid_json", fmt::format("the body gives \"{}\" more than once in one object",
                                               repeated_name(body)));
  return j;
}

Checked<std::string> require_id(const Json& body, std::string_view field) {
  const Json* v = present(body, field);
  if (!v) return missing(field);
  if (!v->is_string() || !is_valid_id(v->get_ref<const std::string&>()))
    return invalid(field, "must be 1-64 characters of A-Z a-z 0-9 _ -");
  return v->get<std::string>();
}

Checked<std::optional<std::string>> optional_id(const Json& body, std::string_view field) {
  if (!present(body, field)) return std::optional<std::string>{};
  auto id = require_id(body, field);
  if (!id) return tl::unexpected(id.error());
  return std::optional<std::string>(std::move(*id));
}

Checked<std::string> require_text(const Json& body, std::string_view field,
                                  std::size_t max_length) {
  const Json* v = present(body, field);
  if (!v) return missing(field);
  if (!v->is_string()) return invalid(field, "must be a string");
  const auto& s = v->get_ref<const std::string&>();
  if (s.empty()) return invalid(field, "must not be empty");
  if (s.size() > max_length) return invalid(field, fmt::format("is over {} bytes", max_length));
  return s;
}

Checked<std::int64_t> require_amount(const Json& body, std::string_view field, Zero zero) {
  const Json* v = present(body, field);
  if (!v) return missing(field);
  // A float (even 5.0) is refused: amounts are minor units, never fractions of them.
  if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return invalid(field, "is too large");
    if (u == 0 && zero == Zero::refused) return invalid(field, "must be positive");
    return static_cast<std::int64_t>(u);
  }
  if (v->is_number_integer()) {  // signed: negative
    const auto i = v->get<std::int64_t>();
    if (i < 0) return invalid(field, "must not be negative");
    if (i == 0 && zero == Zero::refused) return invalid(field, "must be positive");
    return i;
  }
  return invalid(field, "must be a whole number of minor units");
}

std::optional<Timestamp> parse_rfc3339(std::string_view text) {
  using namespace std::chrono;
  // YYYY-MM-DDTHH:MM:SS[.f+](Z|+HH:MM|-HH:MM); no leap second (the clock has none)
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':')
    return std::nullopt;
  const auto y = parse_number<unsigned>(text.substr(0, 4));
  const auto mo = parse_number<unsigned>(text.substr(5, 2));
  const auto d = parse_number<unsigned>(text.substr(8, 2));
  const auto h = parse_number<unsigned>(text.substr(11, 2));
  const auto mi = parse_number<unsigned>(text.substr(14, 2));
  const auto s = parse_number<unsigned>(text.substr(17, 2));
  if (!y || !mo || !d || !h || !mi || !s || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
  const year_month_day ymd{year(static_cast<int>(*y)), month(*mo), day(*d)};
  if (!ymd.ok()) return std::nullopt;
  std::string_view zone = text.substr(19);
  std::int64_t micros = 0;
  if (zone.front() == '.') {
    // The server's times are microseconds: digits past the sixth are cut.
    const auto end = zone.find_first_not_of("0123456789", 1);
    if (end == std::string_view::npos || end < 2) return std::nullopt;
    for (std::size_t i = 1; i <= 6; ++i) micros = micros * 10 + (i < end ? zone[i] - '0' : 0);
    zone.remove_prefix(end);
  }
  minutes offset{0};
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    const auto oh = parse_number<unsigned>(zone.substr(1, 2));
    const auto om = parse_number<unsigned>(zone.substr(4, 2));
    if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
    offset = hours(*oh) + minutes(*om);
    if (zone[0] == '-') offset = -offset;
  } else if (zone != "Z" && zone != "z") {
    return std::nullopt;
  }
  const Timestamp utc(sys_days(ymd).time_since_epoch() + hours(*h) + minutes(*mi) + seconds(*s) +
                      microseconds(micros) - offset);
  // An offset can move the instant out of the writable years: such a time is refused rather
  // than answered unreadable.
  if (utc < first_writable_time() || utc >= end_of_writable_time()) return std::nullopt;
  return utc;
}

Checked<std::optional<std::uint64_t>> query_number(const Request& request, std::string_view name) {
  const std::string* text = request.query_param(name);
  if (!text) return std::optional<std::uint64_t>{};
  const auto n = parse_number<std::uint64_t>(*text);
  if (!n) return invalid(name, "must be a whole number");
  return std::optional<std::uint64_t>(*n);
}

Checked<std::optional<std::uint64_t>> query_page_start(const Request& request,
                                                       std::string_view own) {
  std::optional<std::string_view> given;
  for (const std::string_view name : {own, std::string_view("from"), std::string_view("cursor")}) {
    if (!request.query_param(name) || name == given) continue;
    if (given)
      return invalid(name,
                     fmt::format("cannot come with {}: both name where a page starts", *given));
    given = name;
  }
  return given ? query_number(request, *given) : std::optional<std::uint64_t>{};
}

Checked<std::size_t> list_limit(std::optional<std::uint64_t> limit) {
  if (!limit) return std::size_t{100};
  if (*limit < 1 || *limit > 1000) return invalid("limit", "must be 1-1000");
  return static_cast<std::size_t>(*limit);
}

Checked<std::size_t> query_limit(const Request& request) {
  auto limit = query_number(request, "limit");
  if (!limit) return tl::unexpected(limit.error());
  return list_limit(*limit);
}

}  // namespace tally::api
