// Who is calling (api.md, Conventions: Auth). `Authorization: Bearer <token>` where the token
// is an API key (stored hashed; role and scope come with it) or, for customers, a JWT (HS256
// under a shared secret or RS256 under an RSA public key) with `sub` = the customer id,
// `role` = "customer", and `exp` and `nbf` honoured when present.
// No, unknown or expired token: 401 `unauthorized`; a JWT whose role is not customer: 401.
// A known caller whose role may not use a route: 403 `forbidden`.
#pragma once

#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "api/http.h"
#include "api/problem.h"
#include "core/clock.h"
#include "core/result.h"

namespace tally::api {

enum class Role { pos, customer, operator_, auditor, admin };

std::optional<Role> parse_role(std::string_view name);
std::string_view role_name(Role role);

struct Principal {
  Role role = Role::admin;
  std::string key_id;       // for logs and the event's actor; never the key
  std::string store_id;     // pos: the one store it acts for
  std::string customer_id;  // customer: the one customer it is
};

// Where API keys are looked up, by the SHA-256 (hex) of the key: the key itself is never kept.
class KeyDirectory {
 public:
  virtual ~KeyDirectory() = default;
  virtual Result<std::optional<Principal>> find(std::string_view key_hash) const = 0;
};

// The hex SHA-256 under which a key is stored.
std::string key_hash(std::string_view key);

// The keys customer JWTs are verified with; with neither, JWTs are not accepted. A token is
// checked only with the key of the algorithm it names: an HS256 token made with the public
// key as its secret is no token.
struct JwtKeys {
  std::optional<std::string> hs256_secret;
  std::optional<std::string> rs256_public_key;  // PEM
};

// Checks made at start, so that a wrong key file is refused before any token is taken:
// an HS256 secret has at least 32 bytes (RFC 7518 §3.2: no shorter than the hash) and is no
// PEM, since a public key used as the secret would let anyone who has it sign tokens;
Result<void> check_hs256_secret(std::string_view secret);
// an RS256 key is an RSA public key of at least 2048 bits (RFC 7518 §3.3), PEM "BEGIN PUBLIC
// KEY".
Result<void> check_rs256_public_key(std::string_view pem);

class Authenticator {
 public:
  Authenticator(const KeyDirectory& keys, JwtKeys jwt, const Clock& clock);

  // A key known outside the log (the admin key file).
  void add_key(std::string_view key, Principal principal);

  Checked<Principal> authenticate(const Request& request) const;

  // Authenticates and checks the role: 401, or 403 when the role is not among `allowed`.
  // Sets request.key_id for the log line.
  Checked<Principal> require(Request& request, std::initializer_list<Role> allowed) const;

 private:
  Checked<Principal> from_jwt(const std::string& token) const;

  const KeyDirectory& keys_;
  const JwtKeys jwt_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::map<std::string, Principal, std::less<>> static_keys_;  // by hash
};

// Scope rules of api.md (Conventions: Auth), for the domain routes:
// A pos key acts only for its own store: naming another store_id is 403 `forbidden`.
Checked<Principal> acting_for_store(Principal caller, std::string_view store_id);
// A customer creates things only in its own name: another customer_id is 403 `forbidden`.
Checked<Principal> acting_as_customer(Principal caller, std::string_view customer_id);
// Whether the caller may see a customer's resource. A customer naming another customer's
// resource gets the same 404 as for an unknown id (no enumeration): the route answers its
// own *_not_found when this is false.
bool may_see_customer(const Principal& caller, std::string_view customer_id);

// A hook for throttling one caller's failures (coupons: 20 failed look-ups close a 60 s
// window, domain.md). The coupon routes will ask before looking up and record each failure.
class Throttle {
 public:
  virtual ~Throttle() = default;
  // nullopt when the caller may go on; else how long until it may.
  virtual std::optional<std::chrono::seconds> refused(const Principal& caller,
                                                      std::string_view action) = 0;
  virtual void record_failure(const Principal& caller, std::string_view action) = 0;
};

// The 429 answer of a refusal: `too_many_attempts` with Retry-After.
Problem too_many_attempts(std::chrono::seconds retry_after);

}  // namespace tally::api
