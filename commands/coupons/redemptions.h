// A coupon's redemptions and their reversals, as the state remembers them to answer retries
// (same store and transaction), store_mismatch and transaction_already_refunded.
//
// Why not a std::map in the state: the runtime copies the state for every command it decides
// (commands/runtime.h), and a hot balance coupon may carry thousands of redemptions, so a
// copy must not copy them. The entries are shared and append-only; a state sees the first
// `seen_` of them. Appending to a state that is not the newest (a branch, as when a test
// decides twice from one state) first takes a private copy of what it sees. States of one
// stream are used from one thread at a time (the runtime's shard), so nothing is locked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "commands/coupons/events.h"

namespace tally::commands::coupons {

struct Redemption {
  CouponRedeemed redeemed;
  std::uint64_t version = 0;                         // of its coupon.redeemed in the stream
  std::optional<CouponRedemptionRefunded> reversal;  // set once: a redemption reverses once
  std::uint64_t reversal_version = 0;
};

class Redemptions {
 public:
  // The redemption (store_id, transaction_id) as this state sees it.
  std::optional<Redemption> find(const std::string& store_id,
                                 const std::string& transaction_id) const;
  // Whether another store made a redemption with this transaction id.
  bool made_elsewhere(const std::string& store_id, const std::string& transaction_id) const;
  std::size_t size() const { return seen_; }  // redemptions and reversals seen

  // `version`: the event's in the coupon's stream.
  void add(const CouponRedeemed& redeemed, std::uint64_t version);
  void add(const CouponRedemptionRefunded& reversal, std::uint64_t version);

 private:
  struct Entry {
    std::variant<CouponRedeemed, CouponRedemptionRefunded> event;
    std::uint64_t version;
  };
  struct Shared {
    std::vector<Entry> entries;
    // By transaction id: the entries about it, at any store, in log order.
    std::unordered_map<std::string, std::vector<std::size_t>> by_transaction;
  };
  void append(Entry entry, const std::string& transaction_id);
  const std::vector<std::size_t>* about(const std::string& transaction_id) const;

  std::shared_ptr<Shared> shared_;
  std::size_t seen_ = 0;
};

}  // namespace tally::commands::coupons
