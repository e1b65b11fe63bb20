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
  auto all = CouponTransactions::list(f.view(), "c1", {}).value().transactions;
  REQUIRE(all.size() == 3);
  CHECK(all[0] == CouponTransaction{"T1", "redeem", 300, "S1", "tea", kT0 + 1h});
  CHECK(all[1].store_id == "S2");
  CHECK(all[2] == CouponTransaction{"T1", "refund", 300, "S1", "", kT0 + 3h});
  auto whole = CouponTransactions::list(f.view(), "c2", {}).value().transactions;
  REQUIRE(whole.size() == 1);
  CHECK(whole[0].type == "refund");
  CHECK(whole[0].amount == 50);
  CHECK(CouponTransactions::list(f.view(), "c", {}).value().transactions.empty());
}

TEST_CASE("both time bounds are inclusive") {
  Fixture f;
  fill(f);
  CouponTransactions::Query q;
  q.from = kT0 + 2h;
  q.to = kT0 + 3h;
  auto some = CouponTransactions::list(f.view(), "c1", q).value().transactions;
  REQUIRE(some.size() == 2);
  CHECK(some[0].transaction_id == "T2");
  CHECK(some[1].type == "refund");
  q.to = kT0 + 3h - 1us;
  CHECK(CouponTransactions::list(f.view(), "c1", q).value().transactions.size() == 1);
}

TEST_CASE("pages follow each other without loss or repeat, also within one instant") {
  Fixture f;
  f.coupon("c1", issued(CouponKind::balance, 1000));
  const std::vector<std::string> ids{"T0", "T1", "T2", "T3", "T4", "T5", "T6"};
  for (int i = 0; i < 7; ++i)  // T0..T4 at one instant, then two later ones
    f.coupon("c1",
             CouponRedeemed{"S1", ids[i], 1, "", 0, 999 - i, kT0 + (i < 5 ? 1h : 1h + i * 1min)});
  f.coupon("c2", issued(CouponKind::balance, 10), CouponRedeemed{"S1", "X", 1, "", 0, 9, kT0});
  CouponTransactions::Query q;
  q.limit = 3;
  std::vector<std::string> seen;
  int pages = 0;
  for (;;) {
    auto page = CouponTransactions::list(f.view(), "c1", q).value();
    ++pages;
    for (const auto& t : page.transactions) seen.push_back(t.transaction_id);
    if (!page.next) break;
    CHECK(CouponTransactions::is_cursor(*page.next));
    q.after = page.next;
  }
  CHECK(pages == 3);
  CHECK(seen == ids);

  q = {};
  q.limit = 7;  // exactly the rows there are: one page, no next
  CHECK(!CouponTransactions::list(f.view(), "c1", q).value().next);
  q.limit = 2;  // a time bound holds on every page
  q.to = kT0 + 1h;
  auto first = CouponTransactions::list(f.view(), "c1", q).value();
  q.after = first.next;
  q.limit = 10;
  auto rest = CouponTransactions::list(f.view(), "c1", q).value();
  CHECK(rest.transactions.size() == 3);
  CHECK(!rest.next);
  q.from = kT0 + 1h + 6min;  // a start past the end: nothing, whatever the cursor
  CHECK(CouponTransactions::list(f.view(), "c1", q).value().transactions.empty());
  q.to = std::nullopt;  // a start later than the cursor wins: only T6
  auto later = CouponTransactions::list(f.view(), "c1", q).value();
  REQUIRE(later.transactions.size() == 1);
  CHECK(later.transactions[0].transaction_id == "T6");
  q.after = "zz";
  CHECK(!CouponTransactions::list(f.view(), "c1", q));
}

TEST_CASE("a cursor is two 16-digit hex numbers joined by a dot") {
  CHECK(CouponTransactions::is_cursor("80000000000000ff.0000000000000001"));
  CHECK_FALSE(CouponTransactions::is_cursor(""));
  CHECK_FALSE(CouponTransactions::is_cursor("80000000000000ff/0000000000000001"));
  CHECK_FALSE(CouponTransactions::is_cursor("80000000000000FF.0000000000000001"));
  CHECK_FALSE(CouponTransactions::is_cursor("80000000000000ff.00000000000000012"));
  CHECK_FALSE(CouponTransactions::is_cursor("80000000000000ff.000000000000000g"));
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
  CHECK(CouponTransactions::list(f.view(), "c1", {}).value().transactions ==
        std::vector<CouponTransaction>{{odd, "redeem", 300, "S\"1", "t\u00e9a", kT0 + 1h}});
}

}  // namespace
}  // namespace tally::projections
