// The product catalogue (domain.md §1: product.priced): the prices the exchange voucher's
// swap rule compares with its face value. A small domain of its own, one stream per product
// ("product-<id>"), so a price is a fact in the log like any other.
//
// Why the price travels in the redeem command instead of the coupon reading it: the runtime
// decides a command on one stream (commands/runtime.h), and a hot coupon's commands are
// sequenced on its stream alone. The edge reads the product's stream from the log just before
// (Catalogue::price_of: strongly consistent, unlike a read model that may lag) and passes the
// price; coupon.redeemed records the price the rule saw, so the decision stays auditable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "commands/runtime.h"
#include "core/clock.h"
#include "eventstore/event.h"

namespace tally::commands::coupons {

struct Catalogue {
  struct State {
    bool known = false;
    std::string name;
    std::int64_t price = 0;
  };
  // Admin: PUT /api/v1/products/{product_id}.
  struct PriceProduct {
    std::string product_id;
    std::string name;
    std::int64_t price = 0;  // positive (api.md: amounts are)
    Timestamp now;
  };
  using Command = std::variant<PriceProduct>;
  struct ProductPriced {
    std::string product_id;
    std::string name;
    std::int64_t price = 0;
    Timestamp priced_at;
  };
  using Event = std::variant<ProductPriced>;

  static std::string stream(const Command& command);
  static State evolve(State state, const Event& event);
  static Decision<Event> decide(const State& state, const Command& command);
  static std::string answer(const State& after, const Command& command);
  static eventstore::NewEvent encode(const Event& event);
  static Result<Event> decode(const eventstore::RecordedEvent& event);

  // The current price from a product stream's events; nullopt when it was never priced.
  static Result<std::optional<std::int64_t>> price_of(
      const std::vector<eventstore::RecordedEvent>& events);
};

std::string product_stream(std::string_view product_id);  // "product-<id>"

}  // namespace tally::commands::coupons
