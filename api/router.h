// Method + path pattern → handler. Patterns are literal segments and `{name}` segments, each
// `{name}` matching one non-empty segment into Request::params. An unknown path is 404
// `not_found`; a known path with another method is 405 `method_not_allowed` with `Allow`.
// A handler that throws answers 500 `internal` with the request's correlation id: exceptions
// never get past dispatch().
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/http.h"
#include "api/problem.h"

namespace tally::api {

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);

  struct Match {
    const Handler* handler;
    std::string pattern;
    std::map<std::string, std::string> params;
  };
  // `pattern`, when given, is set to the route the path matched, also when the method is not
  // allowed there (405).
  Checked<Match> match(std::string_view method, std::string_view path,
                       std::string* pattern = nullptr) const;

  // Matches, fills request.params and request.route, and runs the handler; `respond` is
  // called exactly once whatever the handler does. request.route is "unmatched" for a 404,
  // and the route's pattern for a 405, so metrics count a wrong method under its route.
  void dispatch(Request& request, Respond respond) const;

  struct RouteInfo {
    std::string method;
    std::string pattern;
  };
  std::vector<RouteInfo> routes() const;

 private:
  struct Route {
    std::vector<std::string> segments;
    std::string pattern;
    std::map<std::string, Handler> by_method;
  };
  static std::vector<std::string> split(std::string_view path);
  static bool matches(const Route& route, const std::vector<std::string>& segments,
                      std::map<std::string, std::string>* params);

  std::vector<Route> routes_;
};

}  // namespace tally::api
