// Whole numbers from text, strictly: all of the text, nothing else, no sign where T has none.
#pragma once

#include <charconv>
#include <optional>
#include <string_view>

namespace tally {

template <class T>
std::optional<T> parse_number(std::string_view text, int base = 10) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace tally
