#include "tools/wiring/read_models.h"

#include "projections/balances.h"
#include "projections/coupon_transactions.h"
#include "projections/expiry_schedules.h"
#include "projections/purchase_history.h"
#include "projections/schedules.h"

namespace tally::wiring {

std::vector<std::unique_ptr<projections::Projection>> server_read_models() {
  std::vector<std::unique_ptr<projections::Projection>> models;
  // Schedule rules by stream category: coupon expiries and cancelled customers' history expiries.
  models.push_back(std::make_unique<projections::Schedules>(
      std::vector<std::pair<std::string, projections::ScheduleRule>>{
          {"coupon", projections::coupon_schedule_rule},
          {"customer", projections::customer_schedule_rule}}));
  models.push_back(std::make_unique<projections::Balances>());
  models.push_back(std::make_unique<projections::PurchaseHistory>());
  models.push_back(std::make_unique<projections::CouponTransactions>());
  return models;
}

}  // namespace tally::wiring
