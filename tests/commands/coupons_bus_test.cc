// The coupons domain on the command runtime and a real log: the races of domain.md §1
// Concurrency, POS idempotency keys, and state folded back from the log.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "commands/coupons/coupons.h"
#include "eventstore/support.h"

namespace tally::commands::coupons {
namespace {

using eventstore::test::open_log;
using eventstore::test::TempDir;
using namespace std::chrono_literals;

const Timestamp kNow = Timestamp(std::chrono::hours(24 * 20000 + 12));

IssueCoupon issue(CouponKind kind, std::int64_t value) {
  return IssueCoupon{"hot", "", "sealed", kind, value, "coffee", 450, kNow + 24h, "", kNow};
}

RedeemCoupon redeem(const std::string& store, const std::string& txn, std::int64_t amount) {
  return RedeemCoupon{"hot", store, txn, amount, "", {}, kNow + 1h};
}

// The key the edge uses for a redeem (coupons.h).
Context pos(const std::string& store, const std::string& txn, std::int64_t amount) {
  Context c;
  c.idempotency_key = "coupon-redeem/" + store + "/" + txn;
  c.fingerprint = std::to_string(amount);
  c.actor = "pos:" + store;
  return c;
}

std::int64_t sum_redeemed(const eventstore::Log& log) {
  std::int64_t sum = 0;
  const auto events = log.read_stream("coupon-hot", StreamVersion(1), 100000);
  REQUIRE(events);
  for (const auto& r : *events) {
    auto e = Coupons::decode(r);
    REQUIRE(e);
    if (const auto* redeemed = std::get_if<CouponRedeemed>(&*e)) sum += redeemed->amount;
  }
  return sum;
}

TEST_CASE("50 terminals on one 1000 balance coupon: accepted sum exactly 1000, never negative") {
  TempDir dir;
  auto log = open_log(dir.data());
  CommandBus<Coupons> bus(*log);
  REQUIRE(bus.execute(issue(CouponKind::balance, 1000)));
  std::atomic<std::int64_t> accepted{0};
  std::atomic<int> negative{0}, unexpected{0};
  std::vector<std::thread> terminals;
  for (int t = 0; t < 50; ++t)
    terminals.emplace_back([&, t] {
      const std::string store = fmt::format("S{}", t % 5);
      std::int64_t amount = 30;
      for (int k = 0;; ++k) {
        const std::string txn = fmt::format("T{}-{}", t, k);
        auto r = bus.execute(redeem(store, txn, amount), pos(store, txn, amount));
        if (r) {
          const auto a = nlohmann::json::parse(r->answer);
          accepted += a["redeemed_amount"].get<std::int64_t>();
          if (a["remaining_balance"].get<std::int64_t>() < 0) ++negative;
        } else if (r.error().reason == "insufficient_balance") {
          amount = 1;  // spend what is left in small steps
        } else {
          if (r.error().reason != "coupon_not_redeemable") ++unexpected;
          return;  // exhausted
        }
      }
    });
  for (auto& t : terminals) t.join();
  CHECK(accepted == 1000);
  CHECK(negative == 0);
  CHECK(unexpected == 0);
  CHECK(sum_redeemed(*log) == 1000);
  CHECK(bus.stats().failed == 0);
}

TEST_CASE("40 terminals on one exchange voucher: exactly one is accepted") {
  TempDir dir;
  auto log = open_log(dir.data());
  CommandBus<Coupons> bus(*log);
  REQUIRE(bus.execute(issue(CouponKind::exchange, 500)));
  std::atomic<int> accepted{0}, not_redeemable{0};
  std::vector<std::thread> terminals;
  for (int t = 0; t < 40; ++t)
    terminals.emplace_back([&, t] {
      const std::string store = fmt::format("S{}", t), txn = fmt::format("T{}", t);
      auto r = bus.execute(redeem(store, txn, 0), pos(store, txn, 0));
      if (r)
        ++accepted;
      else if (r.error().reason == "coupon_not_redeemable" &&
               rejected_status(r.error().message) == "redeemed")
        ++not_redeemable;
    });
  for (auto& t : terminals) t.join();
  CHECK(accepted == 1);
  CHECK(not_redeemable == 39);
  CHECK(sum_redeemed(*log) == 500);
}

TEST_CASE("a retried redeem replays the first outcome under its (store, transaction) key") {
  TempDir dir;
  auto log = open_log(dir.data());
  CommandBus<Coupons> bus(*log);
  REQUIRE(bus.execute(issue(CouponKind::balance, 1000)));
  auto first = bus.execute(redeem("S1", "T1", 300), pos("S1", "T1", 300));
  REQUIRE(first);
  auto again = bus.execute(redeem("S1", "T1", 300), pos("S1", "T1", 300));
  REQUIRE(again);
  CHECK(again->replayed);
  CHECK(again->last == first->last);
  CHECK(again->answer == first->answer);
  auto other_body = bus.execute(redeem("S1", "T1", 200), pos("S1", "T1", 200));
  REQUIRE_FALSE(other_body);
  CHECK(other_body.error().code == Code::idempotency_conflict);
  // After other redemptions, and with no record of the key (as after its retention): the
  // same answer at the same position, replayed, also from a state folded afresh.
  REQUIRE(bus.execute(redeem("S2", "T7", 100)));
  CommandBus<Coupons> fresh(*log);
  for (auto* b : {&bus, &fresh}) {
    auto unkeyed = b->execute(redeem("S1", "T1", 300));
    REQUIRE(unkeyed);
    CHECK(unkeyed->replayed);
    CHECK(unkeyed->first == first->first);
    CHECK(unkeyed->last == first->last);
    CHECK(unkeyed->answer == first->answer);
  }
  CHECK(sum_redeemed(*log) == 400);
}

TEST_CASE("a restarted bus folds the coupon from the log and keeps every rule") {
  TempDir dir;
  {
    auto log = open_log(dir.data());
    CommandBus<Coupons> bus(*log);
    REQUIRE(bus.execute(issue(CouponKind::balance, 1000)));
    REQUIRE(bus.execute(redeem("S1", "T1", 400)));
    REQUIRE(bus.execute(RefundCoupon{"hot", "S1", "R1", "T1", {}, kNow + 2h}));
    REQUIRE(bus.execute(redeem("S1", "T2", 900)));
  }
  auto log = open_log(dir.data());
  CommandBus<Coupons> bus(*log);
  auto over = bus.execute(redeem("S1", "T3", 101));
  REQUIRE_FALSE(over);
  CHECK(over.error().reason == "insufficient_balance");
  auto again = bus.execute(RefundCoupon{"hot", "S1", "R9", "T1", {}, kNow + 3h});
  REQUIRE_FALSE(again);
  CHECK(again.error().reason == "transaction_already_refunded");
  auto rest = bus.execute(redeem("S1", "T3", 100));
  REQUIRE(rest);
  CHECK(nlohmann::json::parse(rest->answer)["coupon_status"] == "exhausted");
}

}  // namespace
}  // namespace tally::commands::coupons
