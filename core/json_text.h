// Text written straight in the bytes nlohmann::json::dump gives, for hot paths where building
// a json value to dump it cost more than the rest of the work (a redeem's fingerprint, a
// coupon transaction's row). Stored fingerprints and rows depend on those exact bytes.
#pragma once

#include <string>
#include <string_view>

namespace tally {

// `text` as a JSON string, quoted and escaped exactly as json(text).dump() writes it.
std::string json_quoted(std::string_view text);

}  // namespace tally
