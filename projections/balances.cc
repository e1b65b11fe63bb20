#include "projections/balances.h"

#include "core/proto_time.h"
#include "projections/view_support.h"
#include "tally/v1/events/coupons.pb.h"
#include "tally/v1/events/membership.pb.h"

namespace tally::projections {
namespace {

namespace pb = tally::v1::events;
using nlohmann::json;
using views::payload_as;

std::string coupon_key(std::string_view id) {
  return "coupon/" + std::string(id);
}
std::string left_key(std::string_view id) {
  return "left/" + std::string(id);
}
std::string points_key(std::string_view id) {
  return "points/" + std::string(id);
}
std::string owned_prefix(std::string_view customer) {
  return "owned/" + std::string(customer) + "/";
}

// What the issue fixed, written once.
json to_row(const CouponBalance& c) {
  return json{{"kind", c.kind},
              {"face_value", c.face_value},
              {"product_id", c.product_id},
              {"expires_at", views::micros(c.expires_at)},
              {"customer_id", c.customer_id},
              {"sealed_code", views::hex(c.sealed_code)},
              {"code_event_id", c.code_event_id}};
}

// What later events change: "<balance>[ expired][ void]".
struct Left {
  std::int64_t balance = 0;
  bool expired = false;
  bool voided = false;
};

std::string to_left_row(const Left& left) {
  return std::to_string(left.balance) + (left.expired ? " expired" : "") +
         (left.voided ? " void" : "");
}

std::optional<Left> from_left_row(std::string_view row) {
  const auto space = row.find(' ');
  auto balance = parse_number<std::int64_t>(row.substr(0, space));
  if (!balance) return std::nullopt;
  Left left{*balance};
  for (auto rest = space == std::string_view::npos ? std::string_view() : row.substr(space);
       !rest.empty();) {
    if (rest.starts_with(" expired") && !left.expired)
      left.expired = true, rest.remove_prefix(8);
    else if (rest.starts_with(" void") && !left.voided)
      left.voided = true, rest.remove_prefix(5);
    else
      return std::nullopt;
  }
  return left;
}

Result<CouponBalance> from_rows(std::string_view id, std::string_view row, std::string_view left) {
  const auto changed = from_left_row(left);
  auto j = views::parse_row(row, "balances");
  if (!j || !changed)
    return tally::fail(Code::corruption, "bad balances row of coupon " + std::string(id));
  try {
    CouponBalance c{std::string(id),
                    j->at("kind").get<std::string>(),
                    j->at("face_value").get<std::int64_t>(),
                    j->at("product_id").get<std::string>(),
                    views::from_micros(j->at("expires_at").get<std::int64_t>()),
                    j->at("customer_id").get<std::string>(),
                    changed->balance,
                    changed->expired,
                    changed->voided,
                    views::unhex(j->at("sealed_code").get<std::string>()).value(),
                    j->at("code_event_id").get<std::string>()};
    return c;
  } catch (const std::exception&) {
    return tally::fail(Code::corruption, "bad balances row of coupon " + std::string(id));
  }
}

// Applies `change` to the coupon's changing row; an event for a coupon not issued is
// corruption. Only that short row is read and written: redeems are the busiest events.
template <class F>
Status update_coupon(Rows& rows, const std::string& id, F change) {
  auto row = rows.get(left_key(id));
  if (!row) return tl::unexpected(row.error());
  if (!*row)
    return tally::fail(Code::corruption, "an event for coupon " + id + " before its issue");
  auto left = from_left_row(**row);
  if (!left) return tally::fail(Code::corruption, "bad balances row of coupon " + id);
  change(*left);
  rows.put(left_key(id), to_left_row(*left));
  return {};
}

Status add_points(Rows& rows, const std::string& customer, std::int64_t delta) {
  auto row = rows.get(points_key(customer));
  if (!row) return tl::unexpected(row.error());
  const auto current = *row ? parse_number<std::int64_t>(**row) : std::optional<std::int64_t>(0);
  if (!current) return tally::fail(Code::corruption, "bad points of " + customer);
  rows.put(points_key(customer), std::to_string(*current + delta));
  return {};
}

Status issued(const eventstore::RecordedEvent& event, Rows& rows, const std::string& id) {
  auto m = payload_as<pb::CouponIssued>(event);
  if (!m) return tl::unexpected(m.error());
  CouponBalance c{id,
                  m->kind(),
                  m->face_value(),
                  m->product_id(),
                  from_proto_time(m->expires_at()),
                  m->customer_id(),
                  m->face_value(),
                  false,
                  false,
                  m->sealed_code(),
                  event.event_id};
  rows.put(coupon_key(id), to_row(c).dump());
  rows.put(left_key(id), to_left_row({c.balance}));
  // Keyed by position so a customer's coupons list in the order they were issued (api.md:
  // lists go by time, then position); the row names the coupon.
  if (!c.customer_id.empty())
    rows.put(owned_prefix(c.customer_id) + views::position_key(event.position), id);
  return {};
}

}  // namespace

std::string CouponBalance::status_at(Timestamp now) const {
  if (voided) return "void";
  if (expired || now >= expires_at) return "expired";
  if (balance > 0) return "active";
  return kind == "exchange" ? "redeemed" : "exhausted";
}

std::int64_t CouponBalance::shown_balance(Timestamp now) const {
  if (kind == "exchange") return status_at(now) == "active" ? balance : 0;
  return voided ? 0 : balance;
}

Status Balances::apply(const eventstore::RecordedEvent& event, Rows& rows) {
  const auto category = views::category_of(event.stream);
  if (category == "coupon") return apply_coupon(event, rows);
  if (category == "customer") return apply_customer(event, rows);
  return {};
}

Status Balances::apply_coupon(const eventstore::RecordedEvent& event, Rows& rows) {
  const std::string id = views::id_of(event.stream);
  if (event.type == "coupon.issued") return issued(event, rows, id);
  if (event.type == "coupon.redeemed") {
    auto m = payload_as<pb::CouponRedeemed>(event);
    if (!m) return tl::unexpected(m.error());
    return update_coupon(rows, id, [&](Left& c) { c.balance -= m->amount(); });
  }
  if (event.type == "coupon.redemption_refunded") {
    auto m = payload_as<pb::CouponRedemptionRefunded>(event);
    if (!m) return tl::unexpected(m.error());
    return update_coupon(rows, id, [&](Left& c) { c.balance += m->amount(); });
  }
  if (event.type == "coupon.refunded")
    return update_coupon(rows, id, [](Left& c) { c.voided = true, c.balance = 0; });
  if (event.type == "coupon.expired")
    return update_coupon(rows, id, [](Left& c) { c.expired = true; });
  return {};
}

Status Balances::apply_customer(const eventstore::RecordedEvent& event, Rows& rows) {
  const std::string id = views::id_of(event.stream);
  if (event.type == "customer.registered") return add_points(rows, id, 0);
  if (event.type == "subject.erased") {  // domain.md §6; the coupons themselves stay
    auto owned = rows.keys(owned_prefix(id));
    if (!owned) return tl::unexpected(owned.error());
    for (const auto& key : *owned) rows.erase(key);
    rows.erase(points_key(id));
    return {};
  }
  if (event.type == "points.earned") {
    auto m = payload_as<pb::PointsEarned>(event);
    if (!m) return tl::unexpected(m.error());
    return add_points(rows, id, m->amount());
  }
  if (event.type == "points.spent") {
    auto m = payload_as<pb::PointsSpent>(event);
    if (!m) return tl::unexpected(m.error());
    return add_points(rows, id, -m->amount());
  }
  if (event.type == "points.forfeited") {
    auto m = payload_as<pb::PointsForfeited>(event);
    if (!m) return tl::unexpected(m.error());
    return add_points(rows, id, -m->amount());
  }
  return {};
}

Result<std::optional<CouponBalance>> Balances::coupon(const View& view,
                                                      std::string_view coupon_id) {
  auto row = view.get(coupon_key(coupon_id));
  if (!row) return tl::unexpected(row.error());
  if (!*row) return std::optional<CouponBalance>();
  auto left = view.get(left_key(coupon_id));
  if (!left) return tl::unexpected(left.error());
  if (!*left)
    return tally::fail(Code::corruption, "no balance row of coupon " + std::string(coupon_id));
  auto c = from_rows(coupon_id, **row, **left);
  if (!c) return tl::unexpected(c.error());
  return std::optional<CouponBalance>(std::move(*c));
}

Result<std::optional<std::int64_t>> Balances::points(const View& view,
                                                     std::string_view customer_id) {
  auto row = view.get(points_key(customer_id));
  if (!row) return tl::unexpected(row.error());
  if (!*row) return std::optional<std::int64_t>();
  auto n = parse_number<std::int64_t>(**row);
  if (!n) return tally::fail(Code::corruption, "bad points of " + std::string(customer_id));
  return std::optional<std::int64_t>(*n);
}

Result<Balances::CouponsPage> Balances::coupons_of(const View& view, std::string_view customer_id,
                                                   std::uint64_t from, std::size_t limit) {
  const std::string prefix = owned_prefix(customer_id);
  auto owned = view.range(prefix + views::position_key(Position(from)),
                          eventstore::prefix_end(prefix), limit + 1);
  if (!owned) return tl::unexpected(owned.error());
  CouponsPage page;
  for (const auto& [key, coupon_id] : *owned) {
    if (page.coupons.size() == limit) {
      page.next = std::stoull(key.substr(prefix.size()), nullptr, 16);
      break;
    }
    auto c = coupon(view, coupon_id);
    if (!c) return tl::unexpected(c.error());
    if (*c) page.coupons.push_back(std::move(**c));
  }
  return page;
}

}  // namespace tally::projections
