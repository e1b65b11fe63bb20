#include "api/auth.h"

#include <jwt.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>

#include "api/input.h"
#include "core/sha256.h"

namespace tally::api {
namespace {

tl::unexpected<Problem> unauthorized(std::string message) {
  return problem("unauthorized", std::move(message));
}

struct JwtFree {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
struct CFree {
  void operator()(char* text) const { std::free(text); }
};

// A NumericDate claim (RFC 7519 §2): seconds since the epoch, maybe with a fraction; nullopt
// when absent. Read as JSON, because jwt_get_grant_int reads a fraction or a string as 0
// without saying so, which would take a token not valid until later as valid now.
Result<std::optional<double>> numeric_claim(jwt_t* jwt, const char* name) {
  std::unique_ptr<char, CFree> text(jwt_get_grants_json(jwt, name));
  if (!text) return std::optional<double>();
  const auto value = nlohmann::json::parse(text.get(), nullptr, /*allow_exceptions=*/false);
  if (!value.is_number()) return tally::fail(Code::invalid_argument, "not a NumericDate");
  return std::optional<double>(value.get<double>());
}

}  // namespace

std::optional<Role> parse_role(std::string_view name) {
  if (name == "pos") return Role::pos;
  if (name == "customer") return Role::customer;
  if (name == "operator") return Role::operator_;
  if (name == "auditor") return Role::auditor;
  if (name == "admin") return Role::admin;
  return std::nullopt;
}

std::string_view role_name(Role role) {
  switch (role) {
    case Role::pos:
      return "pos";
    case Role::customer:
      return "customer";
    case Role::operator_:
      return "operator";
    case Role::auditor:
      return "auditor";
    case Role::admin:
      return "admin";
  }
  return "unknown";
}

std::string key_hash(std::string_view key) {
  return to_hex(sha256({key}));
}

Result<void> check_rs256_public_key(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr, &EVP_PKEY_free);
  if (!key) return tally::fail(Code::invalid_argument, "not a PEM public key (BEGIN PUBLIC KEY)");
  if (!EVP_PKEY_is_a(key.get(), "RSA"))
    return tally::fail(Code::invalid_argument, "not an RSA key, which RS256 needs");
  if (EVP_PKEY_get_bits(key.get()) < 2048)
    return tally::fail(Code::invalid_argument, "an RSA key of fewer than 2048 bits is too weak");
  return {};
}

Result<void> check_hs256_secret(std::string_view secret) {
  if (secret.size() < 32)
    return tally::fail(Code::invalid_argument, "an HS256 secret needs at least 32 bytes");
  if (secret.find("-----BEGIN") != std::string_view::npos)
    return tally::fail(Code::invalid_argument,
                       "this is a PEM key, not an HS256 secret (an RSA public key goes in "
                       "--jwt-public-key-file)");
  return {};
}

Authenticator::Authenticator(const KeyDirectory& keys, JwtKeys jwt, const Clock& clock)
    : keys_(keys), jwt_(std::move(jwt)), clock_(clock) {}

void Authenticator::add_key(std::string_view key, Principal principal) {
  std::lock_guard lock(mutex_);
  static_keys_[key_hash(key)] = std::move(principal);
}

Checked<Principal> Authenticator::authenticate(const Request& request) const {
  const std::string* header = request.header("Authorization");
  if (!header) return unauthorized("an Authorization: Bearer token is required");
  // The scheme is caseless (RFC 9110 §11.1): "bearer" is the same as "Bearer".
  constexpr std::string_view kBearer = "bearer ";
  const auto caseless = [](char want, char got) {
    return std::tolower(static_cast<unsigned char>(got)) == want;
  };
  if (header->size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), header->begin(), caseless))
    return unauthorized("the Authorization header must be Bearer <token>");
  const std::string token = header->substr(kBearer.size());
  // A JWT has three dot-separated parts; an API key has no dot.
  if (token.find('.') != std::string::npos) return from_jwt(token);
  const std::string hash = key_hash(token);
  {
    std::lock_guard lock(mutex_);
    if (auto it = static_keys_.find(hash); it != static_keys_.end()) return it->second;
  }
  auto found = keys_.find(hash);
  if (!found) return tl::unexpected(from_error(found.error()));
  if (!*found) return unauthorized("unknown API key");
  return **found;
}

Checked<Principal> Authenticator::from_jwt(const std::string& token) const {
  if (!jwt_.hs256_secret && !jwt_.rs256_public_key)
    return unauthorized("tokens are not accepted by this server");
  // libjwt verifies with the algorithm the token names, so a token is taken only when it names
  // the algorithm of the key that verified it: never "none", never HS256 under the public key.
  const std::pair<jwt_alg_t, const std::optional<std::string>*> keys[] = {
      {JWT_ALG_HS256, &jwt_.hs256_secret}, {JWT_ALG_RS256, &jwt_.rs256_public_key}};
  std::unique_ptr<jwt_t, JwtFree> jwt;
  for (const auto& [alg, key] : keys) {
    if (!*key) continue;
    jwt_t* raw = nullptr;
    const int failed =
        jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>((*key)->data()),
                   static_cast<int>((*key)->size()));
    std::unique_ptr<jwt_t, JwtFree> decoded(raw);
    if (failed == 0 && decoded && jwt_get_alg(decoded.get()) == alg) {
      jwt = std::move(decoded);
      break;
    }
  }
  if (!jwt) {
    ERR_clear_error();  // what OpenSSL noted about a key that did not fit the token
    return unauthorized("the token is not valid");
  }
  const char* role = jwt_get_grant(jwt.get(), "role");
  if (!role || std::string_view(role) != "customer")
    return unauthorized("a token must carry role customer");
  const char* sub = jwt_get_grant(jwt.get(), "sub");
  if (!sub || !is_valid_id(sub)) return unauthorized("the token's sub is not a customer id");
  // exp and nbf (RFC 7519 §4.1.4-5), on the server's clock; either may be absent.
  const double now_s = std::chrono::duration<double>(clock_.now().time_since_epoch()).count();
  const auto exp = numeric_claim(jwt.get(), "exp");
  const auto nbf = numeric_claim(jwt.get(), "nbf");
  if (!exp || !nbf) return unauthorized("the token's exp and nbf must be numbers");
  if (*exp && **exp <= now_s) return unauthorized("the token has expired");
  if (*nbf && **nbf > now_s) return unauthorized("the token is not valid yet");
  return Principal{Role::customer, std::string("jwt:") + sub, {}, sub};
}

Checked<Principal> Authenticator::require(Request& request,
                                          std::initializer_list<Role> allowed) const {
  auto principal = authenticate(request);
  if (!principal) return principal;
  request.key_id = principal->key_id;
  for (const Role role : allowed)
    if (principal->role == role) return principal;
  return problem("forbidden", "this role may not use this route");
}

Checked<Principal> acting_for_store(Principal caller, std::string_view store_id) {
  if (caller.role == Role::admin) return caller;
  if (caller.role == Role::pos && caller.store_id == store_id) return caller;
  return problem("forbidden", "this key does not act for that store");
}

Checked<Principal> acting_as_customer(Principal caller, std::string_view customer_id) {
  if (caller.role == Role::admin) return caller;
  if (caller.role == Role::customer && caller.customer_id == customer_id) return caller;
  return problem("forbidden", "a customer acts only in its own name");
}

bool may_see_customer(const Principal& caller, std::string_view customer_id) {
  return caller.role == Role::admin ||
         (caller.role == Role::customer && caller.customer_id == customer_id);
}

Problem too_many_attempts(std::chrono::seconds retry_after) {
  Problem p{"too_many_attempts", "too many failed attempts; retry later"};
  p.headers.emplace_back("Retry-After", std::to_string(retry_after.count()));
  return p;
}

}  // namespace tally::api
