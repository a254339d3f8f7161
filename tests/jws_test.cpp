// SPDX-License-Identifier: ISC
// ajwt::jws: compact JWS signing and verification. Published RFC vectors (tests/data/jose-rfc-vectors.json,
// copied unchanged from the shared vector set), round trips for every algorithm, and every rule of
// jws::decode and jws::verify_compact with the reason it gives. Keys are the committed fixtures of
// tests/data/keys (made by openssl), so no test pays for RSA key generation.
#include "ajwt/jws.hpp"
#include "ajwt/jws_sign.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#ifndef AJWT_TEST_DATA_DIR
#error "AJWT_TEST_DATA_DIR must name tests/data (tests/CMakeLists.txt defines it)"
#endif

namespace {

namespace fs = std::filesystem;
using ajwt::algorithm;
using ajwt::algorithm_set;
using ajwt::private_key;
using ajwt::public_key;
using ajwt::reason;
using ajwt::detail::base64url_encode;
using nlohmann::json;

const fs::path data_dir = fs::path(AJWT_TEST_DATA_DIR);

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) FAIL("cannot read test input " << path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const json& rfc_vector(std::string_view id) {
  static const json doc = json::parse(read_text(data_dir / "jose-rfc-vectors.json"));
  for (const auto& v : doc["vectors"])
    if (v["id"] == id) return v;
  FAIL("no vector " << id << " in tests/data/jose-rfc-vectors.json");
  throw std::logic_error("unreachable");
}

std::string b64d(std::string_view text) {
  std::string out;
  INFO("base64url: " << std::string(text));
  out = ajwt::detail::base64url_decode(text).value();
  return out;
}

/// The fixture keys (tests/data/keys): RSA 2048, Ed25519, P-256, and a second key of each type.
struct fixture_keys {
  private_key rsa = private_key::load_file(data_dir / "keys" / "rsa-2048.pkcs8.pem");
  private_key ed = private_key::load_file(data_dir / "keys" / "ed25519.pkcs8.pem");
  private_key ec = private_key::load_file(data_dir / "keys" / "p256.pkcs8.pem");
  private_key rsa2 = private_key::load_file(data_dir / "kid" / "rsa.pkcs8.pem");
  private_key ed2 = private_key::load_file(data_dir / "kid" / "ed25519.pkcs8.pem");
  private_key ec2 = private_key::load_file(data_dir / "kid" / "p256.pkcs8.pem");

  const private_key& for_alg(algorithm a) const {
    switch (ajwt::required_key_type(a)) {
      case ajwt::key_type::rsa: return rsa;
      case ajwt::key_type::ed25519: return ed;
      case ajwt::key_type::ec_p256: return ec;
    }
    return rsa;
  }
};

const fixture_keys& keys() {
  static const fixture_keys k;
  return k;
}

constexpr algorithm all_algorithms[] = {algorithm::rs256, algorithm::rs384, algorithm::rs512,
                                        algorithm::ps256, algorithm::ps384, algorithm::ps512,
                                        algorithm::es256, algorithm::eddsa, algorithm::ed25519};

/// A compact JWS from raw parts, each base64url-encoded here.
std::string make_token(std::string_view header, std::string_view payload, std::string_view signature) {
  return base64url_encode(header) + "." + base64url_encode(payload) + "." + base64url_encode(signature);
}

/// A compact JWS whose header is exactly `header` (not re-serialized), correctly signed by `key` with `alg`.
std::string signed_token(const private_key& key, algorithm alg, std::string_view header,
                         std::string_view payload) {
  const std::string input = base64url_encode(header) + "." + base64url_encode(payload);
  return input + "." + base64url_encode(ajwt::jws::sign(key, alg, input));
}

/// Requires decode to fail with `why`; returns the detail.
std::string decode_failure(std::string_view token, reason why,
                           std::size_t max_bytes = ajwt::default_max_token_bytes) {
  const auto r = ajwt::jws::decode(token, max_bytes);
  INFO("token: " << std::string(token.substr(0, 200)));
  REQUIRE_FALSE(r.ok());
  INFO("detail: " << r.detail());
  CHECK(r.reason() == why);
  CHECK_FALSE(r.detail().empty());
  return r.detail();
}

/// Requires verify_compact to fail with `why`; returns the detail.
std::string verify_failure(std::string_view token, const public_key& key, reason why,
                           algorithm_set allowed = algorithm_set::all()) {
  const auto r = ajwt::jws::verify_compact(token, key, allowed);
  INFO("token: " << std::string(token.substr(0, 200)));
  REQUIRE_FALSE(r.ok());
  INFO("detail: " << r.detail());
  CHECK(r.reason() == why);
  return r.detail();
}

std::string header_for(algorithm a) { return "{\"alg\":\"" + std::string(to_string(a)) + "\"}"; }

/// The P-256 group order n, big-endian.
std::string p256_order() {
  return std::string(reinterpret_cast<const char*>(ajwt::detail::p256_order.data()), 32);
}

}  // namespace

static_assert(noexcept(ajwt::jws::decode(std::string_view())), "decode never throws");
static_assert(noexcept(ajwt::jws::verify_compact(std::string_view(), std::declval<const public_key&>())),
              "verify_compact never throws");
static_assert(noexcept(ajwt::jws::verify(std::declval<const public_key&>(), algorithm::rs256,
                                         std::string_view(), std::string_view())),
              "verify never throws");

// ---------------------------------------------------------------------------------------------------------
// RFC vectors.

TEST_CASE("RSA and EdDSA RFC vectors are reproduced byte for byte by jws::sign", "[jws][rfc]") {
  for (const char* id : {"rfc7515-a2-rs256", "rfc7520-4.1-rs256", "rfc8037-a4-eddsa-ed25519"}) {
    INFO(id);
    const auto& v = rfc_vector(id);
    REQUIRE(v["deterministic"] == true);
    const auto key = private_key::from_jwk(v["jwk_private"]);
    const auto alg = ajwt::parse_algorithm(v["alg"].get<std::string>());
    REQUIRE(alg);
    const std::string sig = ajwt::jws::sign(key, *alg, v["signing_input"].get<std::string>());
    CHECK(base64url_encode(sig) == v["signature_b64"].get<std::string>());
  }
}

TEST_CASE("jws::sign_compact reproduces the RSA and EdDSA RFC tokens exactly", "[jws][rfc]") {
  for (const char* id : {"rfc7515-a2-rs256", "rfc7520-4.1-rs256", "rfc8037-a4-eddsa-ed25519"}) {
    INFO(id);
    const auto& v = rfc_vector(id);
    const auto key = private_key::from_jwk(v["jwk_private"]);
    json header = json::parse(v["protected_header"].get<std::string>());
    const auto alg = ajwt::parse_algorithm(header["alg"].get<std::string>());
    REQUIRE(alg);
    header.erase("alg");  // sign_compact sets it
    const std::string payload = b64d(v["payload_b64"].get<std::string>());
    CHECK(ajwt::jws::sign_compact(key, *alg, header, payload) == v["jws_compact"].get<std::string>());
  }
}

TEST_CASE("every valid RFC vector verifies and returns the payload octets", "[jws][rfc]") {
  // RFC 7515 A.2 has no "typ" and RFC 8037's payload is not JSON: the JWS layer does not care.
  for (const char* id :
       {"rfc7515-a2-rs256", "rfc7515-a3-es256", "rfc7520-4.1-rs256", "rfc8037-a4-eddsa-ed25519"}) {
    INFO(id);
    const auto& v = rfc_vector(id);
    REQUIRE(v["expect"] == "valid");
    const auto key = public_key::from_jwk(v["jwk_public"]);
    const auto r = ajwt::jws::verify_compact(v["jws_compact"].get<std::string>(), key);
    INFO((r.ok() ? std::string() : r.detail()));
    REQUIRE(r.ok());
    CHECK(*r == b64d(v["payload_b64"].get<std::string>()));
    CHECK(*r == v["payload"].get<std::string>());
  }
}

TEST_CASE("the RFC 7515 A.3 ES256 key signs tokens that it verifies", "[jws][rfc]") {
  const auto& v = rfc_vector("rfc7515-a3-es256");
  const auto key = private_key::from_jwk(v["jwk_private"]);
  CHECK(key.public_part() == public_key::from_jwk(v["jwk_public"]));
  const auto token = ajwt::jws::sign_compact(key, algorithm::es256, json::object(), "payload");
  CHECK(ajwt::jws::verify_compact(token, key.public_part()).value() == "payload");
  // ECDSA is randomised: the published signature is not reproduced, but it verifies (above).
  CHECK(token != ajwt::jws::sign_compact(key, algorithm::es256, json::object(), "payload"));
}

TEST_CASE("every RFC vector with a changed last signature character is rejected", "[jws][rfc]") {
  for (const char* id :
       {"rfc7515-a2-rs256-bad-last-sig-char", "rfc7515-a3-es256-bad-last-sig-char",
        "rfc7520-4.1-rs256-bad-last-sig-char", "rfc8037-a4-eddsa-ed25519-bad-last-sig-char"}) {
    INFO(id);
    const auto& v = rfc_vector(id);
    REQUIRE(v["expect"] == "invalid");
    const auto key = public_key::from_jwk(v["jwk_public"]);
    const std::string token = v["jws_compact"];
    // The change keeps the encoding canonical, so decoding succeeds and only the signature fails.
    REQUIRE(ajwt::jws::decode(token).ok());
    verify_failure(token, key, reason::bad_signature);
    verify_failure(token, key, reason::bad_signature, algorithm_set::defaults());
  }
}

TEST_CASE("the ES512 RFC vectors are rejected as unsupported", "[jws][rfc]") {
  for (const char* id : {"rfc7515-a4-es512", "rfc7515-a4-es512-bad-last-sig-char"}) {
    INFO(id);
    const auto& v = rfc_vector(id);
    const auto detail = decode_failure(v["jws_compact"].get<std::string>(), reason::unsupported_algorithm);
    CHECK(detail == "algorithm \"ES512\" is not supported");
    CHECK_THROWS_WITH(public_key::from_jwk(v["jwk_public"]),
                      "JWK: EC curve P-521 is not supported; only P-256 (ES256) is");
  }
}

// ---------------------------------------------------------------------------------------------------------
// Round trips.

TEST_CASE("sign_compact and verify_compact round-trip for every algorithm", "[jws]") {
  for (auto alg : all_algorithms) {
    INFO(to_string(alg));
    const auto& key = keys().for_alg(alg);
    const json header = {{"typ", "JWT"}, {"kid", key.kid()}};
    const std::string payload = R"({"username":"alice","time":1700000000,"nonce":"n"})";
    const std::string token = ajwt::jws::sign_compact(key, alg, header, payload);
    const auto r = ajwt::jws::verify_compact(token, key.public_part(), algorithm_set::all());
    INFO((r.ok() ? std::string() : r.detail()));
    REQUIRE(r.ok());
    CHECK(*r == payload);

    const auto d = ajwt::jws::decode(token);
    REQUIRE(d.ok());
    CHECK(d->alg == alg);
    CHECK(d->kid == key.kid());
    CHECK(d->header == json{{"alg", std::string(to_string(alg))}, {"typ", "JWT"}, {"kid", key.kid()}});
    CHECK(d->payload == payload);
    CHECK(d->signing_input == token.substr(0, token.rfind('.')));
    const std::size_t expected_sig = ajwt::required_key_type(alg) == ajwt::key_type::rsa ? 256 : 64;
    CHECK(d->signature.size() == expected_sig);
    // Verified by another key of the same type, it fails.
    const auto& other = alg == algorithm::es256                                   ? keys().ec2
                        : ajwt::required_key_type(alg) == ajwt::key_type::ed25519 ? keys().ed2
                                                                                  : keys().rsa2;
    verify_failure(token, other.public_part(), reason::bad_signature);
  }
}

TEST_CASE("RSASSA-PKCS1-v1_5 and EdDSA signatures are deterministic, PSS and ECDSA ones are not", "[jws]") {
  for (auto alg : all_algorithms) {
    INFO(to_string(alg));
    const auto& key = keys().for_alg(alg);
    const auto a = ajwt::jws::sign(key, alg, "input");
    const auto b = ajwt::jws::sign(key, alg, "input");
    const bool randomised = alg == algorithm::es256 || alg == algorithm::ps256 || alg == algorithm::ps384 ||
                            alg == algorithm::ps512;
    CHECK((a != b) == randomised);
    CHECK(ajwt::jws::verify(key.public_part(), alg, "input", a));
    CHECK(ajwt::jws::verify(key.public_part(), alg, "input", b));
  }
}

TEST_CASE("EdDSA and Ed25519 name one signature over the same input", "[jws]") {
  const auto& key = keys().ed;
  const auto sig = ajwt::jws::sign(key, algorithm::eddsa, "input");
  CHECK(sig == ajwt::jws::sign(key, algorithm::ed25519, "input"));
  CHECK(ajwt::jws::verify(key.public_part(), algorithm::ed25519, "input", sig));
}

TEST_CASE("an empty payload signs and verifies", "[jws]") {
  const auto token = ajwt::jws::sign_compact(keys().ed, algorithm::eddsa, json::object(), "");
  CHECK(token.find("..") != std::string::npos);
  const auto r = ajwt::jws::verify_compact(token, keys().ed.public_part());
  REQUIRE(r.ok());
  CHECK(r->empty());
}

TEST_CASE("the signature covers the header and payload text as received", "[jws]") {
  const auto& key = keys().ec;
  // A header with spaces is not re-serialized before verification.
  const auto token = signed_token(key, algorithm::es256, "{ \"alg\" : \"ES256\" }", "{\"a\": 1}");
  REQUIRE(ajwt::jws::verify_compact(token, key.public_part()).ok());
  CHECK(*ajwt::jws::verify_compact(token, key.public_part()) == "{\"a\": 1}");
  // The same JSON values, serialized differently, do not carry the signature over.
  const auto d = ajwt::jws::decode(token);
  REQUIRE(d.ok());
  const auto reencoded = base64url_encode("{\"alg\":\"ES256\"}") + "." + base64url_encode("{\"a\":1}") + "." +
                         base64url_encode(d->signature);
  verify_failure(reencoded, key.public_part(), reason::bad_signature);
}

TEST_CASE("a changed header or payload fails the signature", "[jws]") {
  for (auto alg : {algorithm::rs256, algorithm::es256, algorithm::eddsa}) {
    INFO(to_string(alg));
    const auto& key = keys().for_alg(alg);
    const auto token = ajwt::jws::sign_compact(key, alg, json::object(), "{\"username\":\"alice\"}");
    const auto dot1 = token.find('.');
    const auto dot2 = token.rfind('.');
    const auto other_payload =
        token.substr(0, dot1 + 1) + base64url_encode("{\"username\":\"mallory\"}") + token.substr(dot2);
    verify_failure(other_payload, key.public_part(), reason::bad_signature);
    json other_header = {{"alg", std::string(to_string(alg))}, {"typ", "JWT"}};
    const auto other_head = base64url_encode(other_header.dump()) + token.substr(dot1);
    verify_failure(other_head, key.public_part(), reason::bad_signature);
  }
}

TEST_CASE("an RSA signature relabelled with another RSA algorithm fails", "[jws]") {
  const auto& key = keys().rsa;
  const std::string payload = "p";
  const auto rs256 =
      ajwt::jws::sign(key, algorithm::rs256,
                      base64url_encode(header_for(algorithm::rs512)) + "." + base64url_encode(payload));
  const auto token = make_token(header_for(algorithm::rs512), payload, rs256);
  verify_failure(token, key.public_part(), reason::bad_signature);
  const auto ps =
      ajwt::jws::sign(key, algorithm::ps256,
                      base64url_encode(header_for(algorithm::rs256)) + "." + base64url_encode(payload));
  verify_failure(make_token(header_for(algorithm::rs256), payload, ps), key.public_part(),
                 reason::bad_signature);
}

TEST_CASE("a PSS signature whose salt is not the hash length is rejected", "[jws]") {
  // RFC 7518 section 3.5: the salt length equals the hash output length. Sign with salt length 0 directly.
  const auto& key = keys().rsa;
  const std::string input = base64url_encode(header_for(algorithm::ps256)) + "." + base64url_encode("p");
  auto sign_with_salt = [&](int salt) {
    ajwt::detail::md_ctx_ptr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    REQUIRE(EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.native_handle()) == 1);
    REQUIRE(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1);
    REQUIRE(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) == 1);
    std::size_t len = 0;
    REQUIRE(EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                           input.size()) == 1);
    std::string sig(len, '\0');
    REQUIRE(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1);
    sig.resize(len);
    return sig;
  };
  CHECK(ajwt::jws::verify(key.public_part(), algorithm::ps256, input, sign_with_salt(32)));
  CHECK_FALSE(ajwt::jws::verify(key.public_part(), algorithm::ps256, input, sign_with_salt(0)));
  CHECK_FALSE(ajwt::jws::verify(key.public_part(), algorithm::ps256, input, sign_with_salt(64)));
}

TEST_CASE("jws::sign refuses an algorithm the key type cannot sign", "[jws]") {
  CHECK_THROWS_AS(ajwt::jws::sign(keys().rsa, algorithm::es256, "x"), ajwt::key_error);
  CHECK_THROWS_WITH(ajwt::jws::sign(keys().rsa, algorithm::eddsa, "x"),
                    "signing key: a rsa key cannot sign EdDSA");
  CHECK_THROWS_WITH(ajwt::jws::sign(keys().ec, algorithm::rs256, "x"),
                    "signing key: a ec-p256 key cannot sign RS256");
  CHECK_THROWS_WITH(ajwt::jws::sign(keys().ed, algorithm::es256, "x"),
                    "signing key: a ed25519 key cannot sign ES256");
  CHECK_THROWS_AS(ajwt::jws::sign_compact(keys().ed, algorithm::eddsa, json::array(), "x"),
                  ajwt::config_error);
}

// ---------------------------------------------------------------------------------------------------------
// Algorithms.

TEST_CASE("alg none in any spelling is an unsupported algorithm", "[jws][alg]") {
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    INFO(alg);
    const auto token = make_token(std::string("{\"alg\":\"") + alg + "\"}", "{}", "");
    // The header is judged first, so the verdict names the algorithm with or without signature bytes.
    CHECK(decode_failure(token, reason::unsupported_algorithm) ==
          std::string("algorithm \"") + alg + "\" is not supported");
    const auto with_sig = make_token(std::string("{\"alg\":\"") + alg + "\"}", "{}", "x");
    CHECK(decode_failure(with_sig, reason::unsupported_algorithm) ==
          std::string("algorithm \"") + alg + "\" is not supported");
    verify_failure(with_sig, keys().rsa.public_part(), reason::unsupported_algorithm);
  }
}

TEST_CASE("HMAC algorithms are unsupported, even over a key's public bytes", "[jws][alg]") {
  // The classic confusion: HS256 with the RSA public key as the HMAC secret.
  const auto& pub = keys().rsa.public_part();
  for (const char* alg : {"HS256", "HS384", "HS512"}) {
    INFO(alg);
    const std::string header = std::string("{\"alg\":\"") + alg + "\"}";
    const std::string input = base64url_encode(header) + "." + base64url_encode("{}");
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    REQUIRE(HMAC(EVP_sha256(), pub.to_pem().data(), static_cast<int>(pub.to_pem().size()),
                 reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
                 &mac_len) != nullptr);
    const std::string token =
        input + "." + base64url_encode(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
    decode_failure(token, reason::unsupported_algorithm);
    verify_failure(token, pub, reason::unsupported_algorithm);
  }
}

TEST_CASE("unknown and wrongly-cased algorithm names are unsupported", "[jws][alg]") {
  for (const char* alg : {"XYZ", "rs256", "Rs256", "ES512", "ES384", "PS1024", "EDDSA", "eddsa", "ed25519",
                          "RSA1_5", "", "RS256 ", " RS256", "RS256\\u0000"}) {
    INFO(alg);
    decode_failure(make_token(std::string("{\"alg\":\"") + alg + "\"}", "{}", "sig"),
                   reason::unsupported_algorithm);
  }
}

TEST_CASE("an alg that is missing or not a string is a malformed token", "[jws][alg]") {
  CHECK(decode_failure(make_token("{}", "{}", "sig"), reason::malformed_token) == "header has no \"alg\"");
  CHECK(decode_failure(make_token("{\"typ\":\"JWT\"}", "{}", "sig"), reason::malformed_token) ==
        "header has no \"alg\"");
  for (const char* alg : {"256", "null", "true", "[\"RS256\"]", "{\"name\":\"RS256\"}"}) {
    INFO(alg);
    CHECK(decode_failure(make_token(std::string("{\"alg\":") + alg + "}", "{}", "sig"),
                         reason::malformed_token) == "header \"alg\" is not a string");
  }
}

TEST_CASE("an RSA key does not verify an EdDSA-labelled token", "[jws][alg]") {
  const auto token = ajwt::jws::sign_compact(keys().ed, algorithm::eddsa, json::object(), "p");
  CHECK(verify_failure(token, keys().rsa.public_part(), reason::unsupported_algorithm) ==
        "algorithm EdDSA is not allowed for this rsa key");
  CHECK_FALSE(ajwt::jws::verify(keys().rsa.public_part(), algorithm::eddsa, "x", std::string(256, 'x')));
}

TEST_CASE("every key type refuses the algorithms of the other types", "[jws][alg]") {
  for (auto alg : all_algorithms) {
    const auto token = ajwt::jws::sign_compact(keys().for_alg(alg), alg, json::object(), "p");
    for (const auto* key : {&keys().rsa, &keys().ed, &keys().ec}) {
      if (key->type() == ajwt::required_key_type(alg)) continue;
      INFO(to_string(alg) << " token, " << to_string(key->type()) << " key");
      verify_failure(token, key->public_part(), reason::unsupported_algorithm);
    }
  }
}

TEST_CASE("an algorithm missing from the allow-list is refused", "[jws][alg]") {
  const auto& key = keys().rsa;
  const auto rs256 = ajwt::jws::sign_compact(key, algorithm::rs256, json::object(), "p");
  verify_failure(rs256, key.public_part(), reason::unsupported_algorithm, algorithm_set{algorithm::rs512});
  verify_failure(rs256, key.public_part(), reason::unsupported_algorithm, algorithm_set{});
  CHECK(ajwt::jws::verify_compact(rs256, key.public_part(), algorithm_set{algorithm::rs256}).ok());
  // PSS is opt-in: not in the defaults.
  const auto ps256 = ajwt::jws::sign_compact(key, algorithm::ps256, json::object(), "p");
  CHECK(verify_failure(ps256, key.public_part(), reason::unsupported_algorithm, algorithm_set::defaults()) ==
        "algorithm PS256 is not allowed for this rsa key");
  CHECK(
      ajwt::jws::verify_compact(ps256, key.public_part(), algorithm_set::defaults().insert(algorithm::ps256))
          .ok());
}

TEST_CASE("a key from a JWK with alg verifies that algorithm only", "[jws][alg]") {
  json jwk = keys().rsa.public_part().to_jwk();
  jwk["alg"] = "RS256";
  const auto pinned = public_key::from_jwk(jwk);
  const auto rs256 = ajwt::jws::sign_compact(keys().rsa, algorithm::rs256, json::object(), "p");
  const auto rs512 = ajwt::jws::sign_compact(keys().rsa, algorithm::rs512, json::object(), "p");
  CHECK(ajwt::jws::verify_compact(rs256, pinned).ok());
  verify_failure(rs512, pinned, reason::unsupported_algorithm);
}

// ---------------------------------------------------------------------------------------------------------
// Forbidden header members.

TEST_CASE("a crit header is a malformed token, whatever it lists", "[jws][header]") {
  for (const char* crit : {"[\"exp\"]", "[]", "[\"b64\"]", "null"}) {
    INFO(crit);
    const auto token = signed_token(keys().ec, algorithm::es256,
                                    std::string("{\"alg\":\"ES256\",\"crit\":") + crit + "}", "{}");
    CHECK(decode_failure(token, reason::malformed_token) ==
          "header \"crit\" names extensions ajwt does not understand");
    verify_failure(token, keys().ec.public_part(), reason::malformed_token);
  }
}

TEST_CASE("a b64 header is a malformed token, true or false", "[jws][header]") {
  for (const char* b64 : {"true", "false"}) {
    INFO(b64);
    const auto token = signed_token(keys().ec, algorithm::es256,
                                    std::string("{\"alg\":\"ES256\",\"b64\":") + b64 + "}", "{}");
    CHECK(decode_failure(token, reason::malformed_token) == "header \"b64\" (RFC 7797) is not accepted");
  }
}

TEST_CASE("jwk, jku, x5u and x5c headers are malformed tokens: keys never come from the token",
          "[jws][header]") {
  const std::string jwk = keys().ec.public_part().to_jwk().dump();
  const std::pair<const char*, std::string> members[] = {{"jwk", jwk},
                                                         {"jku", "\"https://attacker.example/jwks.json\""},
                                                         {"x5u", "\"https://attacker.example/c.pem\""},
                                                         {"x5c", "[\"MIIB\"]"}};
  for (const auto& [name, value] : members) {
    INFO(name);
    const auto token = signed_token(keys().ec, algorithm::es256,
                                    std::string("{\"alg\":\"ES256\",\"") + name + "\":" + value + "}", "{}");
    CHECK(decode_failure(token, reason::malformed_token) ==
          std::string("header \"") + name + "\" is not accepted: keys never come from the token");
    verify_failure(token, keys().ec.public_part(), reason::malformed_token);
  }
}

TEST_CASE("a kid that is not a string or longer than 256 bytes is a malformed token", "[jws][header]") {
  for (const char* kid : {"1", "null", "[]", "{}", "true"}) {
    INFO(kid);
    CHECK(decode_failure(make_token(std::string("{\"alg\":\"ES256\",\"kid\":") + kid + "}", "{}", "s"),
                         reason::malformed_token) == "header \"kid\" is not a string");
  }
  const std::string at_limit(ajwt::max_kid_bytes, 'k');
  REQUIRE(ajwt::max_kid_bytes == 256);
  const auto ok =
      ajwt::jws::decode(make_token("{\"alg\":\"ES256\",\"kid\":\"" + at_limit + "\"}", "{}", "s"));
  REQUIRE(ok.ok());
  CHECK(ok->kid == at_limit);
  CHECK(decode_failure(make_token("{\"alg\":\"ES256\",\"kid\":\"" + at_limit + "k\"}", "{}", "s"),
                       reason::malformed_token) == "header \"kid\" is longer than 256 bytes");
  // The limit counts bytes, not characters.
  std::string multibyte;
  for (int i = 0; i < 129; ++i) multibyte += "\xc3\xa9";
  decode_failure(make_token("{\"alg\":\"ES256\",\"kid\":\"" + multibyte + "\"}", "{}", "s"),
                 reason::malformed_token);
}

TEST_CASE("a header that is not a strict JSON object is a malformed token", "[jws][header]") {
  for (const char* header : {"[]", "\"RS256\"", "1", "null", "[{\"alg\":\"RS256\"}]"}) {
    INFO(header);
    CHECK(decode_failure(make_token(header, "{}", "s"), reason::malformed_token) ==
          "header is not a JSON object");
  }
  for (const char* header : {"{", "{\"alg\":\"RS256\"", "{\"alg\":\"RS256\"} x", "{'alg':'RS256'}",
                             "{\"alg\":\"RS256\",}", "{\"alg\":\"RS\xff\"}", " "}) {
    INFO(header);
    CHECK_THAT(decode_failure(make_token(header, "{}", "s"), reason::malformed_token),
               Catch::StartsWith("header: invalid JSON"));
  }
  CHECK(decode_failure(make_token(std::string("{\"alg\":\"RS256\"}\0x", 17), "{}", "s"),
                       reason::malformed_token) == "header: invalid JSON at byte 16: NUL byte");
}

TEST_CASE("a header with a duplicate member name is a malformed token", "[jws][header]") {
  // Two parsers could pick different algs: refuse both the late and the nested duplicate.
  CHECK(decode_failure(make_token("{\"alg\":\"ES256\",\"alg\":\"none\"}", "{}", "s"),
                       reason::malformed_token) == "header: duplicate member name \"alg\"");
  CHECK(decode_failure(make_token("{\"alg\":\"ES256\",\"kid\":\"a\",\"kid\":\"b\"}", "{}", "s"),
                       reason::malformed_token) == "header: duplicate member name \"kid\"");
  CHECK(decode_failure(make_token("{\"alg\":\"ES256\",\"x\":{\"y\":1,\"y\":2}}", "{}", "s"),
                       reason::malformed_token) == "header: duplicate member name \"y\"");
  // Signed correctly, still refused.
  const auto token = signed_token(keys().ec, algorithm::es256, "{\"alg\":\"ES256\",\"alg\":\"ES256\"}", "{}");
  verify_failure(token, keys().ec.public_part(), reason::malformed_token);
}

// ---------------------------------------------------------------------------------------------------------
// Structure and encoding.

TEST_CASE("a token without exactly three segments is malformed", "[jws][structure]") {
  const auto good = ajwt::jws::sign_compact(keys().ec, algorithm::es256, json::object(), "{}");
  const std::string expected = "a compact JWS has exactly three dot-separated segments";
  CHECK(decode_failure("", reason::malformed_token) == expected);
  CHECK(decode_failure("abc", reason::malformed_token) == expected);
  CHECK(decode_failure(good.substr(0, good.rfind('.')), reason::malformed_token) ==
        expected);  // two segments
  CHECK(decode_failure(good + ".", reason::malformed_token) == expected);
  CHECK(decode_failure(good + ".AAAA", reason::malformed_token) == expected);  // four segments
  CHECK(decode_failure("a.b.c.d.e", reason::malformed_token) == expected);     // five (a JWE has five)
  CHECK(decode_failure(".", reason::malformed_token) == expected);
  CHECK(decode_failure("...", reason::malformed_token) == expected);
}

TEST_CASE("an empty header or signature segment is malformed", "[jws][structure]") {
  const auto good = ajwt::jws::sign_compact(keys().ec, algorithm::es256, json::object(), "{}");
  const auto dot1 = good.find('.');
  const auto dot2 = good.rfind('.');
  CHECK(decode_failure(good.substr(dot1), reason::malformed_token) ==
        "header is not canonical unpadded base64url");  // ".payload.sig"
  CHECK(decode_failure(good.substr(0, dot2 + 1), reason::malformed_token) ==
        "signature is not canonical unpadded base64url");  // "header.payload."
  CHECK(decode_failure("..", reason::malformed_token) == "header is not canonical unpadded base64url");
  // An empty payload is allowed by RFC 7515 (see "an empty payload signs and verifies").
  CHECK(ajwt::jws::decode(good.substr(0, dot1 + 1) + good.substr(dot2)).ok());
}

TEST_CASE("each segment must be canonical unpadded base64url", "[jws][structure]") {
  // Payload and signature lengths chosen so their encodings end in a partial quantum.
  const auto good = signed_token(keys().ed, algorithm::eddsa, "{\"alg\":\"EdDSA\",\"k\":12}", "{\"a\":1}");
  REQUIRE(ajwt::jws::verify_compact(good, keys().ed.public_part()).ok());
  const auto dot1 = good.find('.');
  const auto dot2 = good.rfind('.');
  const std::string segments[] = {good.substr(0, dot1), good.substr(dot1 + 1, dot2 - dot1 - 1),
                                  good.substr(dot2 + 1)};
  const char* names[] = {"header", "payload", "signature"};
  for (int i = 0; i < 3; ++i) {
    const std::string& seg = segments[i];
    REQUIRE(seg.size() % 4 != 0);  // a partial last quantum: padding and trailing bits apply
    auto token_with = [&](const std::string& replacement) {
      std::string parts[] = {segments[0], segments[1], segments[2]};
      parts[i] = replacement;
      return parts[0] + "." + parts[1] + "." + parts[2];
    };
    const std::string expected = std::string(names[i]) + " is not canonical unpadded base64url";
    // The last character with one unused low bit set: decodes to the same octets in a lenient decoder.
    std::string trailing = seg;
    const auto last = std::string_view(ajwt::detail::b64_url_chars).find(trailing.back());
    trailing.back() = ajwt::detail::b64_url_chars[last | 1];
    std::vector<std::string> variants = {
        seg + (seg.size() % 4 == 2 ? "==" : "="),  // padding
        seg.substr(0, 2) + "+" + seg.substr(3),    // standard alphabet
        seg.substr(0, 2) + "/" + seg.substr(3),
        seg.substr(0, 2) + " " + seg.substr(2),  // whitespace
        seg + "\n",
        "\t" + seg,
        seg.substr(0, 2) + "\r\n" + seg.substr(2),
        trailing,
        seg.substr(0, 2) + "=" + seg.substr(3),  // '=' inside
    };
    // A length of 1 mod 4 (the segments end in a partial quantum of 2 or 3 characters).
    variants.push_back(seg + std::string(seg.size() % 4 == 2 ? 3 : 2, 'A'));
    for (const auto& v : variants) {
      INFO(names[i] << " segment \"" << v << "\"");
      REQUIRE(v != seg);
      const auto token = token_with(v);
      const auto r = ajwt::jws::decode(token);
      REQUIRE_FALSE(r.ok());
      CHECK(r.reason() == reason::malformed_token);
      CHECK(r.detail() == expected);
      verify_failure(token, keys().ed.public_part(), reason::malformed_token);
    }
  }
}

TEST_CASE("a token longer than the maximum is refused before decoding", "[jws][structure]") {
  REQUIRE(ajwt::default_max_token_bytes == 8192);
  // Not even base64url: the size check comes first.
  const std::string huge(ajwt::default_max_token_bytes + 1, '!');
  CHECK(decode_failure(huge, reason::token_too_large) == "token is 8193 bytes (maximum 8192)");
  verify_failure(huge, keys().ec.public_part(), reason::token_too_large);
  const std::string at_limit(ajwt::default_max_token_bytes, '!');
  decode_failure(at_limit, reason::malformed_token);
  // A custom maximum, at and one past a valid token's length.
  const auto good = ajwt::jws::sign_compact(keys().ec, algorithm::es256, json::object(), "{}");
  CHECK(ajwt::jws::decode(good, good.size()).ok());
  decode_failure(good, reason::token_too_large, good.size() - 1);
  CHECK(
      ajwt::jws::verify_compact(good, keys().ec.public_part(), algorithm_set::defaults(), good.size()).ok());
  const auto r =
      ajwt::jws::verify_compact(good, keys().ec.public_part(), algorithm_set::defaults(), good.size() - 1);
  REQUIRE_FALSE(r.ok());
  CHECK(r.reason() == reason::token_too_large);
}

// ---------------------------------------------------------------------------------------------------------
// Signature formats and lengths.

TEST_CASE("an ES256 signature in DER form is rejected: JWS uses raw r||s", "[jws][signature]") {
  const auto& key = keys().ec;
  const std::string input = base64url_encode(header_for(algorithm::es256)) + "." + base64url_encode("{}");
  const std::string raw = ajwt::jws::sign(key, algorithm::es256, input);
  REQUIRE(raw.size() == 64);
  unsigned char der[80];
  std::size_t der_len = 0;
  REQUIRE(ajwt::detail::es256_raw_to_der(raw, der, der_len));
  const std::string der_sig(reinterpret_cast<const char*>(der), der_len);
  CHECK(ajwt::jws::verify(key.public_part(), algorithm::es256, input, raw));
  CHECK_FALSE(ajwt::jws::verify(key.public_part(), algorithm::es256, input, der_sig));
  verify_failure(input + "." + base64url_encode(der_sig), key.public_part(), reason::bad_signature);
  // A 64-byte DER signature (r and s short enough) is read as r||s and fails too.
  std::string padded = der_sig;
  padded.resize(64, '\0');
  CHECK_FALSE(ajwt::jws::verify(key.public_part(), algorithm::es256, input, padded));
}

TEST_CASE("ES256 signatures with r or s zero or at least the group order are rejected", "[jws][signature]") {
  const auto& key = keys().ec;
  const std::string input = base64url_encode(header_for(algorithm::es256)) + "." + base64url_encode("{}");
  const std::string good = ajwt::jws::sign(key, algorithm::es256, input);
  const std::string r = good.substr(0, 32), s = good.substr(32);
  const std::string zero(32, '\0'), n = p256_order(), ones(32, '\xff');
  std::string n_plus_r = n;  // n + 1 (an r that is congruent to 1)
  n_plus_r[31] = static_cast<char>(n_plus_r[31] + 1);
  CHECK(ajwt::jws::verify(key.public_part(), algorithm::es256, input, r + s));
  for (const auto& bad :
       {zero + zero, zero + s, r + zero, n + s, r + n, ones + s, r + ones, n_plus_r + s, n + n}) {
    CHECK_FALSE(ajwt::jws::verify(key.public_part(), algorithm::es256, input, bad));
    verify_failure(input + "." + base64url_encode(bad), key.public_part(), reason::bad_signature);
    // Refused by ajwt's own range check, before OpenSSL sees it.
    unsigned char der[80];
    std::size_t der_len = 0;
    CHECK_FALSE(ajwt::detail::es256_raw_to_der(bad, der, der_len));
  }
  // The largest valid scalar, n - 1, passes the range check (and then fails verification).
  std::string n_minus_1 = n;
  n_minus_1[31] = static_cast<char>(n_minus_1[31] - 1);
  unsigned char der[80];
  std::size_t der_len = 0;
  CHECK(ajwt::detail::es256_raw_to_der(n_minus_1 + n_minus_1, der, der_len));
  CHECK(der_len == 2 + 2 * (2 + 33));  // both integers need a leading zero byte
  CHECK_FALSE(ajwt::jws::verify(key.public_part(), algorithm::es256, input, n_minus_1 + n_minus_1));
}

TEST_CASE("signatures of the wrong length are rejected for every key type", "[jws][signature]") {
  for (auto alg : {algorithm::rs256, algorithm::ps256, algorithm::es256, algorithm::eddsa}) {
    INFO(to_string(alg));
    const auto& key = keys().for_alg(alg);
    const std::string input = base64url_encode(header_for(alg)) + "." + base64url_encode("{}");
    const std::string good = ajwt::jws::sign(key, alg, input);
    REQUIRE(ajwt::jws::verify(key.public_part(), alg, input, good));
    const std::vector<std::string> bad = {
        good.substr(0, good.size() - 1),
        good + '\0',
        std::string(1, '\0') + good,
        good + good,
        std::string(1, 'x'),
        std::string(good.size() * 2, 'x'),
        std::string(good.size() + 1, '\0'),
    };
    for (const auto& sig : bad) {
      INFO("signature of " << sig.size() << " bytes");
      CHECK_FALSE(ajwt::jws::verify(key.public_part(), alg, input, sig));
      verify_failure(input + "." + base64url_encode(sig), key.public_part(), reason::bad_signature);
    }
    CHECK_FALSE(ajwt::jws::verify(key.public_part(), alg, input, std::string_view()));
  }
  // ES256 signatures sized for other curves (P-384: 96 bytes, P-521: 132 bytes).
  for (std::size_t len : {48u, 72u, 96u, 132u}) {
    CHECK_FALSE(ajwt::jws::verify(keys().ec.public_part(), algorithm::es256, "x", std::string(len, '\x01')));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Robustness.

TEST_CASE("decode and verify_compact never throw on random and mutated tokens", "[jws][robustness]") {
  std::mt19937 rng(42);
  const auto good = ajwt::jws::sign_compact(keys().ed, algorithm::eddsa, json{{"kid", "k"}}, "{\"a\":1}");
  const std::string alphabet = std::string(ajwt::detail::b64_url_chars) + ".=+/ \n\xff";
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  int verified = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string token = good;
    std::uniform_int_distribution<std::size_t> pos(0, token.size() - 1);
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) token[pos(rng)] = alphabet[pick(rng)];
    CHECK_NOTHROW((void)ajwt::jws::decode(token));
    const auto r = ajwt::jws::verify_compact(token, keys().ed.public_part());
    if (r.ok()) {
      ++verified;
      CHECK(token == good);  // only an edit that changed nothing can verify
    } else {
      CHECK_FALSE(r.detail().empty());
    }
  }
  CHECK(verified < 5000);
}
