// The coupon transactions read model: redemptions and refunds of one coupon, from every
// store, oldest first, with inclusive time bounds.
#include "projections/coupon_transactions.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "domain_support.h"

namespace tally::projections {
namespace {

using namespace commands::coupons;
using test::issued;
using test::kT0;
using namespace std::chrono_literals;
using Fixture = test::DomainFixture<CouponTransactions>;

void fill(Fixture& f) {
  f.coupon("c1", issued(CouponKind::balance, 1000));
  f.coupon("c1", CouponRedeemed{"S1", "T1", 300, "tea", 120, 700, kT0 + 1h});
  f.coupon("c1", CouponRedeemed{"S2", "T2", 100, "", 0, 600, kT0 + 2h});
  f.coupon("c1", CouponRedemptionRefunded{"R1", "S1", "T1", 300, 900, kT0 + 3h});
  f.coupon("c2", issued(CouponKind::balance, 50), CouponRefunded{"R2", "S3", 50, kT0 + 1h});
}

TEST_CASE("a coupon's transactions from every store, oldest first, refunds positive") {
  Fixture f;
  fill(f);
  auto all = CouponTransactions::list(f.view(), "c1", {}).value();
  REQUIRE(all.size() == 3);
  CHECK(all[0] == CouponTransaction{"T1", "redeem", 300, "S1", "tea", kT0 + 1h});
  CHECK(all[1].store_id == "S2");
  CHECK(all[2] == CouponTransaction{"T1", "refund", 300, "S1", "", kT0 + 3h});
  auto whole = CouponTransactions::list(f.view(), "c2", {}).value();
  REQUIRE(whole.size() == 1);
  CHECK(whole[0].type == "refund");
  CHECK(whole[0].amount == 50);
  CHECK(CouponTransactions::list(f.view(), "c", {}).value().empty());
}

TEST_CASE("both time bounds are inclusive") {
  Fixture f;
  fill(f);
  CouponTransactions::Query q;
  q.from = kT0 + 2h;
  q.to = kT0 + 3h;
  auto some = CouponTransactions::list(f.view(), "c1", q).value();
  REQUIRE(some.size() == 2);
  CHECK(some[0].transaction_id == "T2");
  CHECK(some[1].type == "refund");
  q.to = kT0 + 3h - 1us;
  CHECK(CouponTransactions::list(f.view(), "c1", q).value().size() == 1);
}

TEST_CASE("a rebuild of coupon transactions gives identical rows") {
  Fixture f;
  fill(f);
  const auto before = f.rows();
  f.rebuild();
  CHECK(f.rows() == before);
}

TEST_CASE("a transaction row is the JSON json::dump writes, escapes included") {
  Fixture f;
  f.coupon("c1", issued(CouponKind::balance, 1000));
  const std::string odd = "T\"1\\\n\x01";
  f.coupon("c1", CouponRedeemed{"S\"1", odd, 300, "t\u00e9a", 120, 700, kT0 + 1h});
  const auto rows = f.rows();
  REQUIRE(rows.size() == 1);
  const auto parsed = nlohmann::json::parse(rows[0].second);
  CHECK(rows[0].second == parsed.dump());
  CHECK(CouponTransactions::list(f.view(), "c1", {}).value() ==
        std::vector<CouponTransaction>{{odd, "redeem", 300, "S\"1", "t\u00e9a", kT0 + 1h}});
}

}  // namespace
}  // namespace tally::projections
