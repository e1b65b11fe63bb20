#include "projections/projection.h"

namespace tally::projections {

Result<std::optional<std::string>> Rows::get(std::string_view key) const {
  if (auto it = staged_.find(key); it != staged_.end()) return it->second;
  return base_.get(prefix_ + std::string(key));
}

void Rows::put(std::string_view key, std::string_view value) {
  batch_.put(prefix_ + std::string(key), value);
  staged_.insert_or_assign(std::string(key), std::string(value));
}

void Rows::erase(std::string_view key) {
  batch_.erase(prefix_ + std::string(key));
  staged_.insert_or_assign(std::string(key), std::nullopt);
}

}  // namespace tally::projections
