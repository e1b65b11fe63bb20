// The visitor of std::visit over a domain's variants: one lambda per alternative.
#pragma once

namespace tally::commands::membership {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};

}  // namespace tally::commands::membership
