#include "commands/coupons/redemptions.h"

namespace tally::commands::coupons {
namespace {

const std::string& store_of(const auto& entry) {
  return std::visit([](const auto& e) -> const std::string& { return e.store_id; }, entry.event);
}

}  // namespace

const std::vector<std::size_t>* Redemptions::about(const std::string& transaction_id) const {
  if (!shared_) return nullptr;
  auto it = shared_->by_transaction.find(transaction_id);
  return it == shared_->by_transaction.end() ? nullptr : &it->second;
}

std::optional<Redemption> Redemptions::find(const std::string& store_id,
                                            const std::string& transaction_id) const {
  const auto* indices = about(transaction_id);
  if (!indices) return std::nullopt;
  std::optional<Redemption> found;
  for (std::size_t i : *indices) {
    if (i >= seen_) break;  // in log order: the rest came after this state
    const auto& entry = shared_->entries[i];
    if (store_of(entry) != store_id) continue;
    if (const auto* r = std::get_if<CouponRedeemed>(&entry.event))
      found = Redemption{*r, entry.version, {}};
    else if (found) {
      found->reversal = std::get<CouponRedemptionRefunded>(entry.event);
      found->reversal_version = entry.version;
    }
  }
  return found;
}

bool Redemptions::made_elsewhere(const std::string& store_id,
                                 const std::string& transaction_id) const {
  const auto* indices = about(transaction_id);
  if (!indices) return false;
  for (std::size_t i : *indices)
    if (i < seen_ && store_of(shared_->entries[i]) != store_id) return true;
  return false;
}

void Redemptions::add(const CouponRedeemed& redeemed, std::uint64_t version) {
  append({redeemed, version}, redeemed.transaction_id);
}

void Redemptions::add(const CouponRedemptionRefunded& reversal, std::uint64_t version) {
  append({reversal, version}, reversal.transaction_id);
}

void Redemptions::append(Entry entry, const std::string& transaction_id) {
  if (!shared_) shared_ = std::make_shared<Shared>();
  if (shared_->entries.size() != seen_) {  // a newer state appended already: branch off
    auto own = std::make_shared<Shared>();
    own->entries.assign(shared_->entries.begin(), shared_->entries.begin() + seen_);
    for (std::size_t i = 0; i < seen_; ++i)
      own->by_transaction[std::visit([](const auto& e) { return e.transaction_id; },
                                     own->entries[i].event)]
          .push_back(i);
    shared_ = std::move(own);
  }
  shared_->by_transaction[transaction_id].push_back(shared_->entries.size());
  shared_->entries.push_back(std::move(entry));
  ++seen_;
}

}  // namespace tally::commands::coupons
