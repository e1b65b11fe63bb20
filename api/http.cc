#include "api/http.h"

#include <algorithm>
#include <cctype>

namespace tally::api {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; in a query, '+' is a space (HTML forms).
std::optional<std::string> decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// A target in absolute-form (`http://host:8080/path?q`, which RFC 9112 §3.2.2 says a server
// must accept, as a proxy sends it) names the same resource as its origin-form; the authority
// is not used, as Host is not. Empty when the target is neither form; `made` holds the
// origin-form when it had to be made (`http://host?q` is `/?q`).
std::optional<std::string_view> origin_form(std::string_view target, std::string& made) {
  if (!target.empty() && target.front() == '/') return target;
  const auto colon = target.find("://");
  if (colon == std::string_view::npos) return std::nullopt;
  const auto scheme = target.substr(0, colon);
  const auto is = [&](std::string_view name) {
    return std::equal(scheme.begin(), scheme.end(), name.begin(), name.end(), [](char a, char b) {
      return std::tolower(static_cast<unsigned char>(a)) == b;
    });
  };
  if (!is("http") && !is("https")) return std::nullopt;
  const auto rest = target.substr(colon + 3);
  const auto end = rest.find_first_of("/?#");
  if (end == 0 || (end != std::string_view::npos && rest[end] == '#')) return std::nullopt;
  if (end != std::string_view::npos && rest[end] == '/') return rest.substr(end);
  made.push_back('/');  // empty until here
  if (end != std::string_view::npos) made.append(rest.substr(end));
  return made;
}

}  // namespace

bool Caseless::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) <
           std::tolower(static_cast<unsigned char>(y));
  });
}

const std::string* Request::header(std::string_view name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? nullptr : &it->second;
}

const std::string* Request::query_param(std::string_view name) const {
  const auto it = query.find(std::string(name));
  return it == query.end() ? nullptr : &it->second;
}

bool parse_target(std::string_view given, Request& request) {
  std::string made;
  const auto form = origin_form(given, made);
  if (!form) return false;
  const std::string_view target = *form;
  const auto question = target.find('?');
  auto path = decode(target.substr(0, question), /*plus_is_space=*/false);
  if (!path) return false;
  request.path = std::move(*path);
  if (question == std::string_view::npos) return true;
  std::string_view rest = target.substr(question + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto key = decode(pair.substr(0, eq), true);
    auto value =
        decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!key || !value) return false;
    request.query.emplace(std::move(*key), std::move(*value));  // the first one wins
  }
  return true;
}

Handler answer_now(std::function<Response(Request&)> f) {
  return [f = std::move(f)](Request& request, Respond respond) { respond(f(request)); };
}

}  // namespace tally::api
