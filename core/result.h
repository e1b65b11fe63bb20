// Errors as values: every fallible call in tally returns Result<T>, carrying a stable Code.
// Codes are part of the external contract (HTTP error bodies, CLI exit messages), so a Code's
// name never changes once released; new codes are only added.
#pragma once

#include <string>
#include <string_view>
#include <tl/expected.hpp>

namespace tally {

enum class Code {
  ok,
  invalid_argument,      // the caller passed something malformed
  not_found,             // the thing asked for does not exist
  version_conflict,      // an append's expected stream version did not hold
  idempotency_conflict,  // the key was used before with a different request
  subject_erased,        // the subject's key was destroyed (crypto-shredding)
  decryption_failed,     // ciphertext does not open under this key and associated data
  io_error,              // the disk or the OS refused; the log stops accepting appends
  corruption,            // stored bytes are not what was written
  data_dir_locked,       // another process has the data dir open
  not_a_data_dir,        // the dir holds something that is not a tally data dir
  incompatible_format,   // a tally data dir of a format this build cannot read
  shutting_down,         // the component is closing and takes no new work
  overloaded,            // too much work queued already; retry later
  internal,              // a bug: an invariant did not hold
  concurrency_conflict,  // a command kept meeting concurrent changes; retries ran out
  rejected,              // a domain rule refused the command; Error::reason names the rule
};

// The stable, snake_case name of a code ("version_conflict").
std::string_view code_name(Code code);

struct Error {
  Code code = Code::internal;
  std::string message;
  std::string reason =
      {};  // for Code::rejected: the domain's stable code, e.g. "insufficient_balance"
};

template <class T>
using Result = tl::expected<T, Error>;

using Status = Result<void>;

inline tl::unexpected<Error> fail(Code code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

// Drops an error on purpose, saying why at the call site. Every deliberate swallow goes
// through here, so a search finds them all.
template <class T>
void ignore_failure(const Result<T>& /*result*/, std::string_view /*why*/) {}

// "version_conflict: stream coupon-1 is at version 3" — for logs and CLI messages.
std::string describe(const Error& error);

}  // namespace tally
