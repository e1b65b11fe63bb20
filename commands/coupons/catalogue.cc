#include "commands/coupons/catalogue.h"

#include <nlohmann/json.hpp>

#include "commands/payload.h"
#include "core/proto_time.h"
#include "tally/v1/events/coupons.pb.h"

namespace tally::commands::coupons {

std::string product_stream(std::string_view product_id) {
  return "product-" + std::string(product_id);
}

std::string Catalogue::stream(const Command& command) {
  return product_stream(std::get<PriceProduct>(command).product_id);
}

Catalogue::State Catalogue::evolve(State state, const Event& event) {
  const auto& e = std::get<ProductPriced>(event);
  state.known = true;
  state.name = e.name;
  state.price = e.price;
  return state;
}

Decision<Catalogue::Event> Catalogue::decide(const State& state, const Command& command) {
  const auto& c = std::get<PriceProduct>(command);
  if (c.price <= 0) return tl::unexpected(Rejection{"invalid_field", "price must be positive"});
  if (c.name.empty()) return tl::unexpected(Rejection{"missing_field", "a product needs a name"});
  // Pricing a product again as it is changes nothing (PUT is idempotent).
  if (state.known && state.name == c.name && state.price == c.price) return std::vector<Event>{};
  return std::vector<Event>{ProductPriced{c.product_id, c.name, c.price, c.now}};
}

std::string Catalogue::answer(const State& after, const Command& command) {
  return nlohmann::json{{"product_id", std::get<PriceProduct>(command).product_id},
                        {"name", after.name},
                        {"price", after.price}}
      .dump();
}

eventstore::NewEvent Catalogue::encode(const Event& event) {
  const auto& e = std::get<ProductPriced>(event);
  tally::v1::events::ProductPriced m;
  m.set_product_id(e.product_id);
  m.set_name(e.name);
  m.set_price(e.price);
  set_proto_time(*m.mutable_priced_at(), e.priced_at);
  return new_event("product.priced", m);
}

Result<Catalogue::Event> Catalogue::decode(const eventstore::RecordedEvent& event) {
  tally::v1::events::ProductPriced m;
  if (event.type != "product.priced" || !parse_payload(m, event.payload))
    return fail(Code::corruption, "not a product event: " + event.type);
  return Event{ProductPriced{m.product_id(), m.name(), m.price(), from_proto_time(m.priced_at())}};
}

Result<std::optional<std::int64_t>> Catalogue::price_of(
    const std::vector<eventstore::RecordedEvent>& events) {
  State state;
  for (const auto& recorded : events) {
    auto event = decode(recorded);
    if (!event) return tl::unexpected(event.error());
    state = evolve(std::move(state), *event);
  }
  if (!state.known) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(state.price);
}

}  // namespace tally::commands::coupons
