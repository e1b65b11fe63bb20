// A command's success answer: the domain's answer with `status` and `position` (api.md,
// Conventions), and Idempotent-Replayed on a replay.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "api/command_context.h"

namespace tally::api {
namespace {

using nlohmann::json;

commands::Outcome outcome(std::string answer, bool replayed = false) {
  return commands::Outcome{Position(41), Position(42), replayed, std::move(answer)};
}

bool replay_header(const Response& r) {
  for (const auto& [name, value] : r.headers)
    if (name == "Idempotent-Replayed") return value == "true";
  return false;
}

TEST_CASE("a command answer is the domain's answer with status and position") {
  const auto r = command_answer(outcome(R"({"remaining_balance":7,"message":"redeemed"})"), 200);
  CHECK(r.status == 200);
  CHECK(json::parse(r.body) == json{{"remaining_balance", 7},
                                    {"message", "redeemed"},
                                    {"position", 42},
                                    {"status", "success"}});
  CHECK_FALSE(replay_header(r));
  CHECK(json::parse(command_answer(outcome("{}"), 201).body) ==
        json{{"position", 42}, {"status", "success"}});
}

TEST_CASE("an Idempotency-Key's body is compared as JSON: order and spacing are the same body") {
  const auto fingerprint = [](std::string path, std::string body, const json* parsed = nullptr) {
    Request r;
    r.method = "POST";
    r.path = std::move(path);
    r.body = std::move(body);
    r.headers.emplace("Idempotency-Key", "k1");
    return command_context(r, Principal{}, parsed).value().fingerprint;
  };
  const auto first = fingerprint("/a", R"({"kind":"balance","face_value":5})");
  // The route's parsed body gives the same fingerprint as the body parsed here.
  const auto parsed = json::parse(R"({"face_value":5,"kind":"balance"})");
  CHECK(fingerprint("/a", "", &parsed) == first);
  CHECK(fingerprint("/a", R"( { "face_value" : 5,"kind":"balance" } )") == first);
  CHECK(fingerprint("/a", R"({"kind":"balance","face_value":6})") != first);
  CHECK(fingerprint("/b", R"({"kind":"balance","face_value":5})") != first);
  CHECK(fingerprint("/a", R"({"kind":"balance","face_value":5.0})") != first);
  // A body that is no JSON object counts as its bytes.
  CHECK(fingerprint("/a", "[1]") != fingerprint("/a", "[ 1 ]"));
  CHECK(fingerprint("/a", "not json") != fingerprint("/a", "not  json"));
}

TEST_CASE("a replayed command answer says so in a header") {
  const auto r = command_answer(outcome(R"({"a":1})", true), 200);
  CHECK(replay_header(r));
  CHECK(json::parse(r.body)["position"] == 42);
}

TEST_CASE("an answer that holds the envelope's keys, or is no object, still answers one of each") {
  for (const std::string answer :
       {R"({"position":1,"a":2})", R"({"status":"odd"})", "", "[1]", "not json"}) {
    CAPTURE(answer);
    const auto r = command_answer(outcome(answer), 200);
    const auto body = json::parse(r.body);
    CHECK(body["position"] == 42);
    CHECK(body["status"] == "success");
    CHECK(r.body.find("\"position\"") == r.body.rfind("\"position\""));
    CHECK(r.body.find("\"status\"") == r.body.rfind("\"status\""));
  }
}

}  // namespace
}  // namespace tally::api
