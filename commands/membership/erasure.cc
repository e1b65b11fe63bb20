#include "commands/membership/erasure.h"

namespace tally::commands::membership {

Result<Outcome> erase_customer(CommandBus<Membership>& bus, eventstore::KeyStore& keys,
                               EraseCustomer command, Context context) {
  const std::string subject = customer_subject(command.customer_id);
  auto key = keys.get(subject);
  if (!key && key.error().code == Code::not_found)
    return tl::unexpected(Error{Code::rejected, "no such customer", "customer_not_found"});
  if (!key && key.error().code != Code::subject_erased) return tl::unexpected(key.error());
  if (auto destroyed = keys.destroy(subject); !destroyed) return tl::unexpected(destroyed.error());
  // A constant fingerprint: a second erasure, whatever its reason, replays the first.
  context.idempotency_key = "customer-erase/" + command.customer_id;
  context.fingerprint = "customer-erase/";
  return bus.execute(std::move(command), std::move(context));
}

}  // namespace tally::commands::membership
