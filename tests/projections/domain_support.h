// Shared by the tests of the domain read models: a log the coupons and membership domains
// append to through their own encoders, and one projector per test.
#pragma once

#include <doctest/doctest.h>

#include "commands/coupons/coupons.h"
#include "commands/membership/membership.h"
#include "eventstore/support.h"
#include "projections/projector.h"

namespace tally::projections::test {

using namespace std::chrono_literals;

inline const Timestamp kT0 = Timestamp(std::chrono::hours(24 * 20000 + 12));

template <class P>
struct DomainFixture {
  eventstore::test::TempDir dir;
  std::unique_ptr<eventstore::Log> log = eventstore::test::open_log(dir.data());
  std::unique_ptr<eventstore::KvStore> store =
      eventstore::KvStore::open(dir.data() / "views").value();
  P model;
  Projector projector{*log, *store, model};

  template <class... E>
  void coupon(const std::string& id, E... events) {
    REQUIRE(
        log->append(eventstore::test::to_stream("coupon-" + id, eventstore::ExpectedVersion::any(),
                                                {commands::coupons::encode(events)...})));
  }
  template <class... E>
  void customer(const std::string& id, E... events) {
    REQUIRE(log->append(eventstore::test::to_stream("customer-" + id,
                                                    eventstore::ExpectedVersion::any(),
                                                    {commands::membership::encode(events)...})));
  }
  View view() {
    REQUIRE(projector.catch_up());
    return projector.view().value();
  }
  // Every row of the serving copy: a rebuild must give the same.
  eventstore::KvRows rows() { return view().scan("", SIZE_MAX).value(); }
  void rebuild() {
    REQUIRE(projector.rebuild_now([](const Progress&) {}));
  }
};

inline commands::coupons::CouponIssued issued(commands::coupons::CouponKind kind,
                                              std::int64_t value, std::string customer = "") {
  return {"",
          "",
          kind,
          value,
          kind == commands::coupons::CouponKind::exchange ? "coffee" : "",
          kT0 + 24h,
          std::move(customer),
          std::string("\x01\xff\x00sealed", 9),
          kT0};
}

}  // namespace tally::projections::test
