#include "projections/shared_tail.h"

#include <algorithm>

namespace tally::projections {

SharedTail::SharedTail(const eventstore::Reader& log, std::size_t keep)
    : ForwardingReader(log), keep_(std::max<std::size_t>(keep, 1)) {}

Position SharedTail::end() const {
  return tail_.back()->position.next();
}

Result<std::optional<SharedTail::Events>> SharedTail::share(Position from, std::size_t max) const {
  if (from.value == 0) from = Position(1);
  const Position head = log_.head();
  Events events;
  if (from > head || max == 0) return events;
  const std::uint64_t last =
      max > head.value - from.value ? head.value : from.value + max - 1;  // inclusive
  if (head.value - from.value >= keep_) return std::nullopt;
  std::lock_guard lock(mutex_);
  // A reader behind the tail kept (it started late, or fell behind) reads on its own until it
  // reaches it; a reader past it finds a tail no one read on for a while: it starts anew.
  if (!tail_.empty() && from < tail_.front()->position) return std::nullopt;
  if (!tail_.empty() && from > end()) tail_.clear();
  const Position start = tail_.empty() ? from : end();
  if (last >= start.value) {
    if (auto ok = log_.read_page(start, last - start.value + 1, fresh_); !ok)
      return tl::unexpected(ok.error());
    events_read_ += fresh_.size();
    for (auto& event : fresh_)
      tail_.push_back(std::make_shared<const eventstore::RecordedEvent>(std::move(event)));
  }
  const auto begin =
      tail_.cbegin() + static_cast<std::ptrdiff_t>(from.value - tail_.front()->position.value);
  const auto n =
      static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(last + 1, end().value) - from.value);
  events.assign(begin, begin + n);
  if (tail_.size() > keep_)
    tail_.erase(tail_.begin(), tail_.end() - static_cast<std::ptrdiff_t>(keep_));
  return events;
}

Status SharedTail::read_page(Position from, std::size_t max,
                             std::vector<eventstore::RecordedEvent>& page) const {
  auto shared = share(from, max);
  if (!shared) return tl::unexpected(shared.error());
  if (!*shared) return log_.read_page(from, max, page);
  const Events& events = **shared;
  if (page.size() > events.size()) page.resize(events.size());  // keeps storage to reuse
  page.reserve(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i == page.size())
      page.push_back(*events[i]);
    else
      page[i] = *events[i];  // copy-assigned: each string keeps the capacity it has
  }
  return {};
}

Result<std::vector<eventstore::RecordedEvent>> SharedTail::read_all(Position from,
                                                                    std::size_t max) const {
  std::vector<eventstore::RecordedEvent> events;
  if (auto ok = read_page(from, max, events); !ok) return tl::unexpected(ok.error());
  return events;
}

std::uint64_t SharedTail::events_read() const {
  std::lock_guard lock(mutex_);
  return events_read_;
}

}  // namespace tally::projections
