// SPDX-License-Identifier: ISC
// Tests of ajwt::static_key_repository (include/ajwt/repository/static.hpp): adding, replacing and
// removing keys and users, JWKS and authorized-keys input, user objects, and key rotation while other
// threads verify tokens.
#include "ajwt/repository/static.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ajwt/clock.hpp"
#include "ajwt/error.hpp"
#include "ajwt/key_repository.hpp"
#include "ajwt/keys.hpp"
#include "ajwt/nonce/memory.hpp"
#include "ajwt/token.hpp"
#include "ajwt/verifier.hpp"
#include "support.hpp"

namespace {

constexpr std::int64_t t0 = 1'700'000'000;

const ajwt::private_key& key_a() {
  return ajwt_test::cached_key("static_repository/key_a", ajwt::key_type::ed25519);
}
const ajwt::private_key& key_b() {
  return ajwt_test::cached_key("static_repository/key_b", ajwt::key_type::ed25519);
}
const ajwt::private_key& key_c() {
  return ajwt_test::cached_key("static_repository/key_c", ajwt::key_type::ec_p256);
}

using repository = ajwt::static_key_repository<>;
using verifier = ajwt::verifier<repository, ajwt::memory_nonce_store, ajwt::fixed_clock>;

verifier make_verifier(const repository& keys) { return verifier(keys, {}, {}, ajwt::fixed_clock(t0)); }

std::string header(const ajwt::private_key& key, const std::string& username) {
  ajwt::token_builder b(key, username);
  b.time(t0);
  return b.header();
}

std::size_t key_count(const repository& r, std::string_view username) {
  const auto e = r.find(username, "");
  return e ? e->keys.size() : 0;
}

}  // namespace

TEST_CASE("static_key_repository is a KeyRepository", "[repository][static]") {
  STATIC_REQUIRE(ajwt::is_key_repository<repository>::value);
  STATIC_REQUIRE(ajwt::is_key_repository<ajwt::static_key_repository<int>>::value);
  STATIC_REQUIRE_FALSE(ajwt::is_key_repository<int>::value);
}

TEST_CASE("find returns the keys added for a user and nullptr for anyone else", "[repository][static]") {
  repository r;
  CHECK(r.size() == 0);
  CHECK(r.find("alice", "") == nullptr);
  r.add("alice", key_a().public_part());
  r.add("alice", key_c().public_part());
  r.add("bob", key_b().public_part());
  CHECK(r.size() == 2);
  const auto alice = r.find("alice", "");
  REQUIRE(alice != nullptr);
  REQUIRE(alice->keys.size() == 2);
  CHECK(alice->keys[0] == key_a().public_part());
  CHECK(alice->keys[1] == key_c().public_part());
  // The kid argument never hides keys: the verifier falls back to every key of the user.
  CHECK(r.find("alice", "some-other-kid")->keys.size() == 2);
  CHECK(r.find("bob", key_b().kid())->keys.size() == 1);
  CHECK(r.find("carol", "") == nullptr);
  CHECK(r.find("Alice", "") == nullptr);
  CHECK(r.find("alice ", "") == nullptr);
}

TEST_CASE("adding a key a user already has changes nothing, even from another copy of the key",
          "[repository][static]") {
  repository r;
  r.add("alice", key_a().public_part());
  r.add("alice", key_a().public_part());
  r.add("alice", ajwt::public_key::load(key_a().public_part().to_pem()));
  r.add("alice", ajwt::public_key::load(key_a().public_part().to_openssh("laptop")));
  CHECK(key_count(r, "alice") == 1);
  // The same key may belong to two users.
  r.add("bob", key_a().public_part());
  CHECK(key_count(r, "bob") == 1);
}

TEST_CASE("an empty username is refused by every way of adding", "[repository][static]") {
  repository r;
  CHECK_THROWS_AS(r.add("", key_a().public_part()), ajwt::config_error);
  CHECK_THROWS_AS(r.set_keys("", {key_a().public_part()}), ajwt::config_error);
  CHECK_THROWS_AS(r.set_user("", ajwt::no_user{}), ajwt::config_error);
  CHECK_THROWS_AS(r.add_jwks("", ajwt::make_jwks({key_a().public_part()}).dump()), ajwt::config_error);
  CHECK(r.size() == 0);
}

TEST_CASE("set_keys replaces all of a user's keys at once", "[repository][static]") {
  repository r;
  r.add("alice", key_a().public_part());
  r.set_keys("alice", {key_b().public_part(), key_c().public_part()});
  const auto e = r.find("alice", "");
  REQUIRE(e != nullptr);
  REQUIRE(e->keys.size() == 2);
  CHECK(e->keys[0] == key_b().public_part());
  CHECK(e->keys[1] == key_c().public_part());
  r.set_keys("bob", {key_a().public_part()});  // also creates a user
  CHECK(key_count(r, "bob") == 1);
}

TEST_CASE("remove_key removes the key a kid names: fingerprint, thumbprint or JWK kid",
          "[repository][static]") {
  repository r;
  auto jwk = key_c().public_part().to_jwk();
  jwk["kid"] = "c-2024";
  r.set_keys("alice", {key_a().public_part(), key_b().public_part(), ajwt::public_key::from_jwk(jwk)});
  CHECK_FALSE(r.remove_key("alice", "no-such-kid"));
  CHECK_FALSE(r.remove_key("alice", ""));
  CHECK(key_count(r, "alice") == 3);
  CHECK(r.remove_key("alice", key_a().kid()));
  CHECK(key_count(r, "alice") == 2);
  CHECK_FALSE(r.remove_key("alice", key_a().kid()));
  CHECK(r.remove_key("alice", key_b().public_part().thumbprint()));
  CHECK(key_count(r, "alice") == 1);
  CHECK(r.remove_key("alice", "c-2024"));
  CHECK(key_count(r, "alice") == 0);
}

TEST_CASE("remove_key for an unknown user removes nothing and adds no user", "[repository][static]") {
  repository r;
  r.add("alice", key_a().public_part());
  CHECK_FALSE(r.remove_key("ghost", key_a().kid()));
  CHECK(r.find("ghost", "") == nullptr);
  CHECK(r.size() == 1);
}

TEST_CASE("remove_user removes the user and all their keys", "[repository][static]") {
  repository r;
  r.add("alice", key_a().public_part());
  r.add("alice", key_b().public_part());
  r.add("bob", key_c().public_part());
  CHECK(r.remove_user("alice"));
  CHECK(r.find("alice", "") == nullptr);
  CHECK_FALSE(r.remove_user("alice"));
  CHECK_FALSE(r.remove_user("carol"));
  CHECK(r.size() == 1);
  CHECK(key_count(r, "bob") == 1);
}

TEST_CASE("an entry handed out by find is a snapshot that later changes do not touch",
          "[repository][static]") {
  repository r;
  r.add("alice", key_a().public_part());
  const auto before = r.find("alice", "");
  r.add("alice", key_b().public_part());
  r.remove_key("alice", key_a().kid());
  r.remove_user("alice");
  REQUIRE(before != nullptr);
  REQUIRE(before->keys.size() == 1);
  CHECK(before->keys[0] == key_a().public_part());
}

TEST_CASE("copies of a repository share one map", "[repository][static]") {
  repository r;
  repository copy = r;
  copy.add("alice", key_a().public_part());
  CHECK(key_count(r, "alice") == 1);
  r.remove_user("alice");
  CHECK(copy.find("alice", "") == nullptr);
}

TEST_CASE("set_user attaches a user object that find hands back", "[repository][static]") {
  struct account {
    int id = -1;
    std::vector<std::string> roles;
  };
  ajwt::static_key_repository<account> r;
  r.add("alice", key_a().public_part());
  CHECK(r.find("alice", "")->user.id == -1);
  r.set_user("alice", account{7, {"deploy"}});
  CHECK(r.find("alice", "")->user.id == 7);
  CHECK(r.find("alice", "")->user.roles == std::vector<std::string>{"deploy"});
  // Key changes keep the user object, and the user object keeps the keys.
  r.add("alice", key_b().public_part());
  CHECK(r.find("alice", "")->user.id == 7);
  r.set_user("alice", account{8, {}});
  CHECK(r.find("alice", "")->keys.size() == 2);
}

TEST_CASE("add_jwks adds every supported key of a JWKS document and keeps each JWK kid",
          "[repository][static]") {
  auto doc = ajwt::make_jwks({key_a().public_part(), key_c().public_part()});
  doc["keys"][1]["kid"] = "ec-key-1";
  doc["keys"].push_back({{"kty", "oct"}, {"k", "c2VjcmV0"}, {"kid", "hmac"}});  // not for us: skipped
  repository r;
  r.add_jwks("alice", doc.dump());
  const auto e = r.find("alice", "");
  REQUIRE(e != nullptr);
  REQUIRE(e->keys.size() == 2);
  CHECK(e->keys[0] == key_a().public_part());
  CHECK(e->keys[1] == key_c().public_part());
  CHECK(e->keys[1].jwk_kid() == "ec-key-1");
  CHECK(e->keys[1].matches_kid("ec-key-1"));

  ajwt::token_builder b(key_c(), "alice");
  b.time(t0);
  CHECK(make_verifier(r).verify_header(b.header()).ok());

  CHECK_THROWS_AS(r.add_jwks("bob", "{\"keys\": 5}"), ajwt::key_error);
  CHECK_THROWS_AS(r.add_jwks("bob", "not json"), ajwt::key_error);
  CHECK(r.find("bob", "") == nullptr);
}

TEST_CASE("add_authorized_keys adds each line's key to its user and names the source in errors",
          "[repository][static]") {
  const std::string text =
      "# deploy keys\n"
      "alice " +
      key_a().public_part().to_openssh("alice@laptop") +
      "\n"
      "\n"
      "alice " +
      key_c().public_part().to_openssh() +
      "\n"
      "bob " +
      key_b().public_part().to_openssh("bob") + "\n";
  repository r;
  r.add_authorized_keys(text, "inline keys");
  CHECK(key_count(r, "alice") == 2);
  CHECK(key_count(r, "bob") == 1);
  CHECK(r.find("bob", "")->keys[0] == key_b().public_part());
  CHECK_THROWS_WITH(r.add_authorized_keys("carol ssh-ed25519 !!!!\n", "inline keys"),
                    Catch::Contains("inline keys:1"));
  CHECK(r.find("carol", "") == nullptr);
}

TEST_CASE("rotation without restart: after set_keys the old key's new tokens fail and the new key's pass",
          "[repository][static][rotation]") {
  repository r;
  r.add("alice", key_a().public_part());
  const auto v = make_verifier(r);
  CHECK(v.verify_header(header(key_a(), "alice")).ok());
  CHECK(v.verify_header(header(key_b(), "alice")).reason() == ajwt::reason::bad_signature);

  r.set_keys("alice", {key_b().public_part()});
  CHECK(v.verify_header(header(key_a(), "alice")).reason() == ajwt::reason::bad_signature);
  CHECK(v.verify_header(header(key_b(), "alice")).ok());

  // During an overlap both keys work; removing one by kid ends it.
  r.add("alice", key_a().public_part());
  CHECK(v.verify_header(header(key_a(), "alice")).ok());
  CHECK(v.verify_header(header(key_b(), "alice")).ok());
  REQUIRE(r.remove_key("alice", key_b().kid()));
  CHECK(v.verify_header(header(key_b(), "alice")).reason() == ajwt::reason::bad_signature);
  CHECK(v.verify_header(header(key_a(), "alice")).ok());

  r.remove_user("alice");
  CHECK(v.verify_header(header(key_a(), "alice")).reason() == ajwt::reason::unknown_user);
  r.add("alice", key_c().public_part());
  CHECK(v.verify_header(header(key_c(), "alice")).ok());
}

TEST_CASE("keys and users can change while other threads verify",
          "[repository][static][rotation][concurrency]") {
  // alice always keeps key A, and key B comes and goes; bob is added and removed. Whatever the
  // interleaving, A's tokens for alice always pass, B's pass or fail with bad_signature, and bob's pass
  // or fail with unknown_user: never any other outcome.
  constexpr int reader_count = 4;
  constexpr int per_reader = 300;
  repository r;
  r.add("alice", key_a().public_part());
  const auto v = make_verifier(r);

  struct work {
    std::vector<std::string> stable, rotating, coming_and_going;
  };
  std::vector<work> works(reader_count);
  for (auto& w : works) {
    for (int i = 0; i < per_reader; ++i) {
      w.stable.push_back(header(key_a(), "alice"));
      w.rotating.push_back(header(key_b(), "alice"));
      w.coming_and_going.push_back(header(key_c(), "bob"));
    }
  }

  std::atomic<bool> stop{false};
  std::atomic<int> readers_done{0};
  std::atomic<int> stable_failures{0}, rotating_unexpected{0}, bob_unexpected{0};
  std::atomic<int> rotating_ok{0}, rotating_rejected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < reader_count; ++t) {
    threads.emplace_back([&, t] {
      const auto& w = works[static_cast<std::size_t>(t)];
      for (int i = 0; i < per_reader; ++i) {
        const auto s = v.verify_header(w.stable[static_cast<std::size_t>(i)]);
        if (!s.ok()) ++stable_failures;
        const auto rot = v.verify_header(w.rotating[static_cast<std::size_t>(i)]);
        if (rot.ok())
          ++rotating_ok;
        else if (rot.reason() == ajwt::reason::bad_signature)
          ++rotating_rejected;
        else
          ++rotating_unexpected;
        const auto bob = v.verify_header(w.coming_and_going[static_cast<std::size_t>(i)]);
        if (!bob.ok() && bob.reason() != ajwt::reason::unknown_user) ++bob_unexpected;
      }
      ++readers_done;
    });
  }
  threads.emplace_back([&] {
    auto writer = r;  // a copy: changes through it are seen by the verifier's copy
    int round = 0;
    while (readers_done.load() < reader_count && !stop.load()) {
      switch (round++ % 6) {
        case 0: writer.add("alice", key_b().public_part()); break;
        case 1: writer.remove_key("alice", key_b().kid()); break;
        case 2: writer.set_keys("alice", {key_a().public_part(), key_b().public_part()}); break;
        case 3: writer.set_keys("alice", {key_a().public_part()}); break;
        case 4: writer.add("bob", key_c().public_part()); break;
        case 5: writer.remove_user("bob"); break;
      }
      std::this_thread::yield();
    }
  });
  for (auto& th : threads) th.join();
  CHECK(stable_failures.load() == 0);
  CHECK(rotating_unexpected.load() == 0);
  CHECK(bob_unexpected.load() == 0);
  CHECK(rotating_ok.load() + rotating_rejected.load() == reader_count * per_reader);
}
