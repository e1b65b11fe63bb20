#include "api/auth.h"

#include <doctest/doctest.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <map>
#include <memory>

namespace tally::api {
namespace {

struct FakeKeys final : KeyDirectory {
  std::map<std::string, Principal, std::less<>> keys;
  Result<std::optional<Principal>> find(std::string_view hash) const override {
    auto it = keys.find(hash);
    if (it == keys.end()) return std::optional<Principal>{};
    return std::optional<Principal>(it->second);
  }
};

const Timestamp kNow = Timestamp(std::chrono::seconds(1'800'000'000));

std::string make_jwt(const std::string& secret, std::map<std::string, std::string> grants,
                     std::optional<long> exp, jwt_alg_t alg = JWT_ALG_HS256,
                     std::optional<long> nbf = std::nullopt) {
  jwt_t* jwt = nullptr;
  REQUIRE(jwt_new(&jwt) == 0);
  for (const auto& [k, v] : grants) jwt_add_grant(jwt, k.c_str(), v.c_str());
  if (exp) jwt_add_grant_int(jwt, "exp", *exp);
  if (nbf) jwt_add_grant_int(jwt, "nbf", *nbf);
  // "none" takes no key; every other algorithm must accept its key, or the test proves nothing.
  REQUIRE(jwt_set_alg(
              jwt, alg,
              alg == JWT_ALG_NONE ? nullptr : reinterpret_cast<const unsigned char*>(secret.data()),
              alg == JWT_ALG_NONE ? 0 : static_cast<int>(secret.size())) == 0);
  char* text = jwt_encode_str(jwt);
  std::string out = text ? text : "";
  free(text);
  jwt_free(jwt);
  REQUIRE_FALSE(out.empty());
  return out;
}

Request bearer(const std::string& token) {
  Request r;
  r.headers["authorization"] = "Bearer " + token;  // header names are caseless
  return r;
}

struct Setup {
  FakeKeys keys;
  TestClock clock{kNow};
  Authenticator auth{keys, JwtKeys{std::string("s3cret"), std::nullopt}, clock};
  Setup() {
    keys.keys[key_hash("tk_pos")] = Principal{Role::pos, "k1", "S1", ""};
    auth.add_key("admin-key-from-file", Principal{Role::admin, "admin", "", ""});
  }
};

TEST_CASE("an API key is found by its hash and carries its role and scope") {
  Setup s;
  auto p = s.auth.authenticate(bearer("tk_pos"));
  REQUIRE(p);
  CHECK(p->role == Role::pos);
  CHECK(p->store_id == "S1");
  CHECK(s.auth.authenticate(bearer("admin-key-from-file"))->role == Role::admin);
  CHECK(s.auth.authenticate(bearer("tk_other")).error().code == "unauthorized");
  Request none;
  CHECK(s.auth.authenticate(none).error().code == "unauthorized");
  Request basic;
  basic.headers["Authorization"] = "Basic dGs6cG9z";
  CHECK(s.auth.authenticate(basic).error().code == "unauthorized");
  for (const char* scheme : {"bearer ", "BEARER "}) {  // the scheme is caseless
    Request r;
    r.headers["Authorization"] = std::string(scheme) + "tk_pos";
    CHECK(s.auth.authenticate(r));
  }
  Request glued;
  glued.headers["Authorization"] = "Bearertk_pos";
  CHECK_FALSE(s.auth.authenticate(glued));
}

TEST_CASE("require(): 401 without a valid token, 403 for a role not allowed") {
  Setup s;
  Request r = bearer("tk_pos");
  CHECK(s.auth.require(r, {Role::admin}).error().code == "forbidden");
  CHECK(r.key_id == "k1");
  CHECK(s.auth.require(r, {Role::pos, Role::admin}));
  Request bad = bearer("nope");
  CHECK(s.auth.require(bad, {Role::admin}).error().code == "unauthorized");
}

TEST_CASE("a customer JWT: HS256 with our secret, role customer, sub an id, exp in the future") {
  Setup s;
  const long future = 1'800'000'060, past = 1'799'999'999;
  auto ok = s.auth.authenticate(
      bearer(make_jwt("s3cret", {{"sub", "C7"}, {"role", "customer"}}, future)));
  REQUIRE(ok);
  CHECK(ok->role == Role::customer);
  CHECK(ok->customer_id == "C7");
  CHECK(s.auth.authenticate(
      bearer(make_jwt("s3cret", {{"sub", "C7"}, {"role", "customer"}}, std::nullopt))));
  const std::string refused[] = {
      make_jwt("s3cret", {{"sub", "C7"}, {"role", "customer"}}, past),     // expired
      make_jwt("other", {{"sub", "C7"}, {"role", "customer"}}, future),    // not our secret
      make_jwt("s3cret", {{"sub", "C7"}, {"role", "admin"}}, future),      // not customer
      make_jwt("s3cret", {{"sub", "C 7"}, {"role", "customer"}}, future),  // not an id
      make_jwt("s3cret", {{"role", "customer"}}, future),                  // no sub
      make_jwt("s3cret", {{"sub", "C7"}, {"role", "customer"}}, future, JWT_ALG_HS512),
      make_jwt("", {{"sub", "C7"}, {"role", "customer"}}, future, JWT_ALG_NONE),
      make_jwt("s3cret", {{"sub", "C7"}, {"role", "customer"}}, future, JWT_ALG_HS256,
               1'800'000'001),  // not valid yet
      "a.b.c",
  };
  for (const auto& token : refused) {
    CAPTURE(token);
    auto p = s.auth.authenticate(bearer(token));
    REQUIRE_FALSE(p);
    CHECK(p.error().code == "unauthorized");
  }
  CHECK(s.auth.authenticate(bearer(make_jwt("s3cret", {{"sub", "C7"}, {"role", "customer"}}, future,
                                            JWT_ALG_HS256, 1'800'000'000))));
  // The clock is the server's: moving it past exp expires the token.
  const auto token = make_jwt("s3cret", {{"sub", "C7"}, {"role", "customer"}}, future);
  s.clock.advance(std::chrono::seconds(60));
  CHECK_FALSE(s.auth.authenticate(bearer(token)));
}

TEST_CASE("exp and nbf are read as numbers, fractions included; another type is refused") {
  Setup s;  // now: 1'800'000'000
  const auto token = [](const std::string& claims) {
    jwt_t* jwt = nullptr;
    REQUIRE(jwt_new(&jwt) == 0);
    REQUIRE(jwt_add_grants_json(jwt, claims.c_str()) == 0);
    jwt_set_alg(jwt, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>("s3cret"), 6);
    char* text = jwt_encode_str(jwt);
    std::string out = text ? text : "";
    free(text);
    jwt_free(jwt);
    return out;
  };
  const std::string who = R"("sub":"C7","role":"customer")";
  CHECK(s.auth.authenticate(bearer(token("{" + who + R"(,"exp":1800000000.5})"))));
  CHECK(s.auth.authenticate(bearer(token("{" + who + R"(,"nbf":1799999999.5})"))));
  for (const char* refused : {R"("nbf":1800000000.5)", R"("exp":1799999999.5)",
                              R"("exp":"1900000000")", R"("nbf":"0")", R"("exp":null)"}) {
    CAPTURE(refused);
    CHECK_FALSE(s.auth.authenticate(bearer(token("{" + who + "," + refused + "}"))));
  }
}

// A fresh RSA key pair as PEM: {private, public}.
std::pair<std::string, std::string> rsa_key_pair(unsigned bits = 2048) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(bits), &EVP_PKEY_free);
  REQUIRE(key);
  const auto pem = [&](bool is_private) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    REQUIRE((is_private ? PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0,
                                                   nullptr, nullptr)
                        : PEM_write_bio_PUBKEY(bio.get(), key.get())) == 1);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
  };
  return {pem(true), pem(false)};
}

TEST_CASE("an RS256 customer JWT is verified with the public key, and only RS256 with it") {
  const auto [private_pem, public_pem] = rsa_key_pair();
  const auto [other_private, other_public] = rsa_key_pair();
  REQUIRE(check_rs256_public_key(public_pem));
  CHECK_FALSE(check_rs256_public_key(private_pem.substr(0, 40)));
  CHECK_FALSE(check_rs256_public_key("s3cret"));
  CHECK_FALSE(check_rs256_public_key(rsa_key_pair(1024).second));  // too weak
  {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> ec(EVP_EC_gen("P-256"), &EVP_PKEY_free);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    REQUIRE(PEM_write_bio_PUBKEY(bio.get(), ec.get()) == 1);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    CHECK_FALSE(check_rs256_public_key(std::string(data, static_cast<std::size_t>(size))));
  }
  // The public key is public: as an HS256 secret it would let anyone sign.
  CHECK(check_hs256_secret(std::string(32, 'k')));
  CHECK_FALSE(check_hs256_secret(std::string(31, 'k')));
  CHECK_FALSE(check_hs256_secret(public_pem));
  FakeKeys keys;
  TestClock clock{kNow};
  const std::map<std::string, std::string> who{{"sub", "C7"}, {"role", "customer"}};
  const long future = 1'800'000'060, past = 1'799'999'999;

  SUBCASE("with the public key alone") {
    Authenticator auth{keys, JwtKeys{std::nullopt, public_pem}, clock};
    auto ok = auth.authenticate(bearer(make_jwt(private_pem, who, future, JWT_ALG_RS256)));
    REQUIRE(ok);
    CHECK(ok->customer_id == "C7");
    const std::string refused[] = {
        make_jwt(other_private, who, future, JWT_ALG_RS256),  // another key pair
        make_jwt(private_pem, who, past, JWT_ALG_RS256),      // expired
        make_jwt(private_pem, {{"sub", "C7"}, {"role", "pos"}}, future, JWT_ALG_RS256),
        make_jwt(private_pem, who, future, JWT_ALG_RS512),  // RS256 only
        // The public key is public: an HS256 token with it as the secret is a forgery.
        make_jwt(public_pem, who, future, JWT_ALG_HS256),
        make_jwt("s3cret", who, future, JWT_ALG_HS256),
        make_jwt("", who, future, JWT_ALG_NONE),
    };
    for (const auto& token : refused) {
      CAPTURE(token);
      const auto p = auth.authenticate(bearer(token));
      REQUIRE_FALSE(p);
      CHECK(p.error().code == "unauthorized");
    }
  }
  SUBCASE("with both keys, each takes its own algorithm") {
    Authenticator auth{keys, JwtKeys{std::string("s3cret"), public_pem}, clock};
    CHECK(auth.authenticate(bearer(make_jwt(private_pem, who, future, JWT_ALG_RS256))));
    CHECK(auth.authenticate(bearer(make_jwt("s3cret", who, future, JWT_ALG_HS256))));
    CHECK_FALSE(auth.authenticate(bearer(make_jwt(public_pem, who, future, JWT_ALG_HS256))));
  }
  SUBCASE("with the secret alone, an RS256 token is refused") {
    Authenticator auth{keys, JwtKeys{std::string("s3cret"), std::nullopt}, clock};
    CHECK_FALSE(auth.authenticate(bearer(make_jwt(private_pem, who, future, JWT_ALG_RS256))));
  }
}

TEST_CASE("without a JWT key, tokens are refused") {
  FakeKeys keys;
  TestClock clock{kNow};
  Authenticator auth{keys, JwtKeys{}, clock};
  auto p = auth.authenticate(bearer(make_jwt("s", {{"sub", "C7"}, {"role", "customer"}}, {})));
  CHECK(p.error().code == "unauthorized");
}

TEST_CASE("scope: a pos key acts for its store only, a customer in its own name only") {
  const Principal pos{Role::pos, "k1", "S1", ""}, customer{Role::customer, "k2", "", "C1"},
      admin{Role::admin, "a", "", ""}, auditor{Role::auditor, "k3", "", ""};
  CHECK(acting_for_store(pos, "S1"));
  CHECK(acting_for_store(pos, "S2").error().code == "forbidden");
  CHECK(acting_for_store(admin, "S2"));
  CHECK(acting_for_store(customer, "S1").error().code == "forbidden");
  CHECK(acting_as_customer(customer, "C1"));
  CHECK(acting_as_customer(customer, "C2").error().code == "forbidden");
  CHECK(acting_as_customer(admin, "C2"));
  CHECK(acting_as_customer(pos, "C1").error().code == "forbidden");
  CHECK(may_see_customer(customer, "C1"));
  CHECK_FALSE(may_see_customer(customer, "C2"));  // the route answers its 404
  CHECK(may_see_customer(admin, "C2"));
  CHECK_FALSE(may_see_customer(auditor, "C1"));
}

TEST_CASE("a refused look-up answers 429 too_many_attempts with Retry-After") {
  const auto p = too_many_attempts(std::chrono::seconds(12));
  CHECK(to_response(p).status == 429);
  CHECK(p.headers.at(0) == std::pair<std::string, std::string>{"Retry-After", "12"});
}

}  // namespace
}  // namespace tally::api
