#include "projections/expiry_schedules.h"

#include "core/proto_time.h"
#include "projections/view_support.h"
#include "tally/v1/events/coupons.pb.h"
#include "tally/v1/events/membership.pb.h"

namespace tally::projections {
namespace {

namespace pb = tally::v1::events;

std::vector<ScheduleChange> removal(std::string_view kind, std::string ref) {
  return {{ScheduleChange::Op::remove, {std::string(kind), {}, std::move(ref)}}};
}

}  // namespace

Result<std::vector<ScheduleChange>> coupon_schedule_rule(const eventstore::RecordedEvent& event) {
  std::string id = views::id_of(event.stream);
  if (event.type == "coupon.issued") {
    auto m = views::payload_as<pb::CouponIssued>(event);
    if (!m) return tl::unexpected(m.error());
    return std::vector<ScheduleChange>{
        {ScheduleChange::Op::add,
         {std::string(kCouponExpiryKind), from_proto_time(m->expires_at()), std::move(id)}}};
  }
  if (event.type == "coupon.expired" || event.type == "coupon.refunded")
    return removal(kCouponExpiryKind, std::move(id));
  return std::vector<ScheduleChange>{};
}

Result<std::vector<ScheduleChange>> customer_schedule_rule(const eventstore::RecordedEvent& event) {
  std::string id = views::id_of(event.stream);
  if (event.type == "customer.cancelled") {
    auto m = views::payload_as<pb::CustomerCancelled>(event);
    if (!m) return tl::unexpected(m.error());
    return std::vector<ScheduleChange>{
        {ScheduleChange::Op::add,
         {std::string(kHistoryExpiryKind), from_proto_time(m->history_visible_until()),
          std::move(id)}}};
  }
  if (event.type == "history.expired" || event.type == "subject.erased")
    return removal(kHistoryExpiryKind, std::move(id));
  return std::vector<ScheduleChange>{};
}

}  // namespace tally::projections
