// Failed coupon look-ups per key (domain.md §1): 20 within 60 s refuse the key for 60 s.
#include "commands/coupons/lookup_throttle.h"

#include <doctest/doctest.h>

namespace tally::commands::coupons {
namespace {

using namespace std::chrono_literals;

const Timestamp kT0 = Timestamp(std::chrono::hours(24 * 20000));

void fail_times(LookupThrottle& t, std::string_view key, int n, Timestamp at,
                std::chrono::microseconds step = 1s) {
  for (int i = 0; i < n; ++i) t.failed(key, at + i * step);
}

TEST_CASE("the 20th failure within 60 s refuses the key for 60 s: too_many_attempts") {
  LookupThrottle t;
  fail_times(t, "k1", 19, kT0);
  CHECK_FALSE(t.refused("k1", kT0 + 19s));
  t.failed("k1", kT0 + 19s);  // the 20th, answered coupon_not_found itself
  auto left = t.refused("k1", kT0 + 20s);
  REQUIRE(left);
  CHECK(*left == std::chrono::microseconds(59s));
  CHECK(t.refused("k1", kT0 + 19s + 60s - 1us));
  CHECK_FALSE(t.refused("k1", kT0 + 19s + 60s));
}

TEST_CASE("failures spread over more than 60 s do not refuse") {
  LookupThrottle t;
  fail_times(t, "k1", 40, kT0, 4s);  // never 20 within 60 s
  CHECK_FALSE(t.refused("k1", kT0 + 200s));
}

TEST_CASE("the refusal is per key") {
  LookupThrottle t;
  fail_times(t, "k1", 20, kT0);
  CHECK(t.refused("k1", kT0 + 30s));
  CHECK_FALSE(t.refused("k2", kT0 + 30s));
}

TEST_CASE("refused look-ups neither count nor extend the refusal") {
  LookupThrottle t;
  fail_times(t, "k1", 20, kT0);  // refused until kT0 + 79 s
  fail_times(t, "k1", 30, kT0 + 20s);
  CHECK_FALSE(t.refused("k1", kT0 + 79s));
  // After it the key starts afresh: one more failure is far from 20.
  t.failed("k1", kT0 + 80s);
  CHECK_FALSE(t.refused("k1", kT0 + 81s));
}

}  // namespace
}  // namespace tally::commands::coupons
