// SPDX-License-Identifier: ISC
// The README's code snippets, compiled and run as written (with files and endpoints replaced by
// in-memory equivalents), so the README cannot drift from the API.
#include <catch2/catch.hpp>

#include <ajwt/ajwt.hpp>
#include <ajwt/nonce/redis.hpp>
#include <ajwt/repository/curl_fetcher.hpp>
#include <ajwt/repository/jwks_url.hpp>

#include <optional>
#include <string>

TEST_CASE("the README's client and server snippets work together", "[readme]") {
  // Client (README "Client: sign each request").
  auto key = ajwt::private_key::generate(ajwt::key_type::ed25519);
  ajwt::token_builder tokens(key, "svc-billing");
  const std::string header = tokens.header();
  CHECK(header.rfind("JWT ey", 0) == 0);

  // Server (README "Server: verify the Authorization header"), keys from authorized-keys text.
  ajwt::static_key_repository<> users;
  users.add_authorized_keys("svc-billing " + key.public_part().to_openssh("svc") + "\n");
  ajwt::verifier verify(users);
  auto result = verify.verify_header(header);
  REQUIRE(result);
  CHECK(result->username() == "svc-billing");
  auto again = verify.verify_header(header);
  REQUIRE_FALSE(again);
  CHECK(ajwt::to_string(again.reason()) == "nonce_replayed");
}

TEST_CASE("the README's key snippet produces every format", "[readme]") {
  auto key = ajwt::private_key::generate(ajwt::key_type::ed25519);
  std::string pem = key.to_pem("passphrase");
  std::string pub = key.public_part().to_pem();
  std::string line = key.public_part().to_openssh("svc");
  nlohmann::json jwk = key.public_part().to_jwk();
  CHECK(pem.find("ENCRYPTED PRIVATE KEY") != std::string::npos);
  CHECK(pub.rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
  CHECK(line.rfind("ssh-ed25519 ", 0) == 0);
  CHECK(jwk.at("kid") == key.kid());
}

TEST_CASE("the README's audience and request-binding snippet accepts the request it describes", "[readme]") {
  auto key = ajwt::private_key::generate(ajwt::key_type::ec_p256);
  ajwt::static_key_repository<> users;
  users.add("svc-billing", key.public_part());
  const std::string body = R"({"item":7})";
  // client
  ajwt::token_builder tokens(key, "svc-billing");
  tokens.audience("orders").bind({"POST", "https://orders.internal/v1/orders?dry_run=1", body, std::nullopt});
  // server
  ajwt::verifier_options opt;
  opt.audiences = {"orders"};
  opt.require_binding = true;
  ajwt::verifier verify(users, opt);
  struct {
    std::string method = "POST", target = "/v1/orders?dry_run=1", body;
  } req;
  req.body = body;
  const auto auth = tokens.header();
  auto r = verify.verify_header(
      auth, ajwt::http_request{req.method, "https://orders.internal" + req.target, req.body, std::nullopt});
  CHECK(r.ok());
  req.body = "{}";
  auto other = verify.verify_header(
      tokens.header(),
      ajwt::http_request{req.method, "https://orders.internal" + req.target, req.body, std::nullopt});
  REQUIRE_FALSE(other);
  CHECK(other.reason() == ajwt::reason::request_mismatch);
}

TEST_CASE("the README's Redis and JWKS URL snippets construct without contacting anything", "[readme]") {
  // Both connect lazily: construction only parses and validates the configuration.
  ajwt::redis_nonce_store nonces("redis://:secret@10.0.0.5:6379/2");
  ajwt::static_key_repository<> users;
  ajwt::verifier<ajwt::static_key_repository<>, ajwt::redis_nonce_store> verify(users, {}, nonces);
  CHECK(verify.options().tolerance == 20);

  ajwt::jwks_url_key_repository<> keys(ajwt::curl_fetcher{});
  keys.add_url("svc-billing", "https://billing.internal/.well-known/jwks.json");
  ajwt::verifier verify_jwks(keys);
  CHECK(verify_jwks.options().scheme == "JWT");
}
