#include "tools/serve_domains.h"

#include "api/routes/domains.h"
#include "commands/membership/erasure.h"

namespace tally::tools {

namespace coupons = commands::coupons;
namespace membership = commands::membership;

Result<std::unique_ptr<ServeDomains>> ServeDomains::open(eventstore::Log& log, const Clock& clock,
                                                         commands::Options options) {
  auto codes = api::CouponCodes::load(log.keys());
  if (!codes) return tl::unexpected(codes.error());
  return std::make_unique<ServeDomains>(log, clock, options, std::move(*codes));
}

ServeDomains::ServeDomains(eventstore::Log& log, const Clock& clock, commands::Options options,
                           api::CouponCodes codes)
    : log_(log),
      codes_(std::move(codes)),
      throttle_(clock),
      coupons_(log, options),
      catalogue_(log, options),
      members_(log, options) {}

Result<std::vector<std::string>> ServeDomains::finish_erasures() {
  return membership::finish_erasures(members_, log_.keys());
}

std::map<std::string, commands::Fire> ServeDomains::fires() {
  return {{std::string(coupons::kExpiryKind),
           commands::fire_through(coupons_, coupons::Coupons::on_due)},
          {std::string(membership::kHistoryExpiryKind),
           commands::fire_through(members_, membership::Membership::on_due)}};
}

Status ServeDomains::add_routes(api::Router& router, api::ApiContext& ctx) {
  auto find = [&ctx](std::string_view name) -> const projections::Projector* {
    for (const auto* p : ctx.projectors)
      if (p->name() == name) return p;
    return nullptr;
  };
  const auto* balances = find("balances");
  const auto* history = find("purchase_history");
  const auto* transactions = find("coupon_transactions");
  if (!balances || !history || !transactions)
    return fail(Code::internal, "the domain read models are not running");
  const api::CouponDeps coupon_deps{coupons_,  catalogue_, codes_,
                                    throttle_, *balances,  *transactions};
  api::add_coupon_command_routes(router, ctx, coupon_deps);
  api::add_coupon_query_routes(router, ctx, coupon_deps);
  const api::MembershipDeps member_deps{members_, log_.keys(), codes_, *balances, *history};
  api::add_membership_command_routes(router, ctx, member_deps);
  api::add_membership_query_routes(router, ctx, member_deps);
  api::add_erasure_routes(router, ctx, member_deps);
  return {};
}

}  // namespace tally::tools
