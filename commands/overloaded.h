// The visitor of std::visit over a domain's variants: one lambda per alternative.
#pragma once

namespace tally::commands {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};

}  // namespace tally::commands
