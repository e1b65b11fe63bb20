// The purchase history read model: purchases per customer, the status, the 1-year rule and
// the expiry; a rebuild gives the same answers.
#include "projections/purchase_history.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "domain_support.h"

namespace tally::projections {
namespace {

using namespace commands::membership;
using test::kT0;
using namespace std::chrono_literals;
using Fixture = test::DomainFixture<PurchaseHistory>;

const Timestamp kUntil = kT0 + 24h * 365;

PurchaseRecorded purchase(std::string id, std::int64_t amount, Timestamp at = kT0) {
  return {std::move(id), {{"p1", "Tea", 1, amount}, {"p2", "Cake", 1, 0}}, amount, 0, at};
}

void register_c9(Fixture& f) {
  f.customer("C9", CustomerRegistered{"", "C9", "n", "e", "p", kT0});
}

TEST_CASE("a customer's purchases are listed oldest first, with their names and amounts") {
  Fixture f;
  register_c9(f);
  f.customer("C9", purchase("P1", 1200, kT0), purchase("P2", 300, kT0 + 1h));
  f.customer("C9", PointsSpent{10, "purchase", 0, "P2", kT0 + 1h});  // not a purchase row
  auto page = PurchaseHistory::purchases(f.view(), "C9", kT0 + 2h).value();
  CHECK_FALSE(page.refused);
  REQUIRE(page.purchases.size() == 2);
  CHECK(page.purchases[0] == PurchaseEntry{"P1", "purchase", "Tea, Cake", kT0, 1200, false});
  CHECK(page.purchases[1].purchase_id == "P2");
  CHECK_FALSE(page.next);
}

TEST_CASE("purchases are paged: next is where the following page starts") {
  Fixture f;
  register_c9(f);
  for (int i = 0; i < 5; ++i) f.customer("C9", purchase(fmt::format("P{}", i), 10 + i));
  auto first = PurchaseHistory::purchases(f.view(), "C9", kT0, 0, 2).value();
  REQUIRE(first.purchases.size() == 2);
  REQUIRE(first.next);
  auto last = PurchaseHistory::purchases(f.view(), "C9", kT0, 4, 2).value();
  REQUIRE(last.purchases.size() == 1);
  CHECK(last.purchases[0].purchase_id == "P4");
  CHECK_FALSE(last.next);
}

TEST_CASE("an unknown customer is customer_not_found") {
  Fixture f;
  CHECK(PurchaseHistory::purchases(f.view(), "C9", kT0).value().refused == "customer_not_found");
  CHECK_FALSE(PurchaseHistory::status(f.view(), "C9").value());
}

TEST_CASE("a cancelled customer's history is visible until the year is up, then history_expired") {
  Fixture f;
  register_c9(f);
  f.customer("C9", purchase("P1", 100), PointsForfeited{0, kT0 + 1h},
             CustomerCancelled{kT0 + 1h, kUntil, 0});
  auto status = PurchaseHistory::status(f.view(), "C9").value().value();
  CHECK(status.is_cancelled);
  CHECK(status.cancellation_date == kT0 + 1h);
  CHECK(status.history_visible_until == kUntil);
  CHECK(status.purchases_blocked);
  CHECK(PurchaseHistory::purchases(f.view(), "C9", kUntil - 1us).value().purchases.size() == 1);
  CHECK(PurchaseHistory::purchases(f.view(), "C9", kUntil).value().refused == "history_expired");
}

TEST_CASE("history.expired removes the purchase rows and answers history_expired at once") {
  Fixture f;
  register_c9(f);
  f.customer("C9", purchase("P1", 100), purchase("P2", 200), CustomerCancelled{kT0 + 1h, kUntil, 0},
             HistoryExpired{kT0 + 2h, true});
  CHECK(PurchaseHistory::purchases(f.view(), "C9", kT0 + 3h).value().refused == "history_expired");
  const auto status = PurchaseHistory::status(f.view(), "C9").value().value();
  CHECK(status.history_expired);
  CHECK(status.history_visible_until == kT0 + 2h);  // expired early: not the year's end
  for (const auto& [key, value] : f.rows()) CHECK(key.rfind("purchase/", 0) != 0);
}

TEST_CASE("a history expired by the year keeps the year's end as visible until") {
  Fixture f;
  register_c9(f);
  f.customer("C9", CustomerCancelled{kT0 + 1h, kUntil, 0}, HistoryExpired{kUntil, false});
  CHECK(PurchaseHistory::status(f.view(), "C9").value()->history_visible_until == kUntil);
}

TEST_CASE("block_purchases shows in the status without a cancellation") {
  Fixture f;
  register_c9(f);
  f.customer("C9", PurchasesBlocked{kT0});
  auto status = PurchaseHistory::status(f.view(), "C9").value().value();
  CHECK(status.purchases_blocked);
  CHECK_FALSE(status.is_cancelled);
}

TEST_CASE("a rebuild of purchase history gives identical rows and answers") {
  Fixture f;
  register_c9(f);
  f.customer("C8", CustomerRegistered{"", "C8", "n", "e", "p", kT0}, purchase("X", 5),
             CustomerCancelled{kT0, kUntil, 0}, HistoryExpired{kUntil, false});
  f.customer("C9", purchase("P1", 100), purchase("P2", 200), PurchasesBlocked{kT0});
  const auto before = f.rows();
  const auto page = PurchaseHistory::purchases(f.view(), "C9", kT0).value();
  f.rebuild();
  CHECK(f.rows() == before);
  CHECK(PurchaseHistory::purchases(f.view(), "C9", kT0).value().purchases == page.purchases);
  CHECK(PurchaseHistory::purchases(f.view(), "C8", kT0).value().refused == "history_expired");
}

TEST_CASE("subject.erased removes every row of the customer: customer_not_found") {
  Fixture f;
  register_c9(f);
  f.customer("C8", CustomerRegistered{"", "C8", "n", "e", "p", kT0}, purchase("X", 5));
  f.customer("C9", purchase("P1", 100), purchase("P2", 200), CustomerCancelled{kT0, kUntil, 0},
             SubjectErased{"customer:C9", "asked", kT0 + 1h});
  CHECK(PurchaseHistory::purchases(f.view(), "C9", kT0).value().refused == "customer_not_found");
  CHECK_FALSE(PurchaseHistory::status(f.view(), "C9").value());
  for (const auto& [key, value] : f.rows()) CHECK(key.find("C9") == std::string::npos);
  CHECK(PurchaseHistory::purchases(f.view(), "C8", kT0).value().purchases.size() == 1);
  const auto before = f.rows();
  f.rebuild();
  CHECK(f.rows() == before);
}

}  // namespace
}  // namespace tally::projections
