#include "core/json_text.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace tally {

TEST_CASE("json_quoted writes the bytes json::dump writes, escapes included") {
  // Stored fingerprints and read-model rows were made by json::dump: any other byte would
  // make a retried redeem an idempotency_conflict.
  const std::string cases[] = {"",
                               "S1",
                               "T-42_x.y",
                               "with \"quotes\"",
                               "back\\slash",
                               "tab\tnew\nline",
                               std::string("nul\0byte", 8),
                               "\x7f delete",
                               "caf\xc3\xa9 \xe2\x82\xac",
                               "/slash/ is not escaped"};
  for (const auto& text : cases) {
    CAPTURE(text);
    CHECK(json_quoted(text) == nlohmann::json(text).dump());
  }
}

TEST_CASE("json_quoted of plain ids is the id between quotes") {
  CHECK(json_quoted("coupon-7Hq2") == "\"coupon-7Hq2\"");
}

}  // namespace tally
