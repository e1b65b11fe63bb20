#include "core/json_text.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace tally {

std::string json_quoted(std::string_view text) {
  // Printable ASCII other than '"' and '\' is written as it is; anything else (escapes,
  // UTF-8 validation) is left to the library.
  const bool plain = std::all_of(text.begin(), text.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c >= 0x20 && c < 0x80 && ch != '"' && ch != '\\';
  });
  if (!plain) return nlohmann::json(std::string(text)).dump();
  std::string quoted;
  quoted.reserve(text.size() + 2);
  quoted += '"';
  quoted += text;
  quoted += '"';
  return quoted;
}

}  // namespace tally
