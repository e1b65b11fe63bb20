// Membership events <-> their protobuf payloads (core/proto/tally/v1/events/membership.proto).
#include "commands/membership/events.h"

#include "commands/overloaded.h"
#include "commands/payload.h"
#include "core/proto_time.h"
#include "tally/v1/events/membership.pb.h"
#include "tally/v1/events/privacy.pb.h"

namespace tally::commands::membership {
namespace {

namespace pb = tally::v1::events;

eventstore::NewEvent encode_registered(const CustomerRegistered& e) {
  pb::CustomerRegistered m;
  m.set_customer_id(e.customer_id);
  m.set_sealed_name(e.sealed_name);
  m.set_sealed_email(e.sealed_email);
  m.set_sealed_phone(e.sealed_phone);
  set_proto_time(*m.mutable_registered_at(), e.registered_at);
  return new_event("customer.registered", m, e.event_id);
}

eventstore::NewEvent encode_spent(const PointsSpent& e) {
  pb::PointsSpent m;
  m.set_amount(e.amount);
  m.set_reason(e.reason);
  m.set_balance_after(e.balance_after);
  m.set_purchase_id(e.purchase_id);
  set_proto_time(*m.mutable_spent_at(), e.spent_at);
  return new_event("points.spent", m);
}

eventstore::NewEvent encode_purchase(const PurchaseRecorded& e) {
  pb::PurchaseRecorded m;
  m.set_purchase_id(e.purchase_id);
  for (const auto& item : e.items) {
    auto* i = m.add_items();
    i->set_product_id(item.product_id);
    i->set_product_name(item.product_name);
    i->set_quantity(item.quantity);
    i->set_unit_price(item.unit_price);
  }
  m.set_amount(e.amount);
  m.set_points_used(e.points_used);
  set_proto_time(*m.mutable_purchased_at(), e.purchased_at);
  return new_event("purchase.recorded", m);
}

eventstore::NewEvent encode_cancelled(const CustomerCancelled& e) {
  pb::CustomerCancelled m;
  set_proto_time(*m.mutable_cancelled_at(), e.cancelled_at);
  set_proto_time(*m.mutable_history_visible_until(), e.history_visible_until);
  m.set_points_forfeited(e.points_forfeited);
  return new_event("customer.cancelled", m);
}

eventstore::NewEvent encode_erased(const SubjectErased& e) {
  pb::SubjectErased m;
  m.set_subject(e.subject);
  m.set_reason(e.reason);
  set_proto_time(*m.mutable_erased_at(), e.erased_at);
  return new_event("subject.erased", m);
}

std::optional<MembershipEvent> decode_purchase(const std::string& bytes) {
  pb::PurchaseRecorded m;
  if (!parse_payload(m, bytes)) return std::nullopt;
  PurchaseRecorded e{
      m.purchase_id(), {}, m.amount(), m.points_used(), from_proto_time(m.purchased_at())};
  for (const auto& i : m.items())
    e.items.push_back({i.product_id(), i.product_name(), i.quantity(), i.unit_price()});
  return e;
}

std::optional<MembershipEvent> decode_points(const std::string& type, const std::string& bytes) {
  if (type == "points.earned") {
    pb::PointsEarned m;
    if (!parse_payload(m, bytes)) return std::nullopt;
    return PointsEarned{m.amount(), m.reason(), m.balance_after(), from_proto_time(m.earned_at())};
  }
  if (type == "points.spent") {
    pb::PointsSpent m;
    if (!parse_payload(m, bytes)) return std::nullopt;
    return PointsSpent{m.amount(), m.reason(), m.balance_after(), m.purchase_id(),
                       from_proto_time(m.spent_at())};
  }
  pb::PointsForfeited m;
  if (type != "points.forfeited" || !parse_payload(m, bytes)) return std::nullopt;
  return PointsForfeited{m.amount(), from_proto_time(m.forfeited_at())};
}

std::optional<MembershipEvent> decode_payload(const eventstore::RecordedEvent& r) {
  const auto& [type, bytes] = std::tie(r.type, r.payload);
  if (type.starts_with("points.")) return decode_points(type, bytes);
  if (type == "purchase.recorded") return decode_purchase(bytes);
  if (type == "customer.registered") {
    pb::CustomerRegistered m;
    if (!parse_payload(m, bytes)) return std::nullopt;
    return CustomerRegistered{r.event_id,       m.customer_id(),
                              m.sealed_name(),  m.sealed_email(),
                              m.sealed_phone(), from_proto_time(m.registered_at())};
  }
  if (type == "customer.cancelled") {
    pb::CustomerCancelled m;
    if (!parse_payload(m, bytes)) return std::nullopt;
    return CustomerCancelled{from_proto_time(m.cancelled_at()),
                             from_proto_time(m.history_visible_until()), m.points_forfeited()};
  }
  if (type == "subject.erased") {
    pb::SubjectErased m;
    if (!parse_payload(m, bytes)) return std::nullopt;
    return SubjectErased{m.subject(), m.reason(), from_proto_time(m.erased_at())};
  }
  if (type == "purchases.blocked") {
    pb::PurchasesBlocked m;
    if (!parse_payload(m, bytes)) return std::nullopt;
    return PurchasesBlocked{from_proto_time(m.blocked_at())};
  }
  pb::HistoryExpired m;
  if (type != "history.expired" || !parse_payload(m, bytes)) return std::nullopt;
  return HistoryExpired{from_proto_time(m.expired_at()), m.on_request()};
}

}  // namespace

eventstore::NewEvent encode(const MembershipEvent& event) {
  return std::visit(Overloaded{[](const CustomerRegistered& e) { return encode_registered(e); },
                               [](const PointsEarned& e) {
                                 pb::PointsEarned m;
                                 m.set_amount(e.amount);
                                 m.set_reason(e.reason);
                                 m.set_balance_after(e.balance_after);
                                 set_proto_time(*m.mutable_earned_at(), e.earned_at);
                                 return new_event("points.earned", m);
                               },
                               [](const PointsSpent& e) { return encode_spent(e); },
                               [](const PointsForfeited& e) {
                                 pb::PointsForfeited m;
                                 m.set_amount(e.amount);
                                 set_proto_time(*m.mutable_forfeited_at(), e.forfeited_at);
                                 return new_event("points.forfeited", m);
                               },
                               [](const PurchaseRecorded& e) { return encode_purchase(e); },
                               [](const CustomerCancelled& e) { return encode_cancelled(e); },
                               [](const PurchasesBlocked& e) {
                                 pb::PurchasesBlocked m;
                                 set_proto_time(*m.mutable_blocked_at(), e.blocked_at);
                                 return new_event("purchases.blocked", m);
                               },
                               [](const HistoryExpired& e) {
                                 pb::HistoryExpired m;
                                 set_proto_time(*m.mutable_expired_at(), e.expired_at);
                                 m.set_on_request(e.on_request);
                                 return new_event("history.expired", m);
                               },
                               [](const SubjectErased& e) { return encode_erased(e); }},
                    event);
}

Result<MembershipEvent> decode_membership_event(const eventstore::RecordedEvent& event) {
  if (auto decoded = decode_payload(event)) return std::move(*decoded);
  return fail(Code::corruption, "not a membership event: " + event.type);
}

}  // namespace tally::commands::membership
