// Erasing a customer (domain.md §6), for POST /api/v1/admin/erase and `tally erase`.
//
// The order keeps the PII safe through a crash: the subject key is destroyed first (when
// KeyStore::destroy returns no file holds it, so no copy of the PII opens again), then
// subject.erased is recorded on the customer's stream; the read models purge the customer's
// rows as they apply it. A crash between the two leaves the PII unreadable, never an erasure
// on record whose key survived; what was asked (who, why, when) is kept beside the destroyed
// key, and finish_erasures() records it at the next start. Asking again answers the first
// erasure (its position, replayed) and appends nothing.
#pragma once

#include <string>
#include <vector>

#include "commands/membership/membership.h"
#include "eventstore/keys.h"

namespace tally::commands::membership {

// Blocks on the key store's flush and compaction and on the append: not for an I/O thread.
// A customer who has no key, or is not registered: Code::rejected "customer_not_found".
// `context` gives the actor and correlation; the idempotency key is set here.
Result<Outcome> erase_customer(CommandBus<Membership>& bus, eventstore::KeyStore& keys,
                               EraseCustomer command, Context context);

// Whether the customer was erased (its subject key destroyed): from then on the id is nobody,
// whatever is issued to it.
bool is_erased(const eventstore::KeyStore& keys, const std::string& customer_id);

// Records the erasures a stop cut off after their key was destroyed, as they were last asked;
// answers the subjects whose subject.erased it appended (none when the stop came after the
// append). Run at start, before the server takes requests.
Result<std::vector<std::string>> finish_erasures(CommandBus<Membership>& bus,
                                                 eventstore::KeyStore& keys);

}  // namespace tally::commands::membership
