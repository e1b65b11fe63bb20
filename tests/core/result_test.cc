#include "core/result.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

namespace tally {
namespace {

TEST_CASE("every code has its stable snake_case name") {
  const std::vector<std::pair<Code, std::string_view>> names = {
      {Code::ok, "ok"},
      {Code::invalid_argument, "invalid_argument"},
      {Code::not_found, "not_found"},
      {Code::version_conflict, "version_conflict"},
      {Code::idempotency_conflict, "idempotency_conflict"},
      {Code::subject_erased, "subject_erased"},
      {Code::decryption_failed, "decryption_failed"},
      {Code::io_error, "io_error"},
      {Code::corruption, "corruption"},
      {Code::data_dir_locked, "data_dir_locked"},
      {Code::not_a_data_dir, "not_a_data_dir"},
      {Code::incompatible_format, "incompatible_format"},
      {Code::shutting_down, "shutting_down"},
      {Code::overloaded, "overloaded"},
      {Code::internal, "internal"},
      {Code::concurrency_conflict, "concurrency_conflict"},
      {Code::rejected, "rejected"},
  };
  // The list above covers every enumerator: rejected is the last one.
  CHECK(names.size() == static_cast<std::size_t>(Code::rejected) + 1);
  for (const auto& [code, name] : names) {
    CAPTURE(static_cast<int>(code));
    CHECK(code_name(code) == name);
  }
}

TEST_CASE("describe gives the code name and the message") {
  CHECK(describe(Error{Code::version_conflict, "stream coupon-1 is at version 3"}) ==
        "version_conflict: stream coupon-1 is at version 3");
  CHECK(describe(Error{Code::io_error, "disk full"}) == "io_error: disk full");
}

TEST_CASE("describe names a rejection by the domain's code") {
  CHECK(describe(Error{Code::rejected, "balance is 300", "insufficient_balance"}) ==
        "insufficient_balance: balance is 300");
}

TEST_CASE("describe gives just the code name when the message is empty") {
  CHECK(describe(Error{Code::not_found, ""}) == "not_found");
  CHECK(describe(Error{}) == "internal");
}

TEST_CASE("fail produces an error result with the code and message") {
  const Result<int> value = fail(Code::not_found, "no stream coupon-1");
  REQUIRE_FALSE(value.has_value());
  CHECK(value.error().code == Code::not_found);
  CHECK(value.error().message == "no stream coupon-1");

  const Status status = fail(Code::overloaded, "");
  REQUIRE_FALSE(status.has_value());
  CHECK(status.error().code == Code::overloaded);
  CHECK(status.error().message.empty());
}

TEST_CASE("a result holding a value is not an error") {
  const Result<int> value = 42;
  REQUIRE(value.has_value());
  CHECK(*value == 42);
  CHECK(Status().has_value());
}

}  // namespace
}  // namespace tally
