#include "commands/membership/erasure.h"

#include <nlohmann/json.hpp>

namespace tally::commands::membership {
namespace {

// What the key store keeps beside a destroyed key until subject.erased is on record: enough
// to record it as it was asked (who, why, when), not later and not by someone else.
std::string pending_record(const EraseCustomer& command, const Context& context) {
  return nlohmann::json{{"customer_id", command.customer_id},
                        {"reason", command.reason},
                        {"at_us", std::chrono::duration_cast<std::chrono::microseconds>(
                                      command.now.time_since_epoch())
                                      .count()},
                        {"actor", context.actor},
                        {"correlation_id", context.correlation_id}}
      .dump();
}

Result<std::pair<EraseCustomer, Context>> from_pending_record(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  try {
    EraseCustomer command{j.at("customer_id").get<std::string>(), j.at("reason").get<std::string>(),
                          Timestamp(std::chrono::microseconds(j.at("at_us").get<std::int64_t>()))};
    Context context;
    context.actor = j.at("actor").get<std::string>();
    context.correlation_id = j.at("correlation_id").get<std::string>();
    return std::pair{std::move(command), std::move(context)};
  } catch (const nlohmann::json::exception&) {
    return fail(Code::corruption, "an unfinished erasure's record does not read: " + text);
  }
}

}  // namespace

Result<Outcome> erase_customer(CommandBus<Membership>& bus, eventstore::KeyStore& keys,
                               EraseCustomer command, Context context) {
  const std::string subject = customer_subject(command.customer_id);
  auto key = keys.get(subject);
  if (!key && key.error().code == Code::not_found)
    return tl::unexpected(Error{Code::rejected, "no such customer", "customer_not_found"});
  if (!key && key.error().code != Code::subject_erased) return tl::unexpected(key.error());
  if (auto destroyed = keys.destroy(subject, pending_record(command, context)); !destroyed)
    return tl::unexpected(destroyed.error());
  // A constant fingerprint: a second erasure, whatever its reason, replays the first.
  context.idempotency_key = "customer-erase/" + command.customer_id;
  context.fingerprint = "customer-erase/";
  auto outcome = bus.execute(std::move(command), std::move(context));
  // Recorded, or refused for good (nobody registered): nothing is left to finish.
  if (outcome || outcome.error().code == Code::rejected)
    if (auto settled = keys.settle_erasure(subject); !settled)
      return tl::unexpected(settled.error());
  return outcome;
}

bool is_erased(const eventstore::KeyStore& keys, const std::string& customer_id) {
  auto key = keys.get(customer_subject(customer_id));
  return !key && key.error().code == Code::subject_erased;
}

Result<std::vector<std::string>> finish_erasures(CommandBus<Membership>& bus,
                                                 eventstore::KeyStore& keys) {
  auto unsettled = keys.unsettled_erasures();
  if (!unsettled) return tl::unexpected(unsettled.error());
  std::vector<std::string> finished;
  for (const auto& [subject, record] : *unsettled) {
    auto asked = from_pending_record(record);
    if (!asked) return tl::unexpected(asked.error());
    auto outcome = erase_customer(bus, keys, std::move(asked->first), std::move(asked->second));
    if (!outcome && outcome.error().code != Code::rejected) return tl::unexpected(outcome.error());
    if (outcome && !outcome->replayed) finished.push_back(subject);  // recorded only now
  }
  return finished;
}

}  // namespace tally::commands::membership
