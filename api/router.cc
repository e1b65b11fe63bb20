#include "api/router.h"

#include <atomic>
#include <exception>
#include <memory>

namespace tally::api {

std::vector<std::string> Router::split(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

void Router::add(std::string method, std::string pattern, Handler handler) {
  for (auto& route : routes_)
    if (route.pattern == pattern) {
      route.by_method[std::move(method)] = std::move(handler);
      return;
    }
  Route route;
  route.segments = split(pattern);
  route.pattern = std::move(pattern);
  route.by_method[std::move(method)] = std::move(handler);
  routes_.push_back(std::move(route));
}

bool Router::matches(const Route& route, const std::vector<std::string>& segments,
                     std::map<std::string, std::string>* params) {
  if (route.segments.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (segments[i].empty()) return false;
      if (params) (*params)[want.substr(1, want.size() - 2)] = segments[i];
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

Checked<Router::Match> Router::match(std::string_view method, std::string_view path,
                                     std::string* pattern) const {
  if (path.empty() || path.front() != '/') return problem("not_found", "no such path");
  const auto segments = split(path);
  // A literal segment beats a parameter: /log/subscribe is not /log/{x}. Routes are tried in
  // the order added, and literal routes are kept first by adding them first.
  const Route* found = nullptr;
  for (const auto& route : routes_)
    if (matches(route, segments, nullptr)) {
      found = &route;
      if (route.by_method.count(std::string(method))) break;
    }
  if (!found) return problem("not_found", "no such path");
  if (pattern) *pattern = found->pattern;
  const auto it = found->by_method.find(std::string(method));
  if (it == found->by_method.end()) {
    std::string allow;
    for (const auto& [m, h] : found->by_method) allow += (allow.empty() ? "" : ", ") + m;
    Problem p{"method_not_allowed", std::string(method) + " is not allowed here"};
    p.headers.emplace_back("Allow", allow);
    return tl::unexpected(std::move(p));
  }
  Match m{&it->second, found->pattern, {}};
  matches(*found, segments, &m.params);
  return m;
}

void Router::dispatch(Request& request, Respond respond) const {
  auto answered = std::make_shared<std::atomic<bool>>(false);
  Respond once = [answered, respond = std::move(respond)](Response r) {
    if (!answered->exchange(true)) respond(std::move(r));
  };
  std::string pattern;
  auto m = match(request.method, request.path, &pattern);
  if (!m) {
    request.route = pattern.empty() ? "unmatched" : std::move(pattern);
    return once(to_response(m.error()));
  }
  request.params = std::move(m->params);
  request.route = m->pattern;
  try {
    (*m->handler)(request, once);
  } catch (const std::exception& e) {
    Response r = internal_error(request.correlation_id);
    r.note = e.what();
    once(std::move(r));
  } catch (...) {
    Response r = internal_error(request.correlation_id);
    r.note = "a non-standard exception";
    once(std::move(r));
  }
}

std::vector<Router::RouteInfo> Router::routes() const {
  std::vector<RouteInfo> out;
  for (const auto& route : routes_)
    for (const auto& [method, h] : route.by_method) out.push_back({method, route.pattern});
  return out;
}

}  // namespace tally::api
