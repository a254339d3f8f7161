// SPDX-License-Identifier: ISC
// A server that only verifies compiles no private-key code: the verifier, the repositories and the nonce
// stores include public_key.hpp, never private_key.hpp, jws_sign.hpp, token.hpp (token_builder), the
// OpenSSH private-key container or bcrypt_pbkdf. Checked at compile time below (a regression stops the
// build), and the translation unit then verifies a token made elsewhere to show it is a working server.
#include "ajwt/jwks.hpp"
#include "ajwt/key_repository.hpp"
#include "ajwt/nonce/memory.hpp"
#include "ajwt/public_key.hpp"
#include "ajwt/repository/authorized_keys.hpp"
#include "ajwt/repository/combined.hpp"
#include "ajwt/repository/static.hpp"
#include "ajwt/verified_token.hpp"
#include "ajwt/verifier.hpp"
#include "ajwt/verifier_options.hpp"
#if AJWT_HAVE_REDIS
#include "ajwt/nonce/redis.hpp"
#endif
#if AJWT_HAVE_CURL
#include "ajwt/repository/jwks_url.hpp"
#endif
#if AJWT_HAVE_SQLITE && AJWT_HAVE_POSTGRES
#include "ajwt/repository/sql/open.hpp"
#endif

#if defined(AJWT_PRIVATE_KEY_HPP) || defined(AJWT_JWS_SIGN_HPP) || defined(AJWT_TOKEN_HPP) || \
    defined(AJWT_KEYS_HPP) || defined(AJWT_DETAIL_OPENSSH_PRIVATE_HPP) ||                     \
    defined(AJWT_DETAIL_BCRYPT_PBKDF_HPP) || defined(AJWT_DETAIL_JWK_PRIVATE_HPP) ||          \
    defined(AJWT_DETAIL_PRIVATE_PEM_HPP) || defined(AJWT_DETAIL_RSA_PRIVATE_HPP)
#error "a verify-side header includes private-key code"
#endif

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#ifndef AJWT_TEST_DATA_DIR
#error "AJWT_TEST_DATA_DIR must name tests/data (tests/CMakeLists.txt defines it)"
#endif

namespace {
// Made by PyJWT 2.6 with tests/data/keys/ed25519.pkcs8.pem (Ed25519 is deterministic, so the text is a fact):
//   jwt.encode({"username": "alice", "time": 1700000000, "nonce": "verify-only-1"}, key, algorithm="EdDSA",
//              headers={"kid": <tests/data/keys/ed25519.kid>})
constexpr const char* pyjwt_token =
    "eyJhbGciOiJFZERTQSIsImtpZCI6IjFiYzIyMDQ2ODZiMjgxMTIyMzA4ZDM0OWQxMjEwODg1YzE1NTkyZGY4Y2U0ZTcxNGFkNGY1MGJk"
    "M2Y3MzQy"
    "NzkiLCJ0eXAiOiJKV1QifQ."
    "eyJ1c2VybmFtZSI6ImFsaWNlIiwidGltZSI6MTcwMDAwMDAwMCwibm9uY2UiOiJ2ZXJpZnktb25seS0xIn0.CXPNzv5q"
    "D4PduQ_Z5OmTbRUtxg0Bk_bl7BbnOMls-gE-YJTZEOZAQwkpJtwa11iE2AnzeonMEIym3UO4VrKXAg";
constexpr std::int64_t issued_at = 1700000000;
}  // namespace

TEST_CASE("a translation unit without private-key code verifies a token") {
  const auto key = ajwt::public_key::load_file(std::string(AJWT_TEST_DATA_DIR) + "/keys/ed25519.spki.pem");
  ajwt::static_key_repository<> repo;
  repo.add("alice", key);
  using server = ajwt::verifier<ajwt::static_key_repository<>, ajwt::memory_nonce_store, ajwt::fixed_clock>;
  const server v(repo, {}, {}, ajwt::fixed_clock(issued_at + 5));
  const std::string header = std::string("JWT ") + pyjwt_token;
  auto r = v.verify_header(header);
  REQUIRE(r);
  CHECK(r->username() == "alice");
  CHECK(r->kid() == key.kid());
  auto again = v.verify_header(header);
  REQUIRE_FALSE(again);
  CHECK(again.reason() == ajwt::reason::nonce_replayed);
  const server late(repo, {}, {}, ajwt::fixed_clock(issued_at + 21));
  auto expired = late.verify_header(header);
  REQUIRE_FALSE(expired);
  CHECK(expired.reason() == ajwt::reason::time_out_of_window);
}
