#include "projections/projection.h"

#include <algorithm>
#include <set>

namespace tally::projections {

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

void Rows::add(std::string key, std::string value) {
  added_.emplace_back(std::move(key), std::move(value));
}

void Rows::erase(std::string_view key) {
  change(key, std::nullopt);
}

Result<std::vector<std::string>> Rows::keys(std::string_view prefix) {
  const std::string from = prefix_ + std::string(prefix);
  auto stored = base_->scan(from, eventstore::prefix_end(from), SIZE_MAX);
  if (!stored) return tl::unexpected(stored.error());
  std::set<std::string> found;
  for (const auto& [key, value] : *stored) found.insert(key.substr(prefix_.size()));
  for (const auto& [key, value] : added_)
    if (key.starts_with(prefix)) found.insert(key);
  for (const auto& [key, row] : known_) {
    if (!key.starts_with(prefix)) continue;
    if (row.value)
      found.insert(key);
    else
      found.erase(key);
  }
  return std::vector<std::string>(found.begin(), found.end());
}

void Rows::change(std::string_view key, std::optional<std::string> value) {
  auto it = known_.find(key);
  if (it == known_.end()) it = known_.emplace(std::string(key), Row{}).first;
  it->second.value = std::move(value);
  if (!it->second.changed) {
    it->second.changed = true;
    changed_.push_back(&*it);
  }
}

void Rows::write_to(eventstore::KvBatch& batch) {
  // In key order: the store inserts a sorted batch faster. Added rows first, so that an
  // erase() after the add, which is among the changes, comes later in the batch and wins.
  std::sort(added_.begin(), added_.end());
  std::string key = prefix_;
  for (const auto& [added, value] : added_) {
    key.resize(prefix_.size());
    key += added;
    batch.put(key, value);
  }
  added_.clear();
  std::sort(changed_.begin(), changed_.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  for (auto* row : changed_) {
    key.resize(prefix_.size());
    key += row->first;
    if (row->second.value)
      batch.put(key, *row->second.value);
    else
      batch.erase(key);
    row->second.changed = false;
  }
  changed_.clear();
}

void Rows::rebase(std::unique_ptr<eventstore::KvSnapshot> base) {
  base_ = std::move(base);
  // Forgetting is safe only now: every row forgotten is in the new base.
  if (changed_.empty() && known_.size() > remembered_) known_.clear();
}

}  // namespace tally::projections
