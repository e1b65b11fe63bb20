#include "api/command_context.h"

#include <fmt/format.h>

#include "api/input.h"
#include "core/sha256.h"

namespace tally::api {

namespace {

std::string actor_of(const Principal& caller) {
  return std::string(role_name(caller.role)) + ":" + caller.key_id;
}

// "Same body" (api.md) means the same JSON: a client that sends its fields in another order
// or spacing is retrying, not reusing the key. The route's parsed body is used when it has
// one; a body that is no JSON object counts as bytes (the dump of an object never equals a
// body that is not one, so the two cannot collide).
std::string body_fingerprint(const Request& request, const nlohmann::json* body) {
  std::string canonical;
  if (body) {
    canonical = body->dump();
  } else {
    auto object = parse_object(request.body);
    canonical = object ? object->dump() : request.body;
  }
  return to_hex(sha256({request.method, " ", request.path, "\n", canonical}));
}

Response replay_marked(Response r, const commands::Outcome& outcome) {
  if (outcome.replayed) r.headers.emplace_back("Idempotent-Replayed", "true");
  return r;
}

}  // namespace

Checked<commands::Context> command_context(const Request& request, const Principal& caller,
                                           const nlohmann::json* body) {
  commands::Context context;
  context.actor = actor_of(caller);
  context.correlation_id = request.correlation_id;
  if (const std::string* key = request.header("Idempotency-Key")) {
    if (key->empty() || key->size() > 255)
      return problem("invalid_field", "Idempotency-Key must be 1-255 characters",
                     "Idempotency-Key");
    // Scoped to the caller: two clients choosing the same key never see each other's answers.
    context.idempotency_key = "http/" + caller.key_id + "/" + *key;
    context.fingerprint = body_fingerprint(request, body);
  }
  return context;
}

commands::Context keyed_context(const Request& request, const Principal& caller, std::string key,
                                std::string fingerprint) {
  commands::Context context;
  context.actor = actor_of(caller);
  context.correlation_id = request.correlation_id;
  context.idempotency_key = std::move(key);
  context.fingerprint = std::move(fingerprint);
  return context;
}

std::string fingerprint_of(std::string_view canonical) {
  return to_hex(sha256({canonical}));
}

Response command_answer(nlohmann::json body, const commands::Outcome& outcome, unsigned status) {
  return replay_marked(success(std::move(body), status), outcome);
}

nlohmann::json answer_object(const commands::Outcome& outcome) {
  auto answer = nlohmann::json::parse(outcome.answer, nullptr, false);
  return answer.is_object() ? answer : nlohmann::json::object();
}

Response command_answer(const commands::Outcome& outcome, unsigned status) {
  // The domain's answer is spliced in as text instead of parsed and dumped again: that was a
  // tenth of a redeem's CPU. Not when it might hold a key the envelope adds, or is no object.
  const std::string_view answer = outcome.answer;
  const bool spliced = answer.size() >= 2 && answer.front() == '{' && answer.back() == '}' &&
                       answer.find("\"status\"") == std::string_view::npos &&
                       answer.find("\"position\"") == std::string_view::npos;
  if (!spliced) {
    auto body = answer_object(outcome);
    body["position"] = outcome.last.value;
    return command_answer(std::move(body), outcome, status);
  }
  Response r;
  r.status = status;
  r.body = fmt::format(R"({{"status":"success","position":{}{}{})", outcome.last.value,
                       answer.size() > 2 ? "," : "", answer.substr(1));
  return replay_marked(std::move(r), outcome);
}

Problem overloaded_problem() {
  Problem p{"overloaded", "too many commands in flight; retry shortly"};
  p.headers.emplace_back("Retry-After", "1");
  return p;
}

}  // namespace tally::api
