#include "projections/purchase_history.h"

#include "core/proto_time.h"
#include "projections/view_support.h"
#include "tally/v1/events/membership.pb.h"

namespace tally::projections {
namespace {

namespace pb = tally::v1::events;
using nlohmann::json;
using views::payload_as;

std::string customer_key(std::string_view id) {
  return "customer/" + std::string(id);
}
std::string purchase_key(std::string_view id, std::uint64_t n) {
  return fmt::format("purchase/{}/{:010}", id, n);
}

// The customer's row: the status and how many purchase rows there are.
struct CustomerRow {
  CustomerStatus status;
  std::uint64_t count = 0;
};

json optional_time(const std::optional<Timestamp>& t) {
  return t ? json(views::micros(*t)) : json(nullptr);
}

std::optional<Timestamp> time_or_none(const json& j) {
  if (j.is_null()) return std::nullopt;
  return views::from_micros(j.get<std::int64_t>());
}

std::string to_row(const CustomerRow& c) {
  return json{{"cancelled_at", optional_time(c.status.cancellation_date)},
              {"visible_until", optional_time(c.status.history_visible_until)},
              {"purchases_blocked", c.status.purchases_blocked},
              {"history_expired", c.status.history_expired},
              {"count", c.count}}
      .dump();
}

Result<CustomerRow> from_row(std::string_view row) {
  auto j = views::parse_row(row, "purchase_history");
  if (!j) return tl::unexpected(j.error());
  try {
    CustomerRow c;
    c.status.cancellation_date = time_or_none(j->at("cancelled_at"));
    c.status.is_cancelled = c.status.cancellation_date.has_value();
    c.status.history_visible_until = time_or_none(j->at("visible_until"));
    c.status.purchases_blocked = j->at("purchases_blocked").get<bool>();
    c.status.history_expired = j->at("history_expired").get<bool>();
    c.count = j->at("count").get<std::uint64_t>();
    return c;
  } catch (const std::exception&) {
    return tally::fail(Code::corruption, "bad customer row of purchase_history");
  }
}

template <class Get>
Result<std::optional<CustomerRow>> read_customer(Get&& get, std::string_view id) {
  auto row = get(customer_key(id));
  if (!row) return tl::unexpected(row.error());
  if (!*row) return std::optional<CustomerRow>();
  auto c = from_row(**row);
  if (!c) return tl::unexpected(c.error());
  return std::optional<CustomerRow>(*c);
}

std::string purchase_row(const pb::PurchaseRecorded& m) {
  std::string names;
  for (const auto& item : m.items()) names += (names.empty() ? "" : ", ") + item.product_name();
  return json{{"purchase_id", m.purchase_id()},
              {"kind", "purchase"},
              {"product_name", names},
              {"purchase_date", views::micros(from_proto_time(m.purchased_at()))},
              {"amount", m.amount()},
              {"refunded", false}}
      .dump();
}

Result<PurchaseEntry> entry_of(std::string_view row) {
  auto j = views::parse_row(row, "purchase_history");
  if (!j) return tl::unexpected(j.error());
  try {
    return PurchaseEntry{j->at("purchase_id").get<std::string>(),
                         j->at("kind").get<std::string>(),
                         j->at("product_name").get<std::string>(),
                         views::from_micros(j->at("purchase_date").get<std::int64_t>()),
                         j->at("amount").get<std::int64_t>(),
                         j->at("refunded").get<bool>()};
  } catch (const std::exception&) {
    return tally::fail(Code::corruption, "bad purchase row of purchase_history");
  }
}

// Changes the customer's row as the event says; purchase rows go when the history expires.
Status change(const eventstore::RecordedEvent& event, CustomerRow& c, Rows& rows,
              const std::string& id) {
  if (event.type == "purchase.recorded") {
    auto m = payload_as<pb::PurchaseRecorded>(event);
    if (!m) return tl::unexpected(m.error());
    rows.put(purchase_key(id, c.count++), purchase_row(*m));
  } else if (event.type == "customer.cancelled") {
    auto m = payload_as<pb::CustomerCancelled>(event);
    if (!m) return tl::unexpected(m.error());
    c.status.is_cancelled = true;
    c.status.cancellation_date = from_proto_time(m->cancelled_at());
    c.status.history_visible_until = from_proto_time(m->history_visible_until());
    c.status.purchases_blocked = true;
  } else if (event.type == "purchases.blocked") {
    c.status.purchases_blocked = true;
  } else if (event.type == "history.expired") {
    auto m = payload_as<pb::HistoryExpired>(event);
    if (!m) return tl::unexpected(m.error());
    c.status.history_expired = true;
    // Expired early on an admin's request: the status says until when it really was visible.
    const Timestamp at = from_proto_time(m->expired_at());
    if (!c.status.history_visible_until || at < *c.status.history_visible_until)
      c.status.history_visible_until = at;
    for (std::uint64_t n = 0; n < c.count; ++n) rows.erase(purchase_key(id, n));
  }
  return {};
}

}  // namespace

Status PurchaseHistory::apply(const eventstore::RecordedEvent& event, Rows& rows) {
  if (views::category_of(event.stream) != "customer") return {};
  const std::string id = views::id_of(event.stream);
  if (event.type == "customer.registered") {
    rows.put(customer_key(id), to_row({}));
    return {};
  }
  auto c = read_customer([&](const std::string& k) { return rows.get(k); }, id);
  if (!c) return tl::unexpected(c.error());
  if (!*c) return {};  // not a membership event this model follows, or before registration
  if (event.type == "subject.erased") {  // domain.md §6: nothing of the customer stays
    for (std::uint64_t n = 0; n < (*c)->count; ++n) rows.erase(purchase_key(id, n));
    rows.erase(customer_key(id));
    return {};
  }
  if (auto ok = change(event, **c, rows, id); !ok) return ok;
  rows.put(customer_key(id), to_row(**c));
  return {};
}

Result<std::optional<CustomerStatus>> PurchaseHistory::status(const View& view,
                                                              std::string_view customer_id) {
  auto c = read_customer([&](const std::string& k) { return view.get(k); }, customer_id);
  if (!c) return tl::unexpected(c.error());
  if (!*c) return std::optional<CustomerStatus>();
  return std::optional<CustomerStatus>((*c)->status);
}

Result<PurchasePage> PurchaseHistory::purchases(const View& view, std::string_view customer_id,
                                                Timestamp now, std::uint64_t from,
                                                std::size_t limit) {
  PurchasePage page;
  auto c = read_customer([&](const std::string& k) { return view.get(k); }, customer_id);
  if (!c) return tl::unexpected(c.error());
  if (!*c) {
    page.refused = "customer_not_found";
    return page;
  }
  const auto& s = (*c)->status;
  // Visible until the instant a year on (domain.md §4), also before history.expired lands.
  if (s.history_expired || (s.history_visible_until && now >= *s.history_visible_until)) {
    page.refused = "history_expired";
    return page;
  }
  auto rows =
      view.range(purchase_key(customer_id, from),
                 eventstore::prefix_end("purchase/" + std::string(customer_id) + "/"), limit + 1);
  if (!rows) return tl::unexpected(rows.error());
  for (const auto& [key, value] : *rows) {
    if (page.purchases.size() == limit) {
      page.next = from + limit;
      break;
    }
    auto entry = entry_of(value);
    if (!entry) return tl::unexpected(entry.error());
    page.purchases.push_back(std::move(*entry));
  }
  return page;
}

}  // namespace tally::projections
