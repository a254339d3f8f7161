// SPDX-License-Identifier: ISC
// Ed25519 through each backend ajwt has (detail::ed25519_backend: OpenSSL always, libsodium with
// AJWT_WITH_SODIUM): the RFC 8032 section 7.1 and RFC 8037 appendix A vectors, the same verdict from both
// on genuine, tampered and degenerate signatures, and the degenerate inputs where a bare implementation
// would differ. tests/CMakeLists.txt builds this file with libsodium (cxx17:, cxx20:) and once more
// without it (openssl:), together with the attack suite.
#include <openssl/evp.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "ajwt/ajwt.hpp"
#include "ajwt/detail/ed25519.hpp"
#include "ajwt/detail/sodium.hpp"
#include "support.hpp"

#ifndef AJWT_TEST_DATA_DIR
#error "AJWT_TEST_DATA_DIR must name tests/data (tests/CMakeLists.txt defines it)"
#endif

namespace {

using ajwt::detail::ed25519_backend;
using ajwt_test::b64url;

std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

const char* name_of(ed25519_backend b) { return b == ed25519_backend::sodium ? "libsodium" : "OpenSSL"; }

/// Every backend this build can use (OpenSSL, then libsodium when built in).
std::vector<ed25519_backend> backends() {
  std::vector<ed25519_backend> out{ed25519_backend::openssl};
  if (ajwt::detail::ed25519_backend_available(ed25519_backend::sodium))
    out.push_back(ed25519_backend::sodium);
  return out;
}

bool verify_with(ed25519_backend b, const ajwt::public_key& key, std::string_view msg, std::string_view sig) {
  return ajwt::detail::ed25519_verify(b, key, msg, sig);
}

/// The verdict of every backend, which must agree; returns it.
bool same_verdict(const ajwt::public_key& key, std::string_view msg, std::string_view sig) {
  const bool first = verify_with(ed25519_backend::openssl, key, msg, sig);
  for (auto b : backends()) {
    INFO("backend " << name_of(b));
    CHECK(verify_with(b, key, msg, sig) == first);
  }
  return first;
}

/// RFC 8032 section 7.1, TEST 1 to TEST 3: secret key (the seed), public key, message, signature.
struct rfc8032_vector {
  const char* name;
  const char* secret;
  const char* pub;
  const char* message;
  const char* signature;
};
constexpr rfc8032_vector rfc8032_vectors[] = {
    {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f"
     "059"
     "5bbe24655141438e7a100b"},
    {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2ea"
     "eb4"
     "302aeeb00d291612bb0c00"},
    {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e"
     "97"
     "16ed28dc027beceea1ec40a"},
};

ajwt::private_key private_of(const rfc8032_vector& v) {
  return ajwt::private_key::from_jwk(nlohmann::json{
      {"kty", "OKP"}, {"crv", "Ed25519"}, {"d", b64url(unhex(v.secret))}, {"x", b64url(unhex(v.pub))}});
}

const nlohmann::json& rfc8037_vector(std::string_view id) {
  static const nlohmann::json doc = [] {
    std::ifstream in(std::filesystem::path(AJWT_TEST_DATA_DIR) / "jose-rfc-vectors.json", std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return nlohmann::json::parse(text.str());
  }();
  for (const auto& v : doc["vectors"])
    if (v["id"] == id) return v;
  FAIL("no vector " << id);
  return doc;
}

/// S + L (mod 2^256) of a signature: the same point equation, a second encoding of S.
std::string add_order_to_s(std::string sig) {
  static constexpr unsigned char order[32] = {
      0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
      0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
  unsigned carry = 0;
  for (int i = 0; i < 32; ++i) {
    const unsigned sum = static_cast<unsigned char>(sig[32 + i]) + order[i] + carry;
    sig[32 + i] = static_cast<char>(sum & 0xff);
    carry = sum >> 8;
  }
  return sig;
}

/// The 14 encodings of the points of order dividing 8 (the 7 y values of detail/ed25519.hpp, both signs).
std::vector<std::string> small_order_points() {
  std::vector<std::string> out;
  for (const auto& y : ajwt::detail::ed25519_small_order_y) {
    std::string p(reinterpret_cast<const char*>(y), 32);
    out.push_back(p);
    p[31] = static_cast<char>(static_cast<unsigned char>(p[31]) | 0x80);
    out.push_back(p);
  }
  return out;
}

const ajwt::private_key& key_a() {
  return ajwt_test::cached_key("ed25519_backends/a", ajwt::key_type::ed25519);
}
const ajwt::private_key& key_b() {
  return ajwt_test::cached_key("ed25519_backends/b", ajwt::key_type::ed25519);
}

}  // namespace

TEST_CASE("the libsodium backend is used exactly when the build has it", "[ed25519][backends]") {
#if defined(AJWT_WITH_SODIUM)
  CHECK(ajwt::detail::ed25519_backend_available(ed25519_backend::sodium));
  CHECK(ajwt::detail::default_ed25519_backend() == ed25519_backend::sodium);
  CHECK(backends().size() == 2);
#else
  CHECK_FALSE(ajwt::detail::ed25519_backend_available(ed25519_backend::sodium));
  CHECK(ajwt::detail::default_ed25519_backend() == ed25519_backend::openssl);
  CHECK(backends().size() == 1);
  CHECK_THROWS_AS(ajwt::detail::ed25519_sign(ed25519_backend::sodium, key_a(), "x"), ajwt::crypto_error);
  CHECK_FALSE(verify_with(ed25519_backend::sodium, key_a().public_part(), "x",
                          ajwt::detail::ed25519_sign(ed25519_backend::openssl, key_a(), "x")));
#endif
  CHECK(ajwt::detail::ed25519_backend_available(ed25519_backend::openssl));
}

TEST_CASE("every backend reproduces and verifies the RFC 8032 section 7.1 signatures",
          "[ed25519][backends][rfc]") {
  for (const auto& v : rfc8032_vectors) {
    const auto key = private_of(v);
    const std::string msg = unhex(v.message);
    const std::string sig = unhex(v.signature);
    for (auto b : backends()) {
      INFO(v.name << " with " << name_of(b));
      CHECK(ajwt::detail::hex_lower(ajwt::detail::ed25519_sign(b, key, msg)) == v.signature);
      CHECK(verify_with(b, key.public_part(), msg, sig));
      // One bit off in the message, R or S: refused.
      CHECK_FALSE(verify_with(b, key.public_part(), msg + "x", sig));
      for (std::size_t at : {0, 31, 32, 63}) {
        std::string bad = sig;
        bad[at] = static_cast<char>(bad[at] ^ 1);
        CHECK_FALSE(verify_with(b, key.public_part(), msg, bad));
      }
    }
    // The public key the RFC prints is the one the loader derives from the seed.
    CHECK(key.public_part().to_jwk()["x"] == b64url(unhex(v.pub)));
    CHECK(ajwt::jws::sign(key, ajwt::algorithm::eddsa, msg) == sig);
  }
}

TEST_CASE("every backend signs and verifies the RFC 8037 appendix A.4 token and refuses its tampered twin",
          "[ed25519][backends][rfc]") {
  const auto& v = rfc8037_vector("rfc8037-a4-eddsa-ed25519");
  const auto& bad = rfc8037_vector("rfc8037-a4-eddsa-ed25519-bad-last-sig-char");
  const auto key = ajwt::private_key::from_jwk(v["jwk_private"]);
  const auto pub = ajwt::public_key::from_jwk(v["jwk_public"]);
  const auto input = v["signing_input"].get<std::string>();
  std::string sig, bad_sig;
  sig = ajwt::detail::base64url_decode(v["signature_b64"].get<std::string>()).value();
  bad_sig = ajwt::detail::base64url_decode(bad["signature_b64"].get<std::string>()).value();
  REQUIRE(bad["expect"] == "invalid");
  for (auto b : backends()) {
    INFO(name_of(b));
    CHECK(b64url(ajwt::detail::ed25519_sign(b, key, input)) == v["signature_b64"].get<std::string>());
    CHECK(verify_with(b, pub, input, sig));
    CHECK_FALSE(verify_with(b, pub, bad["signing_input"].get<std::string>(), bad_sig));
  }
  // Through the public API, with whichever backend this build uses.
  CHECK(ajwt::jws::verify_compact(v["jws_compact"].get<std::string>(), pub).ok());
  CHECK(ajwt::jws::verify_compact(bad["jws_compact"].get<std::string>(), pub).reason() ==
        ajwt::reason::bad_signature);
}

TEST_CASE("both backends give the same verdict on genuine, tampered and foreign signatures",
          "[ed25519][backends]") {
  std::mt19937 rng(20261204);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 200; ++round) {
    INFO("round " << round);
    std::string msg(static_cast<std::size_t>(round % 97), '\0');
    for (auto& c : msg) c = static_cast<char>(byte(rng));
    const std::string sig = ajwt::detail::ed25519_sign(ed25519_backend::openssl, key_a(), msg);
    for (auto b : backends()) CHECK(ajwt::detail::ed25519_sign(b, key_a(), msg) == sig);  // deterministic
    CHECK(same_verdict(key_a().public_part(), msg, sig));
    CHECK_FALSE(same_verdict(key_b().public_part(), msg, sig));  // another key
    std::string flipped = sig;
    const auto at = static_cast<std::size_t>(byte(rng) % 64);
    flipped[at] = static_cast<char>(flipped[at] ^ (1 << (byte(rng) % 8)));
    CHECK_FALSE(same_verdict(key_a().public_part(), msg, flipped));
    if (!msg.empty()) {
      std::string other = msg;
      other[0] = static_cast<char>(other[0] ^ 0x80);
      CHECK_FALSE(same_verdict(key_a().public_part(), other, sig));
    }
    // Random bytes as a signature.
    std::string noise(64, '\0');
    for (auto& c : noise) c = static_cast<char>(byte(rng));
    CHECK_FALSE(same_verdict(key_a().public_part(), msg, noise));
  }
}

TEST_CASE("both backends refuse S >= L, small-order R, a non-canonical R and signatures of the wrong length",
          "[ed25519][backends][attack]") {
  const auto pub = key_a().public_part();
  const std::string msg = "eyJhbGciOiJFZERTQSJ9.e30";
  const std::string sig = ajwt::detail::ed25519_sign(ed25519_backend::openssl, key_a(), msg);
  REQUIRE(same_verdict(pub, msg, sig));
  CHECK_FALSE(same_verdict(pub, msg, add_order_to_s(sig)));
  CHECK_FALSE(same_verdict(pub, msg,
                           sig.substr(0, 32) + unhex("edd3f55c1a631258d69cf7a2def9de14000000000000000"
                                                     "00000000000000010")));
  CHECK_FALSE(same_verdict(pub, msg, sig.substr(0, 32) + std::string(32, '\xff')));
  for (const auto& r : small_order_points()) {
    INFO("R " << ajwt::detail::hex_lower(r));
    CHECK_FALSE(same_verdict(pub, msg, r + std::string(32, '\0')));
    CHECK_FALSE(same_verdict(pub, msg, r + sig.substr(32)));
  }
  // R with y >= p (a second encoding of a small y): the recomputed R is canonical, so neither matches.
  CHECK_FALSE(same_verdict(
      pub, msg, unhex("efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f") + sig.substr(32)));
  for (std::size_t len : {0, 1, 63, 65, 128}) {
    INFO("length " << len);
    CHECK_FALSE(same_verdict(pub, msg, (sig + sig).substr(0, len)));
  }
  // A key of another type is never checked by either Ed25519 backend.
  const auto& p256 = ajwt_test::cached_key("ed25519_backends/p256", ajwt::key_type::ec_p256);
  for (auto b : backends()) CHECK_FALSE(verify_with(b, p256.public_part(), msg, sig));
  CHECK_THROWS_AS(ajwt::detail::ed25519_sign(ed25519_backend::openssl, p256, msg), ajwt::key_error);
}

TEST_CASE(
    "the verifier accepts an EdDSA token once and refuses a forged one, with each backend signing and "
    "verifying",
    "[ed25519][backends][verifier]") {
  ajwt::static_key_repository<> repo;
  repo.add("guido", key_a().public_part());
  ajwt::verifier<ajwt::static_key_repository<>, ajwt::memory_nonce_store, ajwt::fixed_clock> v(
      repo, ajwt::verifier_options{}, ajwt::memory_nonce_store(), ajwt::fixed_clock{1'700'000'000});
  struct restore {
    ~restore() { ajwt::detail::ed25519_backend_preference() = ed25519_backend::sodium; }
  } guard;
  int n = 0;
  for (auto b : backends()) {
    INFO(name_of(b));
    // The verifier (through jws::verify) uses the preferred backend.
    ajwt::detail::ed25519_backend_preference() = b;
    CHECK(ajwt::detail::default_ed25519_backend() == b);
    const std::string header =
        ajwt_test::obj({{"alg", ajwt_test::str("EdDSA")}, {"typ", ajwt_test::str("JWT")}});
    const std::string claims = ajwt_test::obj({{"username", ajwt_test::str("guido")},
                                               {"time", "1700000000"},
                                               {"nonce", ajwt_test::str("n" + std::to_string(n++))}});
    const std::string input = b64url(header) + "." + b64url(claims);
    const std::string good = "JWT " + input + "." + b64url(ajwt::detail::ed25519_sign(b, key_a(), input));
    const std::string forged = "JWT " + input + "." + b64url(ajwt::detail::ed25519_sign(b, key_b(), input));
    CHECK(v.verify_header(forged).reason() == ajwt::reason::bad_signature);
    CHECK(v.verify_header(good).ok());
    CHECK(v.verify_header(good).reason() == ajwt::reason::nonce_replayed);
  }
}

#if defined(AJWT_WITH_SODIUM)
TEST_CASE("where bare OpenSSL accepts a forgery under a small-order key and libsodium refuses, ajwt refuses",
          "[ed25519][backends][attack]") {
  // The identity point as the public key, R = identity and S = 0: [S]B = R + [k]A holds for any message.
  const std::string identity = unhex("0100000000000000000000000000000000000000000000000000000000000000");
  const std::string forged = identity + std::string(32, '\0');
  const std::string msg = "anything at all";
  EVP_PKEY* raw = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                              reinterpret_cast<const unsigned char*>(identity.data()), 32);
  REQUIRE(raw);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool openssl_accepts =
      EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, raw) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(forged.data()), 64,
                       reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(raw);
  ajwt::detail::clear_openssl_errors();
  CHECK(openssl_accepts);  // why ajwt checks keys and signatures itself
  CHECK_FALSE(ajwt::detail::sodium::ed25519_verify(reinterpret_cast<const unsigned char*>(identity.data()),
                                                   msg,
                                                   reinterpret_cast<const unsigned char*>(forged.data())));
  // ajwt: such a key never loads, and such a signature is refused under any key by both backends.
  CHECK_THROWS_AS(
      ajwt::public_key::from_jwk(nlohmann::json{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", b64url(identity)}}),
      ajwt::key_error);
  CHECK_FALSE(same_verdict(key_a().public_part(), msg, forged));
}
#endif
