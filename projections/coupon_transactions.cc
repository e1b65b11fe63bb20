#include "projections/coupon_transactions.h"

#include "core/json_text.h"
#include "core/proto_time.h"
#include "projections/view_support.h"
#include "tally/v1/events/coupons.pb.h"

namespace tally::projections {
namespace {

namespace pb = tally::v1::events;
using views::payload_as;

std::string coupon_prefix(std::string_view coupon_id) {
  return "tx/" + std::string(coupon_id) + "/";
}

// One row per event, never read back by the model (Rows::add), written as text in the bytes
// json::dump gives (keys sorted): a redeem's row cost more to build as a json object than
// the rest of this model's work.
void put(Rows& rows, const eventstore::RecordedEvent& event, const CouponTransaction& t) {
  std::string key = coupon_prefix(views::id_of(event.stream)) + views::time_key(t.at) + '/' +
                    views::position_key(event.position);
  rows.add(std::move(key), fmt::format(R"({{"amount":{},"at":{},"product_id":{},"store_id":{},)"
                                       R"("transaction_id":{},"type":{}}})",
                                       t.amount, views::micros(t.at), json_quoted(t.product_id),
                                       json_quoted(t.store_id), json_quoted(t.transaction_id),
                                       json_quoted(t.type)));
}

Result<CouponTransaction> from_row(std::string_view row) {
  auto j = views::parse_row(row, "coupon_transactions");
  if (!j) return tl::unexpected(j.error());
  try {
    return CouponTransaction{j->at("transaction_id").get<std::string>(),
                             j->at("type").get<std::string>(),
                             j->at("amount").get<std::int64_t>(),
                             j->at("store_id").get<std::string>(),
                             j->at("product_id").get<std::string>(),
                             views::from_micros(j->at("at").get<std::int64_t>())};
  } catch (const std::exception&) {
    return tally::fail(Code::corruption, "bad row of coupon_transactions");
  }
}

}  // namespace

Status CouponTransactions::apply(const eventstore::RecordedEvent& event, Rows& rows) {
  if (views::category_of(event.stream) != "coupon") return {};
  if (event.type == "coupon.redeemed") {
    auto m = payload_as<pb::CouponRedeemed>(event);
    if (!m) return tl::unexpected(m.error());
    put(rows, event,
        {m->transaction_id(), "redeem", m->amount(), m->store_id(), m->product_id(),
         from_proto_time(m->redeemed_at())});
  } else if (event.type == "coupon.redemption_refunded") {
    auto m = payload_as<pb::CouponRedemptionRefunded>(event);
    if (!m) return tl::unexpected(m.error());
    put(rows, event,
        {m->transaction_id(), "refund", m->amount(), m->store_id(), "",
         from_proto_time(m->refunded_at())});
  } else if (event.type == "coupon.refunded") {
    auto m = payload_as<pb::CouponRefunded>(event);
    if (!m) return tl::unexpected(m.error());
    put(rows, event,
        {"", "refund", m->amount(), m->store_id(), "", from_proto_time(m->refunded_at())});
  }
  return {};
}

// A row's key past its coupon's prefix is "<time>/<position>"; its cursor is the same with
// a '.', the separator the schedules' cursors use too.
constexpr std::size_t kCursorSize = 16 + 1 + 16;

bool CouponTransactions::is_cursor(std::string_view text) {
  if (text.size() != kCursorSize || text[16] != '.') return false;
  const auto hex = [](std::string_view part) {
    return part.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  };
  return hex(text.substr(0, 16)) && hex(text.substr(17));
}

Result<CouponTransactions::Page> CouponTransactions::list(const View& view,
                                                          std::string_view coupon_id,
                                                          const Query& query) {
  const std::string prefix = coupon_prefix(coupon_id);
  std::string from = prefix + (query.from ? views::time_key(*query.from) : "");
  if (query.after) {
    if (!is_cursor(*query.after)) return tally::fail(Code::invalid_argument, "not a cursor");
    std::string past = prefix + *query.after;
    past[prefix.size() + 16] = '/';
    past += '\0';  // the smallest key above that row's
    from = std::max(from, past);
  }
  // `to` is inclusive: stop before the first key of the next microsecond.
  const std::string to = query.to
                             ? prefix + views::time_key(*query.to + std::chrono::microseconds(1))
                             : eventstore::prefix_end(prefix);
  const std::size_t limit = std::max<std::size_t>(query.limit, 1);
  auto rows = view.range(from, to, limit == SIZE_MAX ? SIZE_MAX : limit + 1);
  if (!rows) return tl::unexpected(rows.error());
  Page page;
  if (rows->size() > limit) {
    rows->resize(limit);
    page.next = rows->back().first.substr(prefix.size());
    (*page.next)[16] = '.';
  }
  for (const auto& [key, value] : *rows) {
    auto t = from_row(value);
    if (!t) return tl::unexpected(t.error());
    page.transactions.push_back(std::move(*t));
  }
  return page;
}

}  // namespace tally::projections
