#include "api/context.h"

#include <exception>

#include "api/input.h"

namespace tally::api {

std::shared_ptr<void> InflightGate::try_enter() {
  if (in_flight_.fetch_add(1) >= limit_) {
    in_flight_.fetch_sub(1);
    return nullptr;
  }
  // Not null, so the caller can test it; the deleter gives the place back.
  return std::shared_ptr<void>(static_cast<void*>(this),
                               [this](void*) { in_flight_.fetch_sub(1); });
}

void guarded(const std::string& correlation_id, const Respond& respond,
             const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    Response r = internal_error(correlation_id);
    r.note = e.what();
    respond(std::move(r));
  } catch (...) {
    respond(internal_error(correlation_id));
  }
}

namespace {

Response overloaded() {
  Problem p{"overloaded", "too many requests are waiting; retry shortly"};
  p.headers.emplace_back("Retry-After", "1");
  return to_response(p);
}

Response stale(Position reached, std::uint64_t wanted) {
  Problem p{"stale_read_model", "the read model has not reached min_position in time"};
  p.extra["as_of_position"] = reached.value;
  p.extra["min_position"] = wanted;
  return to_response(p);
}

}  // namespace

void query_read_model(const ApiContext& ctx, Request& request, Respond respond,
                      const projections::Projector& model, ViewQuery query) {
  auto min = query_number(request, "min_position");
  if (!min) return respond(to_response(min.error()));
  const Position wanted(min->value_or(0));
  auto run = [&model, query, respond, wanted, correlation_id = request.correlation_id] {
    guarded(correlation_id, respond, [&] {
      auto view = model.view();
      if (!view) return respond(to_response(from_error(view.error())));
      if (view->position() < wanted) return respond(stale(view->position(), wanted.value));
      respond(query(*view));
    });
  };
  if (model.position() >= wanted) return run();
  const auto wait = ctx.read_wait;
  if (!ctx.waits.try_post([&model, wanted, wait, run] {
        model.wait_for(wanted, wait);
        run();
      }))
    respond(overloaded());
}

void query_log(const ApiContext& ctx, Request& request, Respond respond,
               std::function<Response(Position head)> query) {
  auto min = query_number(request, "min_position");
  if (!min) return respond(to_response(min.error()));
  const Position wanted(min->value_or(0));
  const auto& log = ctx.log;
  auto run = [&log, query, respond, wanted, correlation_id = request.correlation_id] {
    guarded(correlation_id, respond, [&] {
      const Position head = log.head();
      if (head < wanted) return respond(stale(head, wanted.value));
      respond(query(head));
    });
  };
  if (log.head() >= wanted) return run();
  const auto wait = ctx.read_wait;
  if (!ctx.waits.try_post([&log, wanted, wait, run] {
        const auto deadline = std::chrono::steady_clock::now() + wait;
        while (log.head() < wanted && std::chrono::steady_clock::now() < deadline)
          log.wait_beyond(Position(wanted.value - 1),
                          std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now()));
        run();
      }))
    respond(overloaded());
}

}  // namespace tally::api
