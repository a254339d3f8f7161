// SPDX-License-Identifier: ISC
// Tests of ajwt::token_builder and ajwt::verified_token (include/ajwt/token.hpp): the wire format the
// Python library expects ("JWT <token>", header {"alg","kid","typ"}, claims {"username","time","nonce"}),
// nonces, algorithm choice, extra claims, audiences and the scheme word. Tokens are decoded here with
// the test's own base64url decoder, so the checks do not rely on the library's decoder.
#include "ajwt/token.hpp"

#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

#include <optional>

#include <nlohmann/json.hpp>

#include "ajwt/algorithm.hpp"
#include "ajwt/clock.hpp"
#include "ajwt/error.hpp"
#include "ajwt/jws.hpp"
#include "ajwt/keys.hpp"
#include "ajwt/repository/static.hpp"
#include "ajwt/request.hpp"
#include "ajwt/verifier.hpp"
#include "support.hpp"

namespace {

using ajwt::algorithm;

const ajwt::private_key& ed_key() { return ajwt_test::cached_key("token/ed_key", ajwt::key_type::ed25519); }
const ajwt::private_key& rsa_key() {
  return ajwt_test::cached_key("token/rsa_key", ajwt::key_type::rsa, 2048);
}
const ajwt::private_key& p256_key() {
  return ajwt_test::cached_key("token/p256_key", ajwt::key_type::ec_p256);
}

constexpr std::string_view b64url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Decodes unpadded base64url; fails the test on any other character or a padded form.
std::string b64url_decode(std::string_view in) {
  REQUIRE(in.find_first_not_of(b64url_alphabet) == std::string_view::npos);
  REQUIRE(in.size() % 4 != 1);
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    const auto pos = b64url_alphabet.find(c);
    acc = (acc << 6) | static_cast<std::uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

struct parts {
  std::string header_text;
  std::string payload_text;
  std::string signature;
  std::string signing_input;
  nlohmann::json header;
  nlohmann::json claims;
};

/// Splits a compact token and decodes each part.
parts split(std::string_view token) {
  const auto d1 = token.find('.');
  REQUIRE(d1 != std::string_view::npos);
  const auto d2 = token.find('.', d1 + 1);
  REQUIRE(d2 != std::string_view::npos);
  REQUIRE(token.find('.', d2 + 1) == std::string_view::npos);
  parts p;
  p.header_text = b64url_decode(token.substr(0, d1));
  p.payload_text = b64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  p.signature = b64url_decode(token.substr(d2 + 1));
  p.signing_input = std::string(token.substr(0, d2));
  p.header = nlohmann::json::parse(p.header_text);
  p.claims = nlohmann::json::parse(p.payload_text);
  return p;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  REQUIRE(EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) == 1);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

std::set<std::string> member_names(const nlohmann::json& object) {
  std::set<std::string> names;
  for (const auto& item : object.items()) names.insert(item.key());
  return names;
}

}  // namespace

TEST_CASE("header() is the scheme JWT, one space and a compact token", "[token]") {
  const ajwt::token_builder b(ed_key(), "alice");
  const std::string h = b.header();
  REQUIRE(h.rfind("JWT ", 0) == 0);
  const std::string token = h.substr(4);
  CHECK(token.find_first_of(" \t\r\n=+/") == std::string::npos);
  CHECK(std::count(token.begin(), token.end(), '.') == 2);
  CHECK_NOTHROW(split(token));
}

TEST_CASE(
    "the token header is exactly {\"alg\",\"kid\",\"typ\":\"JWT\"} with kid the SHA-256 of the public PEM",
    "[token]") {
  for (const ajwt::private_key* key : {&ed_key(), &rsa_key(), &p256_key()}) {
    INFO(ajwt::to_string(key->type()));
    const auto p = split(ajwt::token_builder(*key, "alice").token());
    const std::string pem = key->public_part().to_pem();
    REQUIRE(pem.rfind("-----BEGIN PUBLIC KEY-----\n", 0) == 0);
    const std::string kid = sha256_hex(pem);
    CHECK(key->kid() == kid);
    CHECK(member_names(p.header) == std::set<std::string>{"alg", "kid", "typ"});
    CHECK(p.header.at("typ") == "JWT");
    CHECK(p.header.at("kid") == kid);
    CHECK(p.header.at("alg") == std::string(ajwt::to_string(key->default_algorithm())));
    // The exact bytes PyJWT writes (sorted keys, no spaces), so both libraries produce the same header.
    CHECK(p.header_text == R"({"alg":")" + std::string(ajwt::to_string(key->default_algorithm())) +
                               R"(","kid":")" + kid + R"(","typ":"JWT"})");
  }
}

TEST_CASE("each key type signs with the Python library's default algorithm", "[token]") {
  CHECK(split(ajwt::token_builder(rsa_key(), "u").token()).header.at("alg") == "RS512");
  CHECK(split(ajwt::token_builder(ed_key(), "u").token()).header.at("alg") == "EdDSA");
  CHECK(split(ajwt::token_builder(p256_key(), "u").token()).header.at("alg") == "ES256");
  CHECK(ajwt::token_builder(rsa_key(), "u").algorithm() == algorithm::rs512);
}

TEST_CASE("the claims are username, time (now, an integer) and nonce, and nothing else", "[token]") {
  const std::int64_t before = ajwt::system_clock().now();
  const auto p = split(ajwt::token_builder(ed_key(), "alice").token());
  const std::int64_t after = ajwt::system_clock().now();
  CHECK(member_names(p.claims) == std::set<std::string>{"username", "time", "nonce"});
  CHECK(p.claims.at("username") == "alice");
  REQUIRE(p.claims.at("time").is_number_integer());
  CHECK(p.claims.at("time").get<std::int64_t>() >= before);
  CHECK(p.claims.at("time").get<std::int64_t>() <= after);
  CHECK(p.claims.at("nonce").is_string());
}

TEST_CASE("the signature verifies over header.payload with the key's public half", "[token]") {
  for (const ajwt::private_key* key : {&ed_key(), &rsa_key(), &p256_key()}) {
    INFO(ajwt::to_string(key->type()));
    const std::string token = ajwt::token_builder(*key, "alice").token();
    const auto p = split(token);
    CHECK(ajwt::jws::verify(key->public_part(), key->default_algorithm(), p.signing_input, p.signature));
    const auto payload = ajwt::jws::verify_compact(token, key->public_part());
    REQUIRE(payload.ok());
    CHECK(*payload == p.payload_text);
  }
}

TEST_CASE("a nonce is 11 base64url characters (8 random bytes) and 1000 of them are all different",
          "[token]") {
  const ajwt::token_builder b(ed_key(), "alice");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string nonce = split(b.token()).claims.at("nonce").get<std::string>();
    REQUIRE(nonce.size() == 11);
    REQUIRE(nonce.find_first_not_of(b64url_alphabet) == std::string::npos);
    CHECK(b64url_decode(nonce).size() == 8);
    seen.insert(nonce);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("generate_nonce makes base64url nonces of 8 to 64 random bytes", "[token]") {
  CHECK(ajwt::generate_nonce().size() == 11);
  CHECK(ajwt::generate_nonce(16).size() == 22);
  CHECK(ajwt::generate_nonce(64).size() == 86);
  CHECK(ajwt::generate_nonce() != ajwt::generate_nonce());
  CHECK_THROWS_AS(ajwt::generate_nonce(7), ajwt::config_error);
  CHECK_THROWS_AS(ajwt::generate_nonce(0), ajwt::config_error);
  CHECK_THROWS_AS(ajwt::generate_nonce(65), ajwt::config_error);
}

TEST_CASE("every token() call makes a new token", "[token]") {
  ajwt::token_builder b(ed_key(), "alice");
  b.time(1'700'000'000);
  CHECK(b.token() != b.token());
  CHECK(b.header() != b.header());
}

TEST_CASE("time() and nonce() fix the claims; a fixed nonce must not be empty", "[token]") {
  ajwt::token_builder b(ed_key(), "alice");
  b.time(1'234'567'890).nonce("fixed-nonce");
  const auto p = split(b.token());
  CHECK(p.claims.at("time") == 1'234'567'890);
  CHECK(p.claims.at("nonce") == "fixed-nonce");
  CHECK(split(b.token()).claims == p.claims);
  CHECK_THROWS_AS(b.nonce(""), ajwt::config_error);
}

TEST_CASE("algorithm() overrides the default within the key's type", "[token]") {
  for (const algorithm alg : {algorithm::rs256, algorithm::rs384, algorithm::rs512, algorithm::ps256,
                              algorithm::ps384, algorithm::ps512}) {
    INFO(ajwt::to_string(alg));
    ajwt::token_builder b(rsa_key(), "alice");
    b.algorithm(alg);
    CHECK(b.algorithm() == alg);
    const auto p = split(b.token());
    CHECK(p.header.at("alg") == std::string(ajwt::to_string(alg)));
    CHECK(ajwt::jws::verify(rsa_key().public_part(), alg, p.signing_input, p.signature));
  }
  ajwt::token_builder b(ed_key(), "alice");
  b.algorithm(algorithm::ed25519);
  const auto p = split(b.token());
  CHECK(p.header.at("alg") == "Ed25519");
  CHECK(ajwt::jws::verify(ed_key().public_part(), algorithm::ed25519, p.signing_input, p.signature));
}

TEST_CASE("an algorithm the key cannot sign with throws key_error and leaves the builder unchanged",
          "[token]") {
  ajwt::token_builder ed(ed_key(), "alice");
  CHECK_THROWS_AS(ed.algorithm(algorithm::rs256), ajwt::key_error);
  CHECK_THROWS_AS(ed.algorithm(algorithm::es256), ajwt::key_error);
  CHECK(ed.algorithm() == algorithm::eddsa);
  ajwt::token_builder rsa(rsa_key(), "alice");
  CHECK_THROWS_AS(rsa.algorithm(algorithm::eddsa), ajwt::key_error);
  CHECK_THROWS_AS(rsa.algorithm(algorithm::es256), ajwt::key_error);
  CHECK(rsa.algorithm() == algorithm::rs512);
  ajwt::token_builder ec(p256_key(), "alice");
  CHECK_THROWS_AS(ec.algorithm(algorithm::rs256), ajwt::key_error);
  CHECK_THROWS_AS(ec.algorithm(algorithm::ed25519), ajwt::key_error);
  CHECK(split(ec.token()).header.at("alg") == "ES256");
}

TEST_CASE("claim() adds extension claims but refuses to override username, time or nonce", "[token]") {
  ajwt::token_builder b(ed_key(), "alice");
  for (const char* name : {"username", "time", "nonce"}) {
    INFO(name);
    CHECK_THROWS_AS(b.claim(name, "evil"), ajwt::config_error);
  }
  b.claim("role", "deployer").claim("level", 3).claim("tags", nlohmann::json::array({"a", "b"}));
  auto p = split(b.token());
  CHECK(p.claims.at("username") == "alice");
  CHECK(p.claims.at("role") == "deployer");
  CHECK(p.claims.at("level") == 3);
  CHECK(p.claims.at("tags") == nlohmann::json::array({"a", "b"}));
  b.claim("role", "viewer");  // replacing an extension claim is allowed
  CHECK(split(b.token()).claims.at("role") == "viewer");
  b.remove_claim("role");
  p = split(b.token());
  CHECK_FALSE(p.claims.contains("role"));
  CHECK(p.claims.contains("level"));
}

TEST_CASE("audience() adds aud as a string, audiences() as an array", "[token]") {
  ajwt::token_builder one(ed_key(), "alice");
  one.audience("https://api.example.com");
  CHECK(split(one.token()).claims.at("aud") == "https://api.example.com");
  ajwt::token_builder many(ed_key(), "alice");
  many.audiences({"api", "admin"});
  CHECK(split(many.token()).claims.at("aud") == nlohmann::json::array({"api", "admin"}));
}

TEST_CASE("scheme() changes the header's scheme word and refuses anything but one word", "[token]") {
  ajwt::token_builder b(ed_key(), "alice");
  b.scheme("Token");
  const std::string h = b.header();
  REQUIRE(h.rfind("Token ", 0) == 0);
  CHECK_NOTHROW(split(h.substr(6)));
  CHECK_THROWS_AS(b.scheme(""), ajwt::config_error);
  CHECK_THROWS_AS(b.scheme("JWT x"), ajwt::config_error);
  CHECK_THROWS_AS(b.scheme("JWT\t"), ajwt::config_error);
  CHECK_THROWS_AS(b.scheme("JWT\n"), ajwt::config_error);
  CHECK(b.header().rfind("Token ", 0) == 0);
}

TEST_CASE("an empty username is refused; any other is written as an exact JSON string", "[token]") {
  CHECK_THROWS_AS(ajwt::token_builder(ed_key(), ""), ajwt::config_error);
  const std::string odd = "svc \"billing\" \\ \xc3\xbc \x01 /";
  const auto p = split(ajwt::token_builder(ed_key(), odd).token());
  CHECK(p.claims.at("username") == odd);
  const ajwt::token_builder b(ed_key(), "svc-billing");
  CHECK(b.username() == "svc-billing");
  CHECK(b.key().kid() == ed_key().kid());
}

TEST_CASE("a verified_token can be made only by a verifier", "[token]") {
  using vt = ajwt::verified_token<>;
  STATIC_REQUIRE_FALSE(std::is_default_constructible_v<vt>);
  STATIC_REQUIRE_FALSE(std::is_constructible_v<vt, std::string, std::int64_t, std::string, std::string,
                                               algorithm, ajwt::public_key, std::monostate, nlohmann::json>);
  STATIC_REQUIRE(std::is_copy_constructible_v<vt>);
}

TEST_CASE("lazy claims are parsed on first use, once, and read alike from several threads", "[token]") {
  const ajwt::detail::lazy_json lazy(R"({"role":"deployer","n":[1,2]})");
  std::vector<const nlohmann::json*> seen(4, nullptr);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) threads.emplace_back([&, i] { seen[i] = &lazy.get(); });
  for (auto& t : threads) t.join();
  for (const auto* p : seen) CHECK(p == seen[0]);
  CHECK(lazy.get().at("role") == "deployer");
  const ajwt::detail::lazy_json copy(lazy);  // a copy keeps the parsed value, in its own object
  CHECK(&copy.get() != &lazy.get());
  CHECK(copy.get() == lazy.get());
  ajwt::detail::lazy_json moved(std::move(copy));
  CHECK(moved.get().at("n") == nlohmann::json::array({1, 2}));
}

TEST_CASE("header(request) binds each token to its request and leaves the builder unchanged", "[token]") {
  ajwt::token_builder b(ed_key(), "alice");
  b.bind({"GET", "https://api.example.com/old", std::nullopt, std::nullopt});
  ajwt::http_request post{"POST", "https://API.example.com:443/v1/items?id=7#x", std::string("{\"a\":1}"),
                          std::nullopt};
  const auto claims = split(b.token(post)).claims;
  CHECK(claims.at("htm") == "POST");
  CHECK(claims.at("htu") == "https://api.example.com/v1/items");
  CHECK(claims.at("htq") == ajwt::body_sha256("id=7"));
  CHECK(claims.at("htb") == ajwt::body_sha256("{\"a\":1}"));
  CHECK(split(b.header(post).substr(4)).claims.at("htm") == "POST");
  // The claims bind() set are still the builder's own.
  CHECK(split(b.token()).claims.at("htu") == "https://api.example.com/old");
  CHECK_THROWS_AS(b.header({"GET", "/relative", std::nullopt, std::nullopt}), ajwt::config_error);
}

TEST_CASE("one const token_builder signs requests on many threads, each token bound to its own request",
          "[token]") {
  const ajwt::token_builder b(ed_key(), "alice");
  ajwt::static_key_repository<> keys;
  keys.add("alice", ed_key().public_part());
  ajwt::verifier_options o;
  o.require_binding = true;
  const ajwt::verifier<ajwt::static_key_repository<>> v(keys, o);
  constexpr int threads = 4, per_thread = 40;
  std::atomic<int> accepted{0}, crossed{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const std::string n = std::to_string(t) + "-" + std::to_string(i);
        const ajwt::http_request mine{"POST", "https://api.example.com/items/" + n, "body " + n,
                                      std::nullopt};
        const ajwt::http_request other{"POST", "https://api.example.com/items/" + n, "body x" + n,
                                       std::nullopt};
        const std::string header = b.header(mine);
        if (!v.verify_header(header, other)) ++crossed;  // refused for another body, nonce untouched
        if (v.verify_header(header, mine)) ++accepted;
      }
    });
  }
  for (auto& t : pool) t.join();
  CHECK(accepted == threads * per_thread);
  CHECK(crossed == threads * per_thread);
  CHECK_FALSE(split(b.token()).claims.contains("htm"));
}
