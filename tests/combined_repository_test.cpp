// SPDX-License-Identifier: ISC
// Tests of ajwt::combined_key_repository (include/ajwt/repository/combined.hpp): which part is asked
// when, how keys merge, what happens when the second part fails, and that a verifier over it accepts
// and rejects as it should.
#include "ajwt/repository/combined.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ajwt/clock.hpp"
#include "ajwt/error.hpp"
#include "ajwt/keys.hpp"
#include "ajwt/nonce/memory.hpp"
#include "ajwt/repository/static.hpp"
#include "ajwt/token.hpp"
#include "ajwt/verifier.hpp"
#include "support.hpp"

namespace {

const ajwt::private_key& file_key() {
  return ajwt_test::cached_key("combined_repository/file_key", ajwt::key_type::ed25519);
}
const ajwt::private_key& url_key() {
  return ajwt_test::cached_key("combined_repository/url_key", ajwt::key_type::ec_p256);
}

/// A second part standing in for a JWKS URL repository: a static repository that counts lookups and
/// can be told to fail like a fetch that failed. Copies share the count and the switch.
struct flaky_repository {
  using user_type = ajwt::no_user;
  ajwt::static_key_repository<> keys;
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<bool>> down = std::make_shared<std::atomic<bool>>(false);

  [[nodiscard]] std::shared_ptr<const ajwt::user_keys<>> find(std::string_view username,
                                                              std::string_view kid) const {
    ++*calls;
    if (*down) throw std::runtime_error("https://keys.example/jwks.json: connection refused");
    return keys.find(username, kid);
  }
};

using combined = ajwt::combined_key_repository<ajwt::static_key_repository<>, flaky_repository>;
static_assert(ajwt::is_key_repository<combined>::value);

combined make_repository() {
  combined r;
  r.first.add("alice", file_key().public_part());
  r.second.keys.add("alice", url_key().public_part());
  r.second.keys.add("alice", file_key().public_part());  // in both parts: counted once
  r.second.keys.add("bob", url_key().public_part());
  return r;
}

}  // namespace

TEST_CASE("combined repository: a kid matched by the first part never asks the second",
          "[repository][combined]") {
  const combined r = make_repository();
  const auto e = r.find("alice", file_key().kid());
  REQUIRE(e);
  REQUIRE(e->keys.size() == 1);
  CHECK(e->keys[0] == file_key().public_part());
  CHECK(r.second.calls->load() == 0);
  // Even while the second part is down.
  *r.second.down = true;
  CHECK(r.find("alice", file_key().kid()));
  CHECK(r.second.calls->load() == 0);
}

TEST_CASE("combined repository: otherwise the keys of both parts, each once", "[repository][combined]") {
  const combined r = make_repository();
  for (const std::string_view kid : {std::string_view(), std::string_view(url_key().kid())}) {
    INFO("kid: " << kid);
    const auto e = r.find("alice", kid);
    REQUIRE(e);
    REQUIRE(e->keys.size() == 2);
    CHECK(e->keys[0] == file_key().public_part());  // the first part's keys first
    CHECK(e->keys[1] == url_key().public_part());
  }
  CHECK(r.second.calls->load() == 2);
  // A user only the second part knows, and one neither knows.
  const auto bob = r.find("bob", "");
  REQUIRE(bob);
  CHECK(bob->keys.size() == 1);
  CHECK_FALSE(r.find("carol", ""));
}

TEST_CASE("combined repository: when the second part fails", "[repository][combined]") {
  const combined r = make_repository();
  *r.second.down = true;
  SECTION("an empty kid is served the first part's keys") {
    const auto e = r.find("alice", "");
    REQUIRE(e);
    REQUIRE(e->keys.size() == 1);
    CHECK(e->keys[0] == file_key().public_part());
  }
  SECTION("a kid the first part does not hold: the failure propagates") {
    CHECK_THROWS_WITH(r.find("alice", url_key().kid()), Catch::Contains("connection refused"));
  }
  SECTION("a user only the second part knows: the failure propagates") {
    CHECK_THROWS_WITH(r.find("bob", ""), Catch::Contains("connection refused"));
  }
}

TEST_CASE("combined repository under a verifier: accepts keys from either part, fails closed when down",
          "[repository][combined][verifier]") {
  constexpr std::int64_t now = 1'750'000'000;
  const combined r = make_repository();
  const ajwt::verifier<combined, ajwt::memory_nonce_store, ajwt::fixed_clock> v(
      r, {}, ajwt::memory_nonce_store(), ajwt::fixed_clock(now));
  const auto header = [&](const ajwt::private_key& k, const std::string& user) {
    return ajwt::token_builder(k, user).time(now).header();
  };
  auto ok = v.verify_header(header(file_key(), "alice"));
  CHECK(ok.ok());
  ok = v.verify_header(header(url_key(), "alice"));
  CHECK(ok.ok());
  ok = v.verify_header(header(url_key(), "bob"));
  CHECK(ok.ok());

  *r.second.down = true;
  // The file key still works while the URL is down; a URL key is refused, naming the failure.
  CHECK(v.verify_header(header(file_key(), "alice")).ok());
  const auto down = v.verify_header(header(url_key(), "alice"));
  REQUIRE_FALSE(down.ok());
  CHECK(down.reason() == ajwt::reason::key_repository_unavailable);
  CHECK_THAT(down.detail(), Catch::Contains("connection refused"));
  // A key registered for nobody: bad signature while up.
  *r.second.down = false;
  const auto stranger = ajwt::private_key::generate(ajwt::key_type::ed25519);
  CHECK(v.verify_header(header(stranger, "alice")).reason() == ajwt::reason::bad_signature);
}
