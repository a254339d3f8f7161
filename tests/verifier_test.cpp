// SPDX-License-Identifier: ISC
// Tests of ajwt::verifier (include/ajwt/verifier.hpp): every reason code reached through verify_header,
// every accept path, the boundaries of the time window, exp, nbf, aud and the size limit, the order
// guarantee (nothing but a fully checked token reaches the nonce store), replay, concurrency and the
// observer.
#include "ajwt/verifier.hpp"

#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ajwt/clock.hpp"
#include "ajwt/detail/base64.hpp"
#include "ajwt/error.hpp"
#include "ajwt/jws.hpp"
#include "ajwt/jws_sign.hpp"
#include "ajwt/keys.hpp"
#include "ajwt/nonce/memory.hpp"
#include "ajwt/nonce_store.hpp"
#include "ajwt/repository/static.hpp"
#include "ajwt/token.hpp"
#include "support.hpp"

namespace {

using ajwt::algorithm;
using ajwt::reason;

/// The fixed "now" of every test, in Unix seconds.
constexpr std::int64_t t0 = 1'700'000'000;

// Keys are generated once per process: RSA generation costs up to a few hundred milliseconds.
const ajwt::private_key& alice_key() {
  return ajwt_test::cached_key("verifier/alice_key", ajwt::key_type::ed25519);
}
const ajwt::private_key& alice_second_key() {
  return ajwt_test::cached_key("verifier/alice_second_key", ajwt::key_type::ed25519);
}
const ajwt::private_key& mallory_key() {
  return ajwt_test::cached_key("verifier/mallory_key", ajwt::key_type::ed25519);
}
const ajwt::private_key& unregistered_key() {
  return ajwt_test::cached_key("verifier/unregistered_key", ajwt::key_type::ed25519);
}
const ajwt::private_key& rsa_key() {
  return ajwt_test::cached_key("verifier/rsa_key", ajwt::key_type::rsa, 2048);
}
const ajwt::private_key& p256_key() {
  return ajwt_test::cached_key("verifier/p256_key", ajwt::key_type::ec_p256);
}

using ajwt_test::b64url;
using ajwt_test::counting_nonce_store;
using ajwt_test::obj;
using ajwt_test::sign_raw;
using ajwt_test::std_header;
using ajwt_test::str;

/// The three protocol claims.
std::string std_claims(std::string_view username, std::int64_t time, std::string_view nonce) {
  return obj({{"username", str(username)}, {"time", std::to_string(time)}, {"nonce", str(nonce)}});
}

/// A token with the standard header and the given payload, signed with the key's default algorithm.
std::string token_with_payload(const ajwt::private_key& key, std::string_view payload_json) {
  return sign_raw(key, key.default_algorithm(), std_header(key, key.default_algorithm()), payload_json);
}

/// A token for `username` at `time` with `nonce`, as the Python library makes it.
std::string make_token(const ajwt::private_key& key, std::string_view username, std::int64_t time = t0,
                       std::string_view nonce = "n0nce-0000a") {
  return token_with_payload(key, std_claims(username, time, nonce));
}

std::string header_of(std::string_view token) { return "JWT " + std::string(token); }

/// A builder for `username` whose tokens carry time t0.
ajwt::token_builder builder(const ajwt::private_key& key, std::string username) {
  ajwt::token_builder b(key, std::move(username));
  b.time(t0);
  return b;
}

/// A store that can never answer.
struct unavailable_nonce_store {
  ajwt::nonce_status record(const ajwt::nonce_record& /*r*/) const { return ajwt::nonce_status::unavailable; }
};

/// A store whose backend fails with an exception.
struct throwing_nonce_store {
  ajwt::nonce_status record(const ajwt::nonce_record& /*r*/) const {
    throw std::runtime_error("connection refused");
  }
};

/// A store whose backend fails with something that is not a std::exception.
struct throwing_int_nonce_store {
  ajwt::nonce_status record(const ajwt::nonce_record& /*r*/) const { throw 42; }
};

using repository = ajwt::static_key_repository<>;
using test_verifier = ajwt::verifier<repository, counting_nonce_store, ajwt::fixed_clock>;

/// Registered users: alice (two Ed25519 keys), mallory (Ed25519), rsa-user, ec-user, and multi
/// (RSA, Ed25519 and P-256 keys at once). The clock stands at t0; copies of the repository, the
/// store and the clock share state, so a test can inspect what a verifier did.
struct world {
  ajwt::fixed_clock clock{t0};
  repository keys;
  counting_nonce_store nonces;

  world() {
    keys.add("alice", alice_key().public_part());
    keys.add("alice", alice_second_key().public_part());
    keys.add("mallory", mallory_key().public_part());
    keys.add("rsa-user", rsa_key().public_part());
    keys.add("ec-user", p256_key().public_part());
    keys.add("multi", rsa_key().public_part());
    keys.add("multi", alice_key().public_part());
    keys.add("multi", p256_key().public_part());
  }

  [[nodiscard]] test_verifier make(ajwt::verifier_options options = {}) const {
    return test_verifier(keys, std::move(options), nonces, clock);
  }
};

/// How a verification ended: accepted, or rejected for a reason. Prints as the reason's name.
struct verdict {
  std::optional<reason> why;
};
struct accepted_t {};
constexpr accepted_t accepted{};
bool operator==(const verdict& v, reason r) { return v.why == r; }
bool operator==(const verdict& v, accepted_t /*a*/) { return !v.why; }
bool operator!=(const verdict& v, accepted_t /*a*/) { return v.why.has_value(); }
std::ostream& operator<<(std::ostream& os, const verdict& v) {
  return os << (v.why ? ajwt::to_string(*v.why) : std::string_view("accepted"));
}

/// Runs `header` through a fresh verifier with `options` and says how it ended; also asserts that
/// nothing but an accepted token reached the nonce store.
verdict outcome(std::string_view header, ajwt::verifier_options options = {}) {
  world w;
  const auto v = w.make(std::move(options));
  const auto r = v.verify_header(header);
  if (r.ok()) {
    CHECK(w.nonces.records() == 1);
    return {};
  }
  INFO("rejected: " << ajwt::to_string(r.reason()) << ": " << r.detail());
  CHECK_FALSE(r.detail().empty());
  if (r.reason() != reason::nonce_replayed && r.reason() != reason::nonce_store_unavailable)
    CHECK(w.nonces.records() == 0);
  return {r.reason()};
}

ajwt::verifier_options with_audiences(std::vector<std::string> auds, bool required = false) {
  ajwt::verifier_options o;
  o.audiences = std::move(auds);
  o.require_audience = required;
  return o;
}

std::string hmac_sha256(std::string_view secret, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// The API shape.

TEST_CASE("verify_header and verify_token are noexcept and return a result of verified_token", "[verifier]") {
  const auto v = world().make();
  STATIC_REQUIRE(noexcept(v.verify_header(std::string_view())));
  STATIC_REQUIRE(noexcept(v.verify_token(std::string_view())));
  STATIC_REQUIRE(
      std::is_same_v<decltype(v.verify_header("")), ajwt::result<ajwt::verified_token<ajwt::no_user>>>);
}

TEST_CASE("default options are scheme JWT, 20 s tolerance, 8192-byte tokens, no PS*, no audience",
          "[verifier]") {
  const ajwt::verifier_options o;
  CHECK(o.scheme == "JWT");
  CHECK(o.tolerance == 20);
  CHECK(o.max_token_bytes == 8192);
  CHECK(o.algorithms == ajwt::algorithm_set::defaults());
  CHECK_FALSE(o.algorithms.contains(algorithm::ps256));
  CHECK(o.algorithms.contains(algorithm::rs512));
  CHECK(o.algorithms.contains(algorithm::eddsa));
  CHECK(o.audiences.empty());
  CHECK_FALSE(o.require_audience);
}

TEST_CASE("the verifier constructor rejects options that make no sense", "[verifier]") {
  world w;
  auto rejects = [&](ajwt::verifier_options o) {
    CHECK_THROWS_AS(test_verifier(w.keys, std::move(o), w.nonces, w.clock), ajwt::config_error);
  };
  ajwt::verifier_options o;
  SECTION("empty scheme") {
    o.scheme = "";
    rejects(o);
  }
  SECTION("scheme of two words") {
    o.scheme = "JWT Bearer";
    rejects(o);
  }
  SECTION("scheme with a tab") {
    o.scheme = "JWT\t";
    rejects(o);
  }
  SECTION("negative tolerance") {
    o.tolerance = -1;
    rejects(o);
  }
  SECTION("tolerance over a day") {
    o.tolerance = 86401;
    rejects(o);
  }
  SECTION("tiny maximum token size") {
    o.max_token_bytes = 15;
    rejects(o);
  }
  SECTION("zero maximum token size") {
    o.max_token_bytes = 0;
    rejects(o);
  }
  SECTION("no algorithm at all") {
    o.algorithms = ajwt::algorithm_set();
    rejects(o);
  }
  SECTION("an empty expected audience") {
    o.audiences = {"api", ""};
    rejects(o);
  }
  SECTION("require_audience without audiences") {
    o.require_audience = true;
    rejects(o);
  }
  SECTION("the limits themselves are accepted") {
    o.tolerance = 0;
    CHECK_NOTHROW(test_verifier(w.keys, o, w.nonces, w.clock));
    o.tolerance = 86400;
    o.max_token_bytes = 16;
    CHECK_NOTHROW(test_verifier(w.keys, o, w.nonces, w.clock));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Every reason code, reached through verify_header.

TEST_CASE("every reason code is reached through verify_header", "[verifier][reasons]") {
  // One representative input per reason; the tests below cover each reason's variants, and
  // tests/request_test.cpp covers request_mismatch (request binding).
  struct row {
    const char* what;
    reason expected;
    std::function<verdict()> run;
  };
  const std::string alice_token = make_token(alice_key(), "alice");
  const std::vector<row> rows = {
      {"no scheme", reason::malformed_header, [] { return outcome("eyJhbGciOi"); }},
      {"Bearer scheme", reason::wrong_scheme, [&] { return outcome("Bearer " + alice_token); }},
      {"token over 8192 bytes", reason::token_too_large,
       [] { return outcome("JWT " + std::string(8193, 'A')); }},
      {"two segments", reason::malformed_token, [] { return outcome("JWT abc.def"); }},
      {"alg none", reason::unsupported_algorithm,
       [] {
         return outcome(header_of(b64url(R"({"alg":"none","typ":"JWT"})") + "." +
                                  b64url(std_claims("alice", t0, "n")) + "." + b64url("sig")));
       }},
      {"unknown user", reason::unknown_user,
       [] { return outcome(header_of(make_token(alice_key(), "nobody"))); }},
      {"mallory signs for alice", reason::bad_signature,
       [] { return outcome(header_of(make_token(mallory_key(), "alice"))); }},
      {"no nonce", reason::missing_claim,
       [] {
         return outcome(header_of(token_with_payload(
             alice_key(), obj({{"username", str("alice")}, {"time", std::to_string(t0)}}))));
       }},
      {"time as a string", reason::invalid_claim,
       [] {
         return outcome(header_of(token_with_payload(
             alice_key(),
             obj({{"username", str("alice")}, {"time", str("1700000000")}, {"nonce", str("n")}}))));
       }},
      {"time 21 s old", reason::time_out_of_window,
       [] { return outcome(header_of(make_token(alice_key(), "alice", t0 - 21))); }},
      {"replay", reason::nonce_replayed,
       [&] {
         world w;
         const auto v = w.make();
         CHECK(v.verify_header(header_of(alice_token)).ok());
         const auto r = v.verify_header(header_of(alice_token));
         return r.ok() ? verdict{} : verdict{r.reason()};
       }},
      {"expired", reason::token_expired,
       [] {
         return outcome(header_of(token_with_payload(alice_key(), obj({{"username", str("alice")},
                                                                       {"time", std::to_string(t0)},
                                                                       {"nonce", str("n")},
                                                                       {"exp", std::to_string(t0 - 21)}}))));
       }},
      {"audience not expected", reason::audience_mismatch,
       [] {
         return outcome(header_of(builder(alice_key(), "alice").audience("other").token()),
                        with_audiences({"api"}));
       }},
      {"nonce store down", reason::nonce_store_unavailable,
       [&] {
         world w;
         const ajwt::verifier<repository, unavailable_nonce_store, ajwt::fixed_clock> v(w.keys, {}, {},
                                                                                        w.clock);
         const auto r = v.verify_header(header_of(alice_token));
         return r.ok() ? verdict{} : verdict{r.reason()};
       }},
      {"binding required, no request given", reason::request_mismatch,
       [&] {
         ajwt::verifier_options o;
         o.require_binding = true;
         return outcome(header_of(alice_token), o);
       }},
      {"the key repository cannot answer", reason::key_repository_unavailable,
       [&] {
         struct down_repository {
           using user_type = ajwt::no_user;
           std::shared_ptr<const ajwt::user_keys<>> find(std::string_view /*u*/,
                                                         std::string_view /*k*/) const {
             throw ajwt::repository_unavailable("directory down");
           }
         };
         const ajwt::verifier<down_repository, ajwt::memory_nonce_store, ajwt::fixed_clock> v(
             down_repository{}, {}, ajwt::memory_nonce_store(), ajwt::fixed_clock(t0));
         const auto r = v.verify_header(header_of(alice_token));
         return r.ok() ? verdict{} : verdict{r.reason()};
       }},
  };
  std::set<reason> reached;
  for (const auto& row : rows) {
    INFO(row.what);
    const verdict got = row.run();
    CHECK(got == row.expected);
    if (got.why) reached.insert(*got.why);
  }
  for (const reason r : ajwt::all_reasons) {
    INFO("reason " << ajwt::to_string(r) << " has no row above");
    CHECK(reached.count(r) == 1);
  }
}

TEST_CASE("malformed_header: an empty value, a lone word, or two tokens after the scheme",
          "[verifier][reasons]") {
  const std::string token = make_token(alice_key(), "alice");
  CHECK(outcome("") == reason::malformed_header);
  CHECK(outcome("   ") == reason::malformed_header);
  CHECK(outcome("JWT") == reason::malformed_header);
  CHECK(outcome("JWT ") == reason::malformed_header);
  CHECK(outcome("JWT" + token) == reason::malformed_header);  // no space: one word
  CHECK(outcome(token) == reason::malformed_header);
  CHECK(outcome("JWT " + token + " " + token) == reason::malformed_header);
  CHECK(outcome("JWT " + token + " extra") == reason::malformed_header);
}

TEST_CASE("wrong_scheme: any scheme word but the configured one; the comparison ignores case",
          "[verifier][reasons]") {
  const std::string token = make_token(alice_key(), "alice");
  CHECK(outcome("Bearer " + token) == reason::wrong_scheme);
  CHECK(outcome("Basic " + token) == reason::wrong_scheme);
  CHECK(outcome("JWS " + token) == reason::wrong_scheme);
  CHECK(outcome("JWT " + token) == accepted);
  CHECK(outcome("jwt " + token) == accepted);
  CHECK(outcome("Jwt " + token) == accepted);
  CHECK(outcome("JWT\t" + token) == accepted);
  CHECK(outcome("  JWT " + token + "\r\n") == accepted);

  ajwt::verifier_options custom;
  custom.scheme = "Token";
  CHECK(outcome("token " + token, custom) == accepted);
  CHECK(outcome("JWT " + token, custom) == reason::wrong_scheme);
}

TEST_CASE("token_too_large: the limit is checked before decoding, and a token of exactly the limit passes",
          "[verifier][reasons]") {
  // Garbage over the limit is token_too_large, not malformed_token: nothing was decoded.
  CHECK(outcome("JWT " + std::string(8193, '!')) == reason::token_too_large);
  CHECK(outcome("JWT " + std::string(100000, 'A')) == reason::token_too_large);

  // A real token padded by an extra claim to exactly `size` bytes. base64url skips lengths 4k+1, so the
  // header is varied (EdDSA or Ed25519, with or without typ) until one combination lands exactly.
  auto token_of_size = [](std::size_t size, std::string_view nonce) {
    for (const algorithm alg : {algorithm::eddsa, algorithm::ed25519}) {
      for (const bool typ : {true, false}) {
        const std::string header =
            typ ? std_header(alice_key(), alg)
                : obj({{"alg", str(ajwt::to_string(alg))}, {"kid", str(alice_key().kid())}});
        const auto b64_len = [](std::size_t n) { return (4 * n + 2) / 3; };
        auto payload = [&](std::size_t pad) {
          return obj({{"username", str("alice")},
                      {"time", std::to_string(t0)},
                      {"nonce", str(nonce)},
                      {"pad", str(std::string(pad, 'x'))}});
        };
        const std::size_t unpadded = payload(0).size();  // each pad character adds one byte
        for (std::size_t pad = 0; pad < size; ++pad) {
          const std::size_t len = b64_len(header.size()) + 1 + b64_len(unpadded + pad) + 1 + b64_len(64);
          if (len == size) return sign_raw(alice_key(), alg, header, payload(pad));
          if (len > size) break;
        }
      }
    }
    FAIL("no token of exactly " << size << " bytes could be made");
    return std::string();
  };
  const std::string exact = token_of_size(8192, "exact-size");
  REQUIRE(exact.size() == 8192);
  CHECK(outcome(header_of(exact)) == accepted);
  const std::string over = token_of_size(8193, "over-size");
  REQUIRE(over.size() == 8193);
  CHECK(outcome(header_of(over)) == reason::token_too_large);

  SECTION("a configured limit is inclusive too") {
    const std::string token = make_token(alice_key(), "alice");
    ajwt::verifier_options o;
    o.max_token_bytes = token.size();
    CHECK(outcome(header_of(token), o) == accepted);
    o.max_token_bytes = token.size() - 1;
    CHECK(outcome(header_of(token), o) == reason::token_too_large);
  }
}

TEST_CASE("malformed_token: bad segments, bad base64url, non-object JSON, duplicate members, bad typ",
          "[verifier][reasons]") {
  const std::string good = make_token(alice_key(), "alice");
  const auto dot1 = good.find('.');
  const auto dot2 = good.find('.', dot1 + 1);
  const std::string h = good.substr(0, dot1);
  const std::string p = good.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string s = good.substr(dot2 + 1);

  SECTION("segments") {
    CHECK(outcome("JWT " + h) == reason::malformed_token);
    CHECK(outcome("JWT " + h + "." + p) == reason::malformed_token);
    CHECK(outcome("JWT " + good + "." + s) == reason::malformed_token);
    CHECK(outcome("JWT ..") == reason::malformed_token);
    CHECK(outcome("JWT " + h + "." + p + ".") == reason::malformed_token);  // empty signature
    CHECK(outcome("JWT ." + p + "." + s) == reason::malformed_token);       // empty header
  }
  SECTION("base64url") {
    CHECK(outcome("JWT " + h + "=." + p + "." + s) == reason::malformed_token);  // padding
    CHECK(outcome("JWT " + h + "." + p + "." + s + "==") == reason::malformed_token);
    CHECK(outcome("JWT " + h + "." + p + "!." + s) == reason::malformed_token);
    std::string std_alphabet = good;  // '-'/'_' are base64url; '+'/'/' belong to the other alphabet
    for (char& c : std_alphabet) c = c == '-' ? '+' : c == '_' ? '/' : c;
    if (std_alphabet != good) CHECK(outcome(header_of(std_alphabet)) == reason::malformed_token);
  }
  SECTION("the header is not a JSON object") {
    CHECK(outcome(header_of(sign_raw(alice_key(), algorithm::eddsa, "[1]", std_claims("alice", t0, "n")))) ==
          reason::malformed_token);
    CHECK(outcome(header_of(b64url("not json") + "." + p + "." + s)) == reason::malformed_token);
  }
  SECTION("the payload is not a JSON object") {
    for (const char* payload : {"[\"alice\"]", "\"alice\"", "42", "null", "", "{\"username\":", "{} {}"}) {
      INFO("payload: " << payload);
      CHECK(outcome(header_of(token_with_payload(alice_key(), payload))) == reason::malformed_token);
    }
  }
  SECTION("duplicate members in the payload") {
    // Two parsers could read two different users from this; the signature is valid.
    const std::string dup = obj({{"username", str("mallory")},
                                 {"username", str("alice")},
                                 {"time", std::to_string(t0)},
                                 {"nonce", str("n")}});
    CHECK(outcome(header_of(token_with_payload(alice_key(), dup))) == reason::malformed_token);
    const std::string dup_time = obj({{"username", str("alice")},
                                      {"time", std::to_string(t0)},
                                      {"time", std::to_string(t0)},
                                      {"nonce", str("n")}});
    CHECK(outcome(header_of(token_with_payload(alice_key(), dup_time))) == reason::malformed_token);
  }
  SECTION("duplicate members in the header") {
    const std::string header = obj({{"alg", str("EdDSA")}, {"alg", str("EdDSA")}, {"typ", str("JWT")}});
    CHECK(outcome(header_of(sign_raw(alice_key(), algorithm::eddsa, header, std_claims("alice", t0, "n")))) ==
          reason::malformed_token);
  }
  SECTION("typ other than JWT") {
    for (const char* typ : {R"("JWS")", R"("at+jwt")", R"("")", "1", "null"}) {
      INFO("typ: " << typ);
      const std::string header = obj({{"alg", str("EdDSA")}, {"kid", str(alice_key().kid())}, {"typ", typ}});
      CHECK(outcome(header_of(sign_raw(alice_key(), algorithm::eddsa, header,
                                       std_claims("alice", t0, "n")))) == reason::malformed_token);
    }
  }
  SECTION("typ absent is accepted") {
    const std::string header = obj({{"alg", str("EdDSA")}, {"kid", str(alice_key().kid())}});
    CHECK(outcome(header_of(sign_raw(alice_key(), algorithm::eddsa, header, std_claims("alice", t0, "n")))) ==
          accepted);
  }
  SECTION("headers that would fetch keys or demand extensions") {
    for (const auto& [name, value] :
         std::vector<std::pair<std::string, std::string>>{{"crit", R"(["exp"])"},
                                                          {"jku", str("https://evil.example/jwks")},
                                                          {"jwk", R"({"kty":"OKP"})"},
                                                          {"x5u", str("https://evil.example/cert")},
                                                          {"x5c", R"(["AAAA"])"},
                                                          {"b64", "false"}}) {
      INFO("header member " << name);
      const std::string header = obj({{"alg", str("EdDSA")}, {"typ", str("JWT")}, {name, value}});
      CHECK(outcome(header_of(sign_raw(alice_key(), algorithm::eddsa, header,
                                       std_claims("alice", t0, "n")))) == reason::malformed_token);
    }
  }
  SECTION("kid that is not a string") {
    const std::string header = obj({{"alg", str("EdDSA")}, {"kid", "7"}, {"typ", str("JWT")}});
    CHECK(outcome(header_of(sign_raw(alice_key(), algorithm::eddsa, header, std_claims("alice", t0, "n")))) ==
          reason::malformed_token);
  }
}

TEST_CASE(
    "unsupported_algorithm: none, HMAC, lower-case names, PS* unless enabled, an algorithm no key of the "
    "user has",
    "[verifier][reasons]") {
  const std::string claims = std_claims("alice", t0, "n0nce");

  SECTION("alg none, with and without a signature") {
    const std::string unsigned_token = b64url(R"({"alg":"none","typ":"JWT"})") + "." + b64url(claims);
    CHECK(outcome(header_of(unsigned_token + ".")) == reason::unsupported_algorithm);
    CHECK(outcome(header_of(unsigned_token + "." + b64url("x"))) == reason::unsupported_algorithm);
    for (const char* spelling : {"None", "NONE", "nOnE"}) {
      const std::string t =
          b64url(std::string(R"({"alg":")") + spelling + R"(","typ":"JWT"})") + "." + b64url(claims);
      CHECK(outcome(header_of(t + "." + b64url("x"))) == reason::unsupported_algorithm);
    }
  }
  SECTION("HS256 keyed with the user's public key PEM (the classic key confusion)") {
    const std::string input = b64url(R"({"alg":"HS256","typ":"JWT"})") + "." + b64url(claims);
    const std::string mac = hmac_sha256(alice_key().public_part().to_pem(), input);
    CHECK(outcome(header_of(input + "." + b64url(mac))) == reason::unsupported_algorithm);
  }
  SECTION("algorithm names are case-sensitive") {
    const std::string header = obj({{"alg", str("eddsa")}, {"typ", str("JWT")}});
    const std::string input = b64url(header) + "." + b64url(claims);
    const std::string sig = ajwt::jws::sign(alice_key(), algorithm::eddsa, input);
    CHECK(outcome(header_of(input + "." + b64url(sig))) == reason::unsupported_algorithm);
  }
  SECTION("PS256 when the verifier has not opted in") {
    const std::string t = sign_raw(rsa_key(), algorithm::ps256, std_header(rsa_key(), algorithm::ps256),
                                   std_claims("rsa-user", t0, "n"));
    CHECK(outcome(header_of(t)) == reason::unsupported_algorithm);
    ajwt::verifier_options o;
    o.algorithms.insert(algorithm::ps256);
    CHECK(outcome(header_of(t), o) == accepted);
  }
  SECTION("an RS256 token for a user who has only Ed25519 keys") {
    const std::string t = sign_raw(rsa_key(), algorithm::rs256, std_header(rsa_key(), algorithm::rs256),
                                   std_claims("alice", t0, "n"));
    CHECK(outcome(header_of(t)) == reason::unsupported_algorithm);
  }
  SECTION("an EdDSA header on an RSA user's token") {
    const std::string t = sign_raw(alice_key(), algorithm::eddsa, std_header(alice_key(), algorithm::eddsa),
                                   std_claims("rsa-user", t0, "n"));
    CHECK(outcome(header_of(t)) == reason::unsupported_algorithm);
  }
  SECTION("an algorithm removed from the verifier's allow-list") {
    ajwt::verifier_options o;
    o.algorithms.erase(algorithm::es256);
    CHECK(outcome(header_of(builder(p256_key(), "ec-user").token()), o) == reason::unsupported_algorithm);
    o = {};
    o.algorithms = {algorithm::rs512};
    CHECK(outcome(header_of(builder(rsa_key(), "rsa-user").algorithm(algorithm::rs256).token()), o) ==
          reason::unsupported_algorithm);
    CHECK(outcome(header_of(builder(rsa_key(), "rsa-user").token()), o) == accepted);
  }
}

TEST_CASE("unknown_user: a username no key is registered for", "[verifier][reasons]") {
  CHECK(outcome(header_of(make_token(alice_key(), "nobody"))) == reason::unknown_user);
  CHECK(outcome(header_of(make_token(alice_key(), "Alice"))) == reason::unknown_user);  // names are exact
  CHECK(outcome(header_of(make_token(unregistered_key(), "eve"))) == reason::unknown_user);
}

TEST_CASE("unknown_user: a user whose keys were all removed", "[verifier][reasons]") {
  world w;
  w.keys.set_keys("alice", {});
  const auto v = w.make();
  const auto r = v.verify_header(header_of(make_token(alice_key(), "alice")));
  REQUIRE_FALSE(r.ok());
  CHECK(r.reason() == reason::unknown_user);
}

TEST_CASE("bad_signature: a tampered token, another user's key, a foreign key, a mangled signature",
          "[verifier][reasons]") {
  SECTION("payload changed after signing") {
    const std::string good = make_token(alice_key(), "alice", t0, "n0nce");
    const auto dot1 = good.find('.');
    const auto dot2 = good.find('.', dot1 + 1);
    const std::string forged_payload = b64url(std_claims("alice", t0, "n0ncf"));
    const std::string forged = good.substr(0, dot1 + 1) + forged_payload + good.substr(dot2);
    CHECK(outcome(header_of(forged)) == reason::bad_signature);
  }
  SECTION("mallory, a registered user, signs a token that claims alice (with her own kid)") {
    CHECK(outcome(header_of(make_token(mallory_key(), "alice"))) == reason::bad_signature);
  }
  SECTION("mallory signs a token that claims alice and names alice's kid") {
    const std::string header = std_header(alice_key(), algorithm::eddsa);
    CHECK(outcome(header_of(sign_raw(mallory_key(), algorithm::eddsa, header,
                                     std_claims("alice", t0, "n")))) == reason::bad_signature);
  }
  SECTION("an unregistered key signs for alice") {
    CHECK(outcome(header_of(make_token(unregistered_key(), "alice"))) == reason::bad_signature);
  }
  SECTION("signature truncated, extended or zeroed") {
    const std::string good = make_token(alice_key(), "alice");
    const auto dot2 = good.rfind('.');
    const std::string input = good.substr(0, dot2);
    std::string sig;
    sig = ajwt::detail::base64url_decode(good.substr(dot2 + 1)).value();
    CHECK(outcome(header_of(input + "." + b64url(sig.substr(0, 63)))) == reason::bad_signature);
    CHECK(outcome(header_of(input + "." + b64url(sig + "x"))) == reason::bad_signature);
    CHECK(outcome(header_of(input + "." + b64url(std::string(64, '\0')))) == reason::bad_signature);
  }
  SECTION("an RSA token signed with RS256 but labelled RS512") {
    const std::string header = std_header(rsa_key(), algorithm::rs512);
    const std::string input = b64url(header) + "." + b64url(std_claims("rsa-user", t0, "n"));
    const std::string sig = ajwt::jws::sign(rsa_key(), algorithm::rs256, input);
    CHECK(outcome(header_of(input + "." + b64url(sig))) == reason::bad_signature);
  }
  SECTION("an ES256 signature in DER form instead of r||s") {
    const std::string input =
        b64url(std_header(p256_key(), algorithm::es256)) + "." + b64url(std_claims("ec-user", t0, "n"));
    const std::string raw = ajwt::jws::sign(p256_key(), algorithm::es256, input);
    REQUIRE(raw.size() == 64);
    // DER SEQUENCE { INTEGER r, INTEGER s } with a leading zero octet on each (always valid DER).
    std::string der = "\x30\x46\x02\x21";
    der += '\0';
    der += raw.substr(0, 32);
    der += "\x02\x21";
    der += '\0';
    der += raw.substr(32);
    CHECK(outcome(header_of(input + "." + b64url(der))) == reason::bad_signature);
    CHECK(outcome(header_of(input + "." + b64url(raw))) == accepted);
  }
}

TEST_CASE("every single-character change to a genuine token is rejected, and the genuine token still passes",
          "[verifier][reasons]") {
  world w;
  const auto v = w.make();
  const std::string good = builder(alice_key(), "alice").token();
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = good[i] == 'A' ? 'B' : good[i] == '.' ? 'x' : 'A';
    const auto r = v.verify_header(header_of(bad));
    INFO("position " << i);
    CHECK_FALSE(r.ok());
  }
  CHECK(w.nonces.records() == 0);
  CHECK(v.verify_header(header_of(good)).ok());
}

TEST_CASE("missing_claim: username, time or nonce absent; aud absent when required", "[verifier][reasons]") {
  const std::string user = str("alice");
  const std::string time = std::to_string(t0);
  const std::string nonce = str("n0nce");
  CHECK(outcome(header_of(token_with_payload(alice_key(), obj({{"time", time}, {"nonce", nonce}})))) ==
        reason::missing_claim);
  CHECK(outcome(header_of(token_with_payload(alice_key(), obj({{"username", user}, {"nonce", nonce}})))) ==
        reason::missing_claim);
  CHECK(outcome(header_of(token_with_payload(alice_key(), obj({{"username", user}, {"time", time}})))) ==
        reason::missing_claim);
  CHECK(outcome(header_of(token_with_payload(alice_key(), "{}"))) == reason::missing_claim);
  // Claim names are case-sensitive.
  CHECK(outcome(header_of(
            token_with_payload(alice_key(), obj({{"Username", user}, {"time", time}, {"nonce", nonce}})))) ==
        reason::missing_claim);

  const std::string no_aud = header_of(make_token(alice_key(), "alice"));
  CHECK(outcome(no_aud, with_audiences({"api"}, true)) == reason::missing_claim);
  CHECK(outcome(no_aud, with_audiences({"api"}, false)) == accepted);
}

TEST_CASE("invalid_claim: time that is not an integer in range", "[verifier][reasons]") {
  for (const std::string time :
       {"1700000000.0", "1.7e9", "\"1700000000\"", "true", "false", "null", "[1700000000]", "{}",
        "9223372036854775808", "18446744073709551615", "18446744073709551616"}) {
    INFO("time: " << time);
    const std::string payload = obj({{"username", str("alice")}, {"time", time}, {"nonce", str("n0nce")}});
    CHECK(outcome(header_of(token_with_payload(alice_key(), payload))) == reason::invalid_claim);
  }
  // A number no double can hold is refused too (by the JSON parser or the claim check).
  const std::string huge = obj({{"username", str("alice")}, {"time", "1e400"}, {"nonce", str("n0nce")}});
  CHECK(outcome(header_of(token_with_payload(alice_key(), huge))) != accepted);
}

TEST_CASE("time claims at the edges of the 64-bit range are out of the window, not a crash",
          "[verifier][reasons]") {
  for (const std::int64_t time :
       {std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min(), std::int64_t{0},
        std::int64_t{-1}}) {
    INFO("time: " << time);
    CHECK(outcome(header_of(make_token(alice_key(), "alice", time))) == reason::time_out_of_window);
  }
}

TEST_CASE("invalid_claim: username empty, not a string or too long", "[verifier][reasons]") {
  auto with_username = [](const std::string& json_value) {
    return header_of(token_with_payload(
        alice_key(), obj({{"username", json_value}, {"time", std::to_string(t0)}, {"nonce", str("n0nce")}})));
  };
  CHECK(outcome(with_username(str(""))) == reason::invalid_claim);
  CHECK(outcome(with_username("42")) == reason::invalid_claim);
  CHECK(outcome(with_username("null")) == reason::invalid_claim);
  CHECK(outcome(with_username("[\"alice\"]")) == reason::invalid_claim);
  CHECK(outcome(with_username("{\"name\":\"alice\"}")) == reason::invalid_claim);
  CHECK(outcome(with_username(str(std::string(257, 'a')))) == reason::invalid_claim);

  SECTION("a username of exactly the maximum length is accepted") {
    const std::string long_name(256, 'a');
    world w;
    w.keys.add(long_name, alice_key().public_part());
    const auto v = w.make();
    CHECK(v.verify_header(header_of(make_token(alice_key(), long_name))).ok());
  }
  SECTION("the maximum is configurable") {
    ajwt::verifier_options o;
    o.max_username_bytes = 4;
    CHECK(outcome(header_of(make_token(alice_key(), "alice")), o) == reason::invalid_claim);
    o.max_username_bytes = 5;
    CHECK(outcome(header_of(make_token(alice_key(), "alice")), o) == accepted);
  }
}

TEST_CASE("invalid_claim: nonce empty, not a string or too long", "[verifier][reasons]") {
  auto with_nonce = [](const std::string& json_value) {
    return header_of(token_with_payload(
        alice_key(), obj({{"username", str("alice")}, {"time", std::to_string(t0)}, {"nonce", json_value}})));
  };
  CHECK(outcome(with_nonce(str(""))) == reason::invalid_claim);
  CHECK(outcome(with_nonce("12345678")) == reason::invalid_claim);
  CHECK(outcome(with_nonce("null")) == reason::invalid_claim);
  CHECK(outcome(with_nonce("[\"n0nce\"]")) == reason::invalid_claim);
  CHECK(outcome(with_nonce(str(std::string(257, 'n')))) == reason::invalid_claim);
  CHECK(outcome(with_nonce(str(std::string(256, 'n')))) == accepted);
  ajwt::verifier_options o;
  o.max_nonce_bytes = 10;
  CHECK(outcome(with_nonce(str("n0nce-0000a")), o) == reason::invalid_claim);
}

TEST_CASE("invalid_claim: exp or nbf not a number, aud neither a string nor an array of strings",
          "[verifier][reasons]") {
  auto with_claim = [](std::string_view name, const std::string& json_value) {
    return header_of(token_with_payload(alice_key(), obj({{"username", str("alice")},
                                                          {"time", std::to_string(t0)},
                                                          {"nonce", str("n0nce")},
                                                          {name, json_value}})));
  };
  for (const std::string bad : {"\"1700000100\"", "true", "null", "[1700000100]", "{}"}) {
    INFO("value: " << bad);
    CHECK(outcome(with_claim("exp", bad)) == reason::invalid_claim);
    CHECK(outcome(with_claim("nbf", bad)) == reason::invalid_claim);
  }
  for (const std::string bad : {"42", "true", "null", "{\"aud\":\"api\"}", "[\"api\",7]", "[[\"api\"]]"}) {
    INFO("aud: " << bad);
    CHECK(outcome(with_claim("aud", bad), with_audiences({"api"})) == reason::invalid_claim);
  }
  // An array is read element by element as JSON strings: escapes, spaces and an empty array.
  CHECK(outcome(with_claim("aud", R"([ "other" , "ap\u0069" ])"), with_audiences({"api"})) == accepted);
  CHECK(outcome(with_claim("aud", R"(["a\"pi", "api\n"])"), with_audiences({"api"})) ==
        reason::audience_mismatch);
  CHECK(outcome(with_claim("aud", "[]"), with_audiences({"api"})) == reason::audience_mismatch);
  CHECK(outcome(with_claim("aud", R"(["api", "x", 1])"), with_audiences({"api"})) == reason::invalid_claim);
}

TEST_CASE("time_out_of_window: time beyond the tolerance in the past or future, nbf beyond it in the future",
          "[verifier][reasons]") {
  CHECK(outcome(header_of(make_token(alice_key(), "alice", t0 - 21))) == reason::time_out_of_window);
  CHECK(outcome(header_of(make_token(alice_key(), "alice", t0 + 21))) == reason::time_out_of_window);
  CHECK(outcome(header_of(make_token(alice_key(), "alice", t0 - 3600))) == reason::time_out_of_window);

  auto with_nbf = [](std::string nbf) {
    return header_of(token_with_payload(alice_key(), obj({{"username", str("alice")},
                                                          {"time", std::to_string(t0)},
                                                          {"nonce", str("n0nce")},
                                                          {"nbf", std::move(nbf)}})));
  };
  CHECK(outcome(with_nbf(std::to_string(t0 + 21))) == reason::time_out_of_window);
  CHECK(outcome(with_nbf(std::to_string(t0 + 20) + ".5")) == reason::time_out_of_window);
  CHECK(outcome(with_nbf(std::to_string(t0 + 20))) == accepted);
  CHECK(outcome(with_nbf(std::to_string(t0))) == accepted);
  CHECK(outcome(with_nbf(std::to_string(t0 - 1000))) == accepted);
}

TEST_CASE("token exactly tolerance seconds old or ahead is accepted; one second more is rejected",
          "[verifier][window]") {
  CHECK(outcome(header_of(make_token(alice_key(), "alice", t0 - 20))) == accepted);
  CHECK(outcome(header_of(make_token(alice_key(), "alice", t0 + 20))) == accepted);
  CHECK(outcome(header_of(make_token(alice_key(), "alice", t0))) == accepted);
  CHECK(outcome(header_of(make_token(alice_key(), "alice", t0 - 21))) == reason::time_out_of_window);
  CHECK(outcome(header_of(make_token(alice_key(), "alice", t0 + 21))) == reason::time_out_of_window);
}

TEST_CASE("a custom tolerance moves both edges of the window", "[verifier][window]") {
  for (const std::int64_t tol : {0, 5, 300}) {
    INFO("tolerance " << tol);
    ajwt::verifier_options o;
    o.tolerance = tol;
    CHECK(outcome(header_of(make_token(alice_key(), "alice", t0 - tol)), o) == accepted);
    CHECK(outcome(header_of(make_token(alice_key(), "alice", t0 + tol)), o) == accepted);
    CHECK(outcome(header_of(make_token(alice_key(), "alice", t0 - tol - 1)), o) ==
          reason::time_out_of_window);
    CHECK(outcome(header_of(make_token(alice_key(), "alice", t0 + tol + 1)), o) ==
          reason::time_out_of_window);
  }
}

TEST_CASE("the window follows the verifier's clock", "[verifier][window]") {
  world w;
  const auto v = w.make();
  const std::string token = make_token(alice_key(), "alice", t0);
  w.clock.set(t0 + 21);
  CHECK(v.verify_header(header_of(token)).reason() == reason::time_out_of_window);
  w.clock.set(t0 + 20);
  CHECK(v.verify_header(header_of(token)).ok());
}

TEST_CASE("token_expired: exp older than now minus tolerance; exp exactly at the edge is accepted",
          "[verifier][reasons]") {
  auto with_exp = [](std::string exp) {
    return header_of(token_with_payload(alice_key(), obj({{"username", str("alice")},
                                                          {"time", std::to_string(t0)},
                                                          {"nonce", str("n0nce")},
                                                          {"exp", std::move(exp)}})));
  };
  CHECK(outcome(with_exp(std::to_string(t0 - 21))) == reason::token_expired);
  CHECK(outcome(with_exp(std::to_string(t0 - 21) + ".5")) == reason::token_expired);
  CHECK(outcome(with_exp("0")) == reason::token_expired);
  CHECK(outcome(with_exp(std::to_string(t0 - 20))) == accepted);
  CHECK(outcome(with_exp(std::to_string(t0))) == accepted);
  CHECK(outcome(with_exp(std::to_string(t0 + 60) + ".25")) == accepted);
  CHECK(outcome(with_exp("18446744073709551615")) == accepted);
}

TEST_CASE("audience_mismatch: aud naming none of the expected audiences, or aud when none is expected",
          "[verifier][reasons]") {
  auto with_aud = [](std::vector<std::string> auds) {
    auto b = builder(alice_key(), "alice");
    if (auds.size() == 1)
      b.audience(auds.front());
    else
      b.audiences(std::move(auds));
    return header_of(b.token());
  };
  const auto api = with_audiences({"api", "admin"});
  CHECK(outcome(with_aud({"other"}), api) == reason::audience_mismatch);
  CHECK(outcome(with_aud({"API"}), api) == reason::audience_mismatch);  // exact comparison
  CHECK(outcome(with_aud({"x", "y"}), api) == reason::audience_mismatch);
  CHECK(outcome(with_aud({}), api) == reason::audience_mismatch);
  CHECK(outcome(with_aud({"api"}), api) == accepted);
  CHECK(outcome(with_aud({"admin"}), api) == accepted);
  CHECK(outcome(with_aud({"x", "admin"}), api) == accepted);
  // A token meant for some audience is refused by a verifier that expects none (as PyJWT does).
  CHECK(outcome(with_aud({"api"})) == reason::audience_mismatch);
  CHECK(outcome(with_aud({"api"}), with_audiences({"api"}, true)) == accepted);
}

TEST_CASE("nonce_store_unavailable: a store that cannot answer or throws fails closed",
          "[verifier][reasons]") {
  world w;
  const std::string header = header_of(make_token(alice_key(), "alice"));
  SECTION("the store says unavailable") {
    const ajwt::verifier<repository, unavailable_nonce_store, ajwt::fixed_clock> v(w.keys, {}, {}, w.clock);
    const auto r = v.verify_header(header);
    REQUIRE_FALSE(r.ok());
    CHECK(r.reason() == reason::nonce_store_unavailable);
  }
  SECTION("the store throws a std::exception, whose message reaches the detail") {
    const ajwt::verifier<repository, throwing_nonce_store, ajwt::fixed_clock> v(w.keys, {}, {}, w.clock);
    const auto r = v.verify_header(header);
    REQUIRE_FALSE(r.ok());
    CHECK(r.reason() == reason::nonce_store_unavailable);
    CHECK_THAT(r.detail(), Catch::Contains("connection refused"));
  }
  SECTION("the store throws something else") {
    const ajwt::verifier<repository, throwing_int_nonce_store, ajwt::fixed_clock> v(w.keys, {}, {}, w.clock);
    const auto r = v.verify_header(header);
    REQUIRE_FALSE(r.ok());
    CHECK(r.reason() == reason::nonce_store_unavailable);
  }
}

TEST_CASE("nonce_replayed: the same token twice is accepted once", "[verifier][replay]") {
  world w;
  const auto v = w.make();
  const std::string header = header_of(builder(alice_key(), "alice").token());
  const auto first = v.verify_header(header);
  REQUIRE(first.ok());
  const auto second = v.verify_header(header);
  REQUIRE_FALSE(second.ok());
  CHECK(second.reason() == reason::nonce_replayed);
  CHECK(v.verify_header(header).reason() == reason::nonce_replayed);
  // Another verifier sharing the store sees the replay too.
  CHECK(w.make().verify_header(header).reason() == reason::nonce_replayed);
}

TEST_CASE("the same nonce at another time or for another user is a new token", "[verifier][replay]") {
  world w;
  const auto v = w.make();
  CHECK(v.verify_header(header_of(make_token(alice_key(), "alice", t0, "shared-nonce"))).ok());
  CHECK(v.verify_header(header_of(make_token(alice_key(), "alice", t0 + 1, "shared-nonce"))).ok());
  CHECK(v.verify_header(header_of(make_token(mallory_key(), "mallory", t0, "shared-nonce"))).ok());
  CHECK(v.verify_header(header_of(make_token(alice_key(), "multi", t0, "shared-nonce"))).ok());
  CHECK(v.verify_header(header_of(make_token(alice_key(), "alice", t0, "shared-nonce"))).reason() ==
        reason::nonce_replayed);
}

TEST_CASE("a token re-signed with another of the user's keys is the same (user, time, nonce) and is a replay",
          "[verifier][replay]") {
  world w;
  const auto v = w.make();
  CHECK(v.verify_header(header_of(make_token(alice_key(), "alice", t0, "n"))).ok());
  CHECK(v.verify_header(header_of(make_token(alice_second_key(), "alice", t0, "n"))).reason() ==
        reason::nonce_replayed);
}

// ---------------------------------------------------------------------------------------------------------
// Accept paths.

TEST_CASE("each key type and each allowed algorithm is accepted, and the result says what verified it",
          "[verifier][accept]") {
  struct row {
    const ajwt::private_key* key;
    std::string user;
    algorithm alg;
  };
  const std::vector<row> rows = {
      {&rsa_key(), "rsa-user", algorithm::rs256},  {&rsa_key(), "rsa-user", algorithm::rs384},
      {&rsa_key(), "rsa-user", algorithm::rs512},  {&rsa_key(), "rsa-user", algorithm::ps256},
      {&rsa_key(), "rsa-user", algorithm::ps384},  {&rsa_key(), "rsa-user", algorithm::ps512},
      {&p256_key(), "ec-user", algorithm::es256},  {&alice_key(), "alice", algorithm::eddsa},
      {&alice_key(), "alice", algorithm::ed25519},
  };
  world w;
  ajwt::verifier_options o;
  o.algorithms = ajwt::algorithm_set::all();
  const auto v = w.make(o);
  int n = 0;
  for (const auto& row : rows) {
    INFO(row.user << " " << ajwt::to_string(row.alg));
    const std::string nonce = "nonce-" + std::to_string(n++);
    const std::string token = builder(*row.key, row.user).algorithm(row.alg).nonce(nonce).token();
    const auto r = v.verify_header(header_of(token));
    REQUIRE(r.ok());
    CHECK(r->username() == row.user);
    CHECK(r->time() == t0);
    CHECK(r->nonce() == nonce);
    CHECK(r->algorithm() == row.alg);
    CHECK(r->kid() == row.key->kid());
    CHECK(r->key() == row.key->public_part());
  }
  CHECK(w.nonces.records() == static_cast<int>(rows.size()));
}

TEST_CASE("PS256, PS384 and PS512 are accepted only when opted in", "[verifier][accept]") {
  for (const algorithm alg : {algorithm::ps256, algorithm::ps384, algorithm::ps512}) {
    INFO(ajwt::to_string(alg));
    const std::string header = header_of(builder(rsa_key(), "rsa-user").algorithm(alg).token());
    CHECK(outcome(header) == reason::unsupported_algorithm);
    ajwt::verifier_options o;
    o.algorithms.insert(alg);
    CHECK(outcome(header, o) == accepted);
  }
}

TEST_CASE("the default allow-list accepts what the Python library sends plus ES256 and Ed25519",
          "[verifier][accept]") {
  CHECK(outcome(header_of(builder(rsa_key(), "rsa-user").token())) == accepted);  // RS512
  CHECK(outcome(header_of(builder(rsa_key(), "rsa-user").algorithm(algorithm::rs384).token())) == accepted);
  CHECK(outcome(header_of(builder(rsa_key(), "rsa-user").algorithm(algorithm::rs256).token())) == accepted);
  CHECK(outcome(header_of(builder(alice_key(), "alice").token())) == accepted);  // EdDSA
  CHECK(outcome(header_of(builder(alice_key(), "alice").algorithm(algorithm::ed25519).token())) == accepted);
  CHECK(outcome(header_of(builder(p256_key(), "ec-user").token())) == accepted);  // ES256
}

TEST_CASE("a user with several keys of mixed types can sign with any of them", "[verifier][accept]") {
  world w;
  const auto v = w.make();
  int n = 0;
  for (const ajwt::private_key* key : {&rsa_key(), &alice_key(), &p256_key()}) {
    INFO(ajwt::to_string(key->type()));
    const auto r =
        v.verify_header(header_of(builder(*key, "multi").nonce("m" + std::to_string(n++)).token()));
    REQUIRE(r.ok());
    CHECK(r->username() == "multi");
    CHECK(r->key() == key->public_part());
  }
}

TEST_CASE("the kid picks the key; a missing or unknown kid still verifies with the right key",
          "[verifier][accept][kid]") {
  const std::string claims = std_claims("alice", t0, "n0nce");
  auto with_kid = [&](const ajwt::private_key& key, std::optional<std::string> kid) {
    const std::string header = kid ? obj({{"alg", str("EdDSA")}, {"kid", str(*kid)}, {"typ", str("JWT")}})
                                   : obj({{"alg", str("EdDSA")}, {"typ", str("JWT")}});
    return header_of(sign_raw(key, algorithm::eddsa, header, claims));
  };
  auto check_verified_by = [&](const std::string& header, const ajwt::private_key& key) {
    world fresh;
    const auto r = fresh.make().verify_header(header);
    REQUIRE(r.ok());
    CHECK(r->key() == key.public_part());
  };
  SECTION("kid absent") {
    check_verified_by(with_kid(alice_key(), std::nullopt), alice_key());
    check_verified_by(with_kid(alice_second_key(), std::nullopt), alice_second_key());
  }
  SECTION("kid naming no key") {
    check_verified_by(with_kid(alice_second_key(), std::string("no-such-key")), alice_second_key());
    check_verified_by(with_kid(alice_second_key(), std::string()), alice_second_key());
  }
  SECTION("kid naming the user's other key: that key alone is tried, so the token is refused") {
    world fresh;
    const auto r = fresh.make().verify_header(with_kid(alice_second_key(), alice_key().kid()));
    REQUIRE_FALSE(r.ok());
    CHECK(r.reason() == reason::bad_signature);
    CHECK_THAT(r.detail(), Catch::Contains("the key the kid names"));
  }
  SECTION("kid equal to the fingerprint (the Python library's kid)") {
    check_verified_by(with_kid(alice_second_key(), alice_second_key().kid()), alice_second_key());
  }
  SECTION("kid equal to the RFC 7638 thumbprint") {
    const std::string thumbprint = alice_second_key().public_part().thumbprint();
    REQUIRE(thumbprint != alice_second_key().kid());
    check_verified_by(with_kid(alice_second_key(), thumbprint), alice_second_key());
  }
  SECTION("kid equal to the kid the key was published with in a JWK") {
    auto jwk = alice_second_key().public_part().to_jwk();
    jwk["kid"] = "alice-2024-rotation";
    world custom;
    custom.keys.set_keys("alice", {alice_key().public_part(), ajwt::public_key::from_jwk(jwk)});
    const auto r =
        custom.make().verify_header(with_kid(alice_second_key(), std::string("alice-2024-rotation")));
    REQUIRE(r.ok());
    CHECK(r->key() == alice_second_key().public_part());
    CHECK(r->kid() == "alice-2024-rotation");
  }
}

namespace {
struct app_user {
  int id = 0;
  std::string role;
};
}  // namespace

TEST_CASE("the user object set in the repository comes back in the verified token", "[verifier][accept]") {
  ajwt::static_key_repository<app_user> keys;
  keys.add("alice", alice_key().public_part());
  keys.set_user("alice", app_user{42, "admin"});
  keys.add("mallory", mallory_key().public_part());
  ajwt::fixed_clock clock(t0);
  const ajwt::verifier<ajwt::static_key_repository<app_user>, ajwt::memory_nonce_store, ajwt::fixed_clock> v(
      keys, {}, {}, clock);
  STATIC_REQUIRE(std::is_same_v<decltype(v.verify_header(""))::value_type, ajwt::verified_token<app_user>>);
  const auto r = v.verify_header(header_of(builder(alice_key(), "alice").token()));
  REQUIRE(r.ok());
  CHECK(r->user().id == 42);
  CHECK(r->user().role == "admin");
  const auto m = v.verify_header(header_of(builder(mallory_key(), "mallory").token()));
  REQUIRE(m.ok());
  CHECK(m->user().id == 0);  // no user object set: a default one
  CHECK(m->user().role.empty());
}

TEST_CASE("extra claims are visible through claims() after verification", "[verifier][accept]") {
  world w;
  const auto v = w.make();
  auto b = builder(alice_key(), "alice");
  b.claim("role", "deployer").claim("scopes", nlohmann::json::array({"read", "write"})).claim("n", 7);
  const auto r = v.verify_header(header_of(b.token()));
  REQUIRE(r.ok());
  CHECK(r->claims().at("role") == "deployer");
  CHECK(r->claims().at("scopes") == nlohmann::json::array({"read", "write"}));
  CHECK(r->claims().at("n") == 7);
  CHECK(r->claims().at("username") == "alice");
  CHECK(r->claims().at("time") == t0);
  CHECK(r->claims().at("nonce") == r->nonce());
}

TEST_CASE("verify_token takes the bare token and applies the same checks", "[verifier][accept]") {
  world w;
  const auto v = w.make();
  const std::string token = builder(alice_key(), "alice").token();
  const auto r = v.verify_token(token);
  REQUIRE(r.ok());
  CHECK(r->username() == "alice");
  CHECK(v.verify_token(token).reason() == reason::nonce_replayed);
  CHECK(v.verify_token("JWT " + token).reason() == reason::malformed_token);
  CHECK(v.verify_token(make_token(mallory_key(), "alice")).reason() == reason::bad_signature);
}

// ---------------------------------------------------------------------------------------------------------
// Order guarantees: only a fully checked token reaches the nonce store.

TEST_CASE("a forged, stale, malformed or wrong-claim token never records a nonce", "[verifier][order]") {
  world w;
  const auto v = w.make(with_audiences({"api"}));
  const std::string nonce = "the-real-nonce";
  const std::string genuine = header_of(builder(alice_key(), "alice").nonce(nonce).token());
  const std::string claims_prefix =
      R"({"username":"alice","time":)" + std::to_string(t0) + R"(,"nonce":")" + nonce + "\"";
  const std::vector<std::pair<std::string, std::string>> rejected = {
      {"forged by mallory", header_of(make_token(mallory_key(), "alice", t0, nonce))},
      {"forged by an outsider", header_of(make_token(unregistered_key(), "alice", t0, nonce))},
      {"stale", header_of(make_token(alice_key(), "alice", t0 - 21, nonce))},
      {"from the future", header_of(make_token(alice_key(), "alice", t0 + 21, nonce))},
      {"malformed payload", header_of(token_with_payload(alice_key(), claims_prefix))},
      {"duplicate nonce member",
       header_of(token_with_payload(alice_key(), claims_prefix + ",\"nonce\":\"x\"}"))},
      {"time as float", header_of(token_with_payload(alice_key(), obj({{"username", str("alice")},
                                                                       {"time", std::to_string(t0) + ".0"},
                                                                       {"nonce", str(nonce)}})))},
      {"expired", header_of(token_with_payload(alice_key(), claims_prefix + ",\"exp\":1}"))},
      {"not yet valid", header_of(token_with_payload(
                            alice_key(), claims_prefix + ",\"nbf\":" + std::to_string(t0 + 99) + "}"))},
      {"wrong audience", header_of(token_with_payload(alice_key(), claims_prefix + ",\"aud\":\"other\"}"))},
      {"algorithm not allowed",
       header_of(sign_raw(rsa_key(), algorithm::rs256, std_header(rsa_key(), algorithm::rs256),
                          std_claims("alice", t0, nonce)))},
      {"unknown user", header_of(make_token(alice_key(), "nobody", t0, nonce))},
      {"wrong scheme", "Bearer " + genuine.substr(4)},
  };
  for (const auto& [what, header] : rejected) {
    INFO(what);
    CHECK_FALSE(v.verify_header(header).ok());
  }
  CHECK(w.nonces.records() == 0);
  const auto r = v.verify_header(genuine);
  CHECK(r.ok());
  CHECK(w.nonces.records() == 1);
}

TEST_CASE("after a forged copy with the genuine nonce is rejected, the genuine token is still accepted",
          "[verifier][order]") {
  world w;
  const auto v = w.make();
  const std::string genuine = builder(alice_key(), "alice").nonce("copied-nonce").token();
  // The attacker keeps header and payload and replaces the signature with one of their own.
  const std::string input = genuine.substr(0, genuine.rfind('.'));
  const std::string forged = input + "." + b64url(ajwt::jws::sign(mallory_key(), algorithm::eddsa, input));
  CHECK(v.verify_header(header_of(forged)).reason() == reason::bad_signature);
  CHECK(v.verify_header(header_of(forged)).reason() == reason::bad_signature);
  CHECK(w.nonces.records() == 0);
  CHECK(v.verify_header(header_of(genuine)).ok());
  CHECK(v.verify_header(header_of(genuine)).reason() == reason::nonce_replayed);
}

// ---------------------------------------------------------------------------------------------------------
// Concurrency.

TEST_CASE("8 threads verifying the same 2000 tokens accept each exactly once in total",
          "[verifier][concurrency]") {
  constexpr int token_count = 2000;
  constexpr int thread_count = 8;
  world w;
  const auto v = w.make();
  std::vector<std::string> headers;
  headers.reserve(token_count);
  const auto b = builder(alice_key(), "alice");
  for (int i = 0; i < token_count; ++i) headers.push_back(header_of(b.token()));

  std::vector<std::atomic<int>> accepted(token_count);
  std::atomic<int> other_failures{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      // Each thread walks the tokens from a different starting point, so threads race on every token.
      for (int k = 0; k < token_count; ++k) {
        const int i = (k + t * token_count / thread_count) % token_count;
        const auto r = v.verify_header(headers[static_cast<std::size_t>(i)]);
        if (r.ok())
          ++accepted[static_cast<std::size_t>(i)];
        else if (r.reason() != reason::nonce_replayed)
          ++other_failures;
      }
    });
  }
  go = true;
  for (auto& th : threads) th.join();
  CHECK(other_failures.load() == 0);
  int total = 0;
  int wrong = 0;
  for (const auto& a : accepted) {
    total += a.load();
    if (a.load() != 1) ++wrong;
  }
  CHECK(wrong == 0);
  CHECK(total == token_count);
  CHECK(w.nonces.records() == token_count * thread_count);
}

// ---------------------------------------------------------------------------------------------------------
// The observer.

namespace {
struct seen_event {
  bool accepted;
  std::optional<reason> why;
  std::string detail;
  std::string username;
  std::string kid;
};
}  // namespace

TEST_CASE("the observer is told of every verification, once, with the right fields", "[verifier][observer]") {
  auto events = std::make_shared<std::vector<seen_event>>();
  ajwt::verifier_options o;
  o.observer = [events](const ajwt::verify_event& e) {
    events->push_back(
        {e.accepted, e.why, std::string(e.detail), std::string(e.username), std::string(e.kid)});
  };
  world w;
  const auto v = w.make(o);

  const std::string genuine = header_of(builder(alice_key(), "alice").token());
  REQUIRE(v.verify_header(genuine).ok());
  REQUIRE(events->size() == 1);
  CHECK(events->back().accepted);
  CHECK_FALSE(events->back().why.has_value());
  CHECK(events->back().detail.empty());
  CHECK(events->back().username == "alice");
  CHECK(events->back().kid == alice_key().kid());

  CHECK(v.verify_header(genuine).reason() == reason::nonce_replayed);
  REQUIRE(events->size() == 2);
  CHECK_FALSE(events->back().accepted);
  CHECK(events->back().why == reason::nonce_replayed);
  CHECK(events->back().username == "alice");
  CHECK(events->back().kid == alice_key().kid());

  CHECK(v.verify_header(header_of(make_token(mallory_key(), "alice"))).reason() == reason::bad_signature);
  REQUIRE(events->size() == 3);
  CHECK_FALSE(events->back().accepted);
  CHECK(events->back().why == reason::bad_signature);
  CHECK_FALSE(events->back().detail.empty());
  CHECK(events->back().username == "alice");  // the claimed, unverified name
  CHECK(events->back().kid == mallory_key().kid());

  CHECK(v.verify_header("Bearer abc").reason() == reason::wrong_scheme);
  REQUIRE(events->size() == 4);
  CHECK(events->back().why == reason::wrong_scheme);
  CHECK(events->back().username.empty());
  CHECK(events->back().kid.empty());

  CHECK(v.verify_token("a.b").reason() == reason::malformed_token);
  CHECK(events->size() == 5);

  // Decoding that fails part-way (a header with a kid, then a payload that is not base64url) reports no
  // kid: nothing of a token that did not decode is passed on as if it had been read.
  const std::string token = builder(alice_key(), "alice").token();
  const auto dot1 = token.find('.'), dot2 = token.rfind('.');
  const std::string bad_payload = token.substr(0, dot1 + 1) + "!!!" + token.substr(dot2);
  CHECK(v.verify_token(bad_payload).reason() == reason::malformed_token);
  REQUIRE(events->size() == 6);
  CHECK(events->back().why == reason::malformed_token);
  CHECK(events->back().kid.empty());
  CHECK(events->back().username.empty());
  // A token that decoded and failed a later rule keeps its kid (the key it claims to be signed with).
  const std::string not_object =
      token.substr(0, dot1 + 1) + ajwt::detail::base64url_encode("[1]") + token.substr(dot2);
  CHECK(v.verify_token(not_object).reason() == reason::malformed_token);
  REQUIRE(events->size() == 7);
  CHECK(events->back().detail == "payload is not a JSON object");
  CHECK(events->back().kid == alice_key().kid());
  CHECK(events->back().username.empty());
}

TEST_CASE("an observer that throws does not change the outcome", "[verifier][observer]") {
  auto calls = std::make_shared<std::atomic<int>>(0);
  ajwt::verifier_options o;
  o.observer = [calls](const ajwt::verify_event& e) {
    ++*calls;
    if (e.accepted) throw std::runtime_error("metrics backend down");
    throw 7;
  };
  world w;
  const auto v = w.make(o);
  const std::string genuine = header_of(builder(alice_key(), "alice").token());
  const auto r = v.verify_header(genuine);
  REQUIRE(r.ok());
  CHECK(r->username() == "alice");
  CHECK(v.verify_header(genuine).reason() == reason::nonce_replayed);
  CHECK(v.verify_header("").reason() == reason::malformed_header);
  CHECK(calls->load() == 3);
}

// ---------------------------------------------------------------------------------------------------------
// Custom repositories.

namespace {
/// A repository that fails on every lookup.
struct failing_repository {
  using user_type = ajwt::no_user;
  std::shared_ptr<const ajwt::user_keys<>> find(std::string_view /*username*/,
                                                std::string_view /*kid*/) const {
    throw std::runtime_error("directory unreachable");
  }
};
}  // namespace

TEST_CASE(
    "a key repository that throws makes the token rejected as key_repository_unavailable, without a nonce",
    "[verifier]") {
  counting_nonce_store nonces;
  const ajwt::verifier<failing_repository, counting_nonce_store, ajwt::fixed_clock> v(
      failing_repository{}, {}, nonces, ajwt::fixed_clock(t0));
  const auto r = v.verify_header(header_of(make_token(alice_key(), "alice")));
  REQUIRE_FALSE(r.ok());
  CHECK(r.reason() == reason::key_repository_unavailable);
  CHECK_THAT(r.detail(), Catch::Contains("directory unreachable"));
  CHECK(nonces.records() == 0);
}
