// The log and its subscribers (api.md, The log and subscribers): auditor and admin.
#include "api/event_json.h"
#include "api/input.h"
#include "api/routes/routes.h"
#include "api/sse.h"
#include "core/numbers.h"

namespace tally::api {
namespace {

constexpr std::initializer_list<Role> kReaders = {Role::auditor, Role::admin};
// Events looked at per request when filters skip most of them; past it the page ends early
// with `next`, so a filtered read never scans the whole log in one request.
constexpr std::size_t kScanBudget = 20'000;

Response read_log(const ApiContext& ctx, const Request& request, Position head) {
  auto from = query_page_start(request);
  if (!from) return to_response(from.error());
  auto limit = query_limit(request);
  if (!limit) return to_response(limit.error());
  const std::string* prefix = request.query_param("stream_prefix");
  const std::string* type = request.query_param("type");

  Json events = Json::array();
  Position next(std::max<std::uint64_t>(from->value_or(1), 1));
  std::size_t scanned = 0;
  while (next <= head && events.size() < *limit && scanned < kScanBudget) {
    auto page = ctx.log.read_all(next, std::min<std::size_t>(1000, kScanBudget - scanned));
    if (!page) return to_response(from_error(page.error()));
    if (page->empty()) break;
    for (const auto& e : *page) {
      if (e.position > head || events.size() >= *limit) break;
      next = e.position.next();
      ++scanned;
      if (prefix && e.stream.compare(0, prefix->size(), *prefix) != 0) continue;
      if (type && e.type != *type) continue;
      events.push_back(event_json(e, ctx.subject_keys));
    }
  }
  Json body{{"events", std::move(events)}, {"as_of_position", head.value}};
  if (next <= head) body["next"] = next.value;
  return success(std::move(body));
}

Response read_stream(const ApiContext& ctx, const Request& request, Position head) {
  const std::string& stream = request.params.at("stream");
  if (stream.size() > 256)
    return to_response(Problem{"invalid_field", "stream too long", "stream"});
  auto from = query_page_start(request, "from_version");
  if (!from) return to_response(from.error());
  auto limit = query_limit(request);
  if (!limit) return to_response(limit.error());
  auto version = ctx.log.stream_version(stream);
  if (!version) return to_response(from_error(version.error()));
  if (version->value == 0) return to_response(Problem{"stream_not_found", "no stream " + stream});
  auto events = ctx.log.read_stream(
      stream, StreamVersion(std::max<std::uint64_t>(from->value_or(1), 1)), *limit + 1);
  if (!events) return to_response(from_error(events.error()));
  Json out = Json::array();
  std::optional<std::uint64_t> next;
  for (const auto& e : *events) {
    if (e.position > head) break;  // as of `head`, like the rest of the answer
    if (out.size() == *limit) {
      next = e.version.value;
      break;
    }
    out.push_back(event_json(e, ctx.subject_keys));
  }
  Json body{{"stream", stream}, {"events", std::move(out)}, {"as_of_position", head.value}};
  if (next) body["next"] = *next;
  return success(std::move(body));
}

Response subscribe(const ApiContext& ctx, LogNotifier& notifier, const Request& request) {
  Position next(1);
  if (const std::string* last = request.header("Last-Event-ID")) {
    // Resumes after the last event the client saw: neither a gap nor a repeat.
    const auto seen = parse_number<std::uint64_t>(*last);
    if (!seen)
      return to_response(
          Problem{"invalid_field", "Last-Event-ID must be a position", "Last-Event-ID"});
    next = Position(*seen + 1);
  } else {
    auto from = query_number(request, "from");
    if (!from) return to_response(from.error());
    next = Position(std::max<std::uint64_t>(from->value_or(1), 1));
  }
  Response r;
  r.content_type = "text/event-stream";
  r.stream = std::make_shared<LogEventStream>(ctx.log, ctx.subject_keys, notifier, next);
  return r;
}

}  // namespace

void add_log_routes(Router& router, ApiContext& ctx, LogNotifier& notifier) {
  router.add("GET", "/api/v1/log/subscribe", [&ctx, &notifier](Request& request, Respond respond) {
    auto who = ctx.auth.require(request, kReaders);
    if (!who) return respond(to_response(who.error()));
    respond(subscribe(ctx, notifier, request));
  });
  router.add("GET", "/api/v1/log", [&ctx](Request& request, Respond respond) {
    auto who = ctx.auth.require(request, kReaders);
    if (!who) return respond(to_response(who.error()));
    query_log(ctx, request, respond,
              [&ctx, request](Position head) { return read_log(ctx, request, head); });
  });
  router.add("GET", "/api/v1/streams/{stream}", [&ctx](Request& request, Respond respond) {
    auto who = ctx.auth.require(request, kReaders);
    if (!who) return respond(to_response(who.error()));
    query_log(ctx, request, respond,
              [&ctx, request](Position head) { return read_stream(ctx, request, head); });
  });
}

}  // namespace tally::api
