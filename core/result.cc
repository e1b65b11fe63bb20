#include "core/result.h"

namespace tally {

std::string_view code_name(Code code) {
  switch (code) {
    case Code::ok:
      return "ok";
    case Code::invalid_argument:
      return "invalid_argument";
    case Code::not_found:
      return "not_found";
    case Code::version_conflict:
      return "version_conflict";
    case Code::idempotency_conflict:
      return "idempotency_conflict";
    case Code::subject_erased:
      return "subject_erased";
    case Code::decryption_failed:
      return "decryption_failed";
    case Code::io_error:
      return "io_error";
    case Code::corruption:
      return "corruption";
    case Code::data_dir_locked:
      return "data_dir_locked";
    case Code::not_a_data_dir:
      return "not_a_data_dir";
    case Code::incompatible_format:
      return "incompatible_format";
    case Code::shutting_down:
      return "shutting_down";
    case Code::overloaded:
      return "overloaded";
    case Code::internal:
      return "internal";
    case Code::concurrency_conflict:
      return "concurrency_conflict";
    case Code::rejected:
      return "rejected";
  }
  return "internal";
}

std::string describe(const Error& error) {
  std::string text(error.code == Code::rejected && !error.reason.empty() ? error.reason
                                                                         : code_name(error.code));
  if (!error.message.empty()) {
    text += ": ";
    text += error.message;
  }
  return text;
}

}  // namespace tally
