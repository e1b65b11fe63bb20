// The business domains of `tally serve` (coupons with their catalogue, membership): their
// command buses, the coupon secrets and look-up throttle, the process runner's fires for
// their due items, and their routes. Declared before the process runner in serve_command.cc,
// so the buses it fires through outlive it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/context.h"
#include "api/coupon_codes.h"
#include "api/router.h"
#include "commands/coupons/catalogue.h"
#include "commands/coupons/coupons.h"
#include "commands/membership/membership.h"
#include "commands/process_runner.h"
#include "eventstore/log.h"

namespace tally::tools {

class ServeDomains {
 public:
  static Result<std::unique_ptr<ServeDomains>> open(eventstore::Log& log, const Clock& clock,
                                                    commands::Options options);

  // Erasures a stop cut off after their key was destroyed, recorded now (erasure.h); the
  // subjects finished.
  Result<std::vector<std::string>> finish_erasures();
  // coupon_expiry and history_expiry, fired through the domains' on_due commands.
  std::map<std::string, commands::Fire> fires();
  // Needs the balances, purchase_history and coupon_transactions models in ctx.projectors.
  Status add_routes(api::Router& router, api::ApiContext& ctx);

  ServeDomains(eventstore::Log& log, const Clock& clock, commands::Options options,
               api::CouponCodes codes);

 private:
  eventstore::Log& log_;
  api::CouponCodes codes_;
  api::CouponLookupThrottle throttle_;
  commands::CommandBus<commands::coupons::Coupons> coupons_;
  commands::CommandBus<commands::coupons::Catalogue> catalogue_;
  commands::CommandBus<commands::membership::Membership> members_;
};

}  // namespace tally::tools
