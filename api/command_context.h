// What every command route does the same way (api.md, Conventions): the Idempotency-Key header
// (scoped to the caller, fingerprinted by method, path and the body's JSON), the actor and
// correlation id, the answer with `position` and `Idempotent-Replayed: true` on a replay, and the
// 503 `overloaded` with Retry-After when the command path is full.
#pragma once

#include "api/auth.h"
#include "api/http.h"
#include "api/problem.h"
#include "commands/runtime.h"

namespace tally::api {

// `body`: the request's body as the route parsed it (not parsed again); null for a route
// that reads none.
Checked<commands::Context> command_context(const Request& request, const Principal& caller,
                                           const nlohmann::json* body = nullptr);
// A command keyed by the domain (a POS transaction, a purchase id) instead of the header:
// the caller's actor and correlation id, `key`, and `fingerprint` to tell a retry from reuse.
commands::Context keyed_context(const Request& request, const Principal& caller, std::string key,
                                std::string fingerprint);
// The hex SHA-256 of a command's canonical text: the fingerprint of a domain-keyed command.
std::string fingerprint_of(std::string_view canonical);

// The success answer of a command: `body` has its `position` already.
Response command_answer(nlohmann::json body, const commands::Outcome& outcome, unsigned status);
// The same for the outcome's own answer (a JSON object), with its `position` added.
Response command_answer(const commands::Outcome& outcome, unsigned status);
// The outcome's answer as a JSON object (empty if it is none), for a route that reshapes it.
nlohmann::json answer_object(const commands::Outcome& outcome);

Problem overloaded_problem();

}  // namespace tally::api
