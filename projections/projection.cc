#include "projections/projection.h"

namespace tally::projections {

namespace {

// Past this many remembered rows, the unchanged ones are forgotten after a write.
constexpr std::size_t kRememberedRows = 1'000'000;

}  // namespace

Result<std::optional<std::string>> Rows::get(std::string_view key) {
  if (auto it = known_.find(key); it != known_.end()) return it->second.value;
  auto stored = base_->get(prefix_ + std::string(key));
  if (!stored) return stored;
  known_.emplace(std::string(key), Row{*stored, false});
  return stored;
}

void Rows::put(std::string_view key, std::string_view value) {
  change(key, std::string(value));
}

void Rows::erase(std::string_view key) {
  change(key, std::nullopt);
}

void Rows::change(std::string_view key, std::optional<std::string> value) {
  auto it = known_.find(key);
  if (it == known_.end()) it = known_.emplace(std::string(key), Row{}).first;
  it->second.value = std::move(value);
  if (!it->second.changed) {
    it->second.changed = true;
    changed_.push_back(it);
  }
}

void Rows::write_to(eventstore::KvBatch& batch) {
  for (auto it : changed_) {
    if (it->second.value)
      batch.put(prefix_ + it->first, *it->second.value);
    else
      batch.erase(prefix_ + it->first);
    it->second.changed = false;
  }
  changed_.clear();
  if (known_.size() > kRememberedRows) known_.clear();  // all written now
}

}  // namespace tally::projections
