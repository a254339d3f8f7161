// SPDX-License-Identifier: ISC
// The customisation points (KeyRepository, NonceStore, Clock): the C++17 detection traits accept what the
// library ships and refuse what lacks a member, and under C++20 the concepts say the same; a user's type
// that is not a handle is reached through std::reference_wrapper or std::shared_ptr.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>

#include "ajwt/ajwt.hpp"
#include "support.hpp"

namespace {

struct no_now {};
struct string_now {
  [[nodiscard]] const char* now() const { return "now"; }
};
struct mutable_now {  // now() must be callable on a const clock
  std::int64_t now() { return 0; }
};
struct record_returns_bool {
  bool record(const ajwt::nonce_record& /*r*/) { return true; }
};
struct repository_without_user_type {
  std::shared_ptr<const ajwt::user_keys<>> find(std::string_view /*u*/, std::string_view /*k*/) const {
    return nullptr;
  }
};
struct minimal_repository {
  using user_type = ajwt::no_user;
  std::shared_ptr<const ajwt::user_keys<>> find(std::string_view /*u*/, std::string_view /*k*/) const {
    return nullptr;
  }
};

/// A repository that is not a handle: not copyable, with state of its own (a count of lookups).
class counting_repository {
 public:
  using user_type = ajwt::no_user;
  explicit counting_repository(ajwt::public_key key) {
    auto e = std::make_shared<ajwt::user_keys<>>();
    e->keys.push_back(std::move(key));
    entry_ = std::move(e);
  }
  counting_repository(const counting_repository&) = delete;
  counting_repository& operator=(const counting_repository&) = delete;
  std::shared_ptr<const ajwt::user_keys<>> find(std::string_view username, std::string_view /*kid*/) {
    std::lock_guard<std::mutex> lock(mu_);
    ++lookups_;
    return username == "alice" ? entry_ : nullptr;
  }
  int lookups() {
    std::lock_guard<std::mutex> lock(mu_);
    return lookups_;
  }

 private:
  std::mutex mu_;
  int lookups_ = 0;
  std::shared_ptr<const ajwt::user_keys<>> entry_;
};

/// A nonce store that is not a handle either: a set under a mutex, not copyable.
class set_nonce_store {
 public:
  set_nonce_store() = default;
  set_nonce_store(const set_nonce_store&) = delete;
  set_nonce_store& operator=(const set_nonce_store&) = delete;
  ajwt::nonce_status record(const ajwt::nonce_record& r) {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_.insert(std::string(r.username) + "/" + std::to_string(r.time) + "/" + std::string(r.nonce))
                   .second
               ? ajwt::nonce_status::fresh
               : ajwt::nonce_status::replayed;
  }
  std::size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_.size();
  }

 private:
  std::mutex mu_;
  std::set<std::string> seen_;
};

const ajwt::private_key& alice_key() {
  return ajwt_test::cached_key("extension/alice", ajwt::key_type::ed25519);
}

}  // namespace

TEST_CASE("a verifier reaches a repository and a store that are not handles through std::ref",
          "[extension]") {
  counting_repository repo(alice_key().public_part());
  set_nonce_store store;
  const ajwt::fixed_clock clock(1700000000);
  const ajwt::verifier v(std::ref(repo), ajwt::verifier_options{}, std::ref(store), clock);
  const std::string header = ajwt::token_builder(alice_key(), "alice").time(clock.now()).header();
  CHECK(v.verify_header(header).ok());
  CHECK(v.verify_header(header).reason() == ajwt::reason::nonce_replayed);  // the same store object
  CHECK(v.verify_header(ajwt::token_builder(alice_key(), "bob").time(clock.now()).header()).reason() ==
        ajwt::reason::unknown_user);
  CHECK(repo.lookups() == 3);  // the caller's object, not a copy
  CHECK(store.size() == 1);
}

TEST_CASE("a verifier shares a repository and a store held by std::shared_ptr; null is a config_error",
          "[extension]") {
  auto repo = std::make_shared<counting_repository>(alice_key().public_part());
  auto store = std::make_shared<set_nonce_store>();
  const ajwt::fixed_clock clock(1700000000);
  {
    const ajwt::verifier v(repo, ajwt::verifier_options{}, store, clock);
    const std::string header = ajwt::token_builder(alice_key(), "alice").time(clock.now()).header();
    CHECK(v.verify_header(header).ok());
    // A second verifier over the same objects is the same replay domain.
    const ajwt::verifier w(repo, ajwt::verifier_options{}, store, clock);
    CHECK(w.verify_header(header).reason() == ajwt::reason::nonce_replayed);
  }
  CHECK(repo->lookups() == 2);
  CHECK(store->size() == 1);

  using shared_verifier = ajwt::verifier<std::shared_ptr<counting_repository>,
                                         std::shared_ptr<set_nonce_store>, ajwt::fixed_clock>;
  CHECK_THROWS_WITH(shared_verifier(nullptr, {}, store, clock),
                    "verifier: its key repository is a null std::shared_ptr");
  CHECK_THROWS_WITH(shared_verifier(repo, {}, nullptr, clock),
                    "verifier: its nonce store is a null std::shared_ptr");
}

TEST_CASE("the detection traits accept the shipped types and refuse types that miss a member",
          "[extension]") {
  STATIC_REQUIRE(ajwt::is_clock<ajwt::system_clock>::value);
  STATIC_REQUIRE(ajwt::is_clock<ajwt::fixed_clock>::value);
  STATIC_REQUIRE_FALSE(ajwt::is_clock<no_now>::value);
  STATIC_REQUIRE_FALSE(ajwt::is_clock<string_now>::value);
  STATIC_REQUIRE_FALSE(ajwt::is_clock<mutable_now>::value);
  STATIC_REQUIRE_FALSE(ajwt::is_clock<int>::value);

  STATIC_REQUIRE(ajwt::is_nonce_store<ajwt::memory_nonce_store>::value);
  STATIC_REQUIRE(ajwt::is_nonce_store<ajwt::insecure_null_nonce_store>::value);
  STATIC_REQUIRE_FALSE(ajwt::is_nonce_store<record_returns_bool>::value);
  STATIC_REQUIRE_FALSE(ajwt::is_nonce_store<int>::value);
  STATIC_REQUIRE(ajwt::has_max_tolerance<ajwt::memory_nonce_store>::value);
  STATIC_REQUIRE_FALSE(ajwt::has_max_tolerance<ajwt::insecure_null_nonce_store>::value);

  STATIC_REQUIRE(ajwt::is_key_repository<ajwt::static_key_repository<>>::value);
  STATIC_REQUIRE(ajwt::is_key_repository<minimal_repository>::value);
  STATIC_REQUIRE_FALSE(ajwt::is_key_repository<repository_without_user_type>::value);
  STATIC_REQUIRE_FALSE(ajwt::is_key_repository<int>::value);
  STATIC_REQUIRE_FALSE(ajwt::has_on_verified<minimal_repository>::value);

  // A verifier over the minimal repository builds and checks tokens.
  const ajwt::verifier<minimal_repository> v(minimal_repository{});
  CHECK(v.verify_header("JWT a.b.c").reason() == ajwt::reason::malformed_token);
}

/// A repository with the last-used hook, const as the rule asks; counts the calls (copies share the count).
struct hooked_repository {
  using user_type = ajwt::no_user;
  std::shared_ptr<const ajwt::user_keys<>> keys;
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  [[nodiscard]] std::shared_ptr<const ajwt::user_keys<>> find(std::string_view username,
                                                              std::string_view /*kid*/) const {
    return username == "alice" ? keys : nullptr;
  }
  void on_verified(std::string_view /*username*/, const ajwt::public_key& /*key*/) const { ++*calls; }
};

TEST_CASE("a by-value repository's const on_verified hook is called after each accepted token",
          "[extension]") {
  const auto key = ajwt::private_key::generate(ajwt::key_type::ed25519);
  auto entry = std::make_shared<ajwt::user_keys<>>();
  entry->keys.push_back(key.public_part());
  hooked_repository repo{entry};
  const ajwt::verifier<hooked_repository> v(repo);
  const auto header = ajwt::token_builder(key, "alice").header();
  REQUIRE(v.verify_header(header));
  CHECK(*repo.calls == 1);
  CHECK_FALSE(v.verify_header(header));  // a replay: not accepted, no call
  CHECK(*repo.calls == 1);
}

TEST_CASE(
    "one constness rule: by value, find() and record() are const; std::ref and shared_ptr reach the rest",
    "[extension]") {
  // A verifier's verify is const and holds a by-value repository or store as const: ajwt's own are handles
  // whose copies share state, so their find() and record() are const.
  STATIC_REQUIRE(ajwt::is_key_repository<const ajwt::static_key_repository<>>::value);
  STATIC_REQUIRE(
      ajwt::is_key_repository<
          const ajwt::combined_key_repository<ajwt::static_key_repository<>, minimal_repository>>::value);
  STATIC_REQUIRE(ajwt::is_nonce_store<const ajwt::memory_nonce_store>::value);
  STATIC_REQUIRE(ajwt::is_nonce_store<const ajwt::insecure_null_nonce_store>::value);
  // on_verified too: a hook only a non-const object had would be refused, never skipped.
  STATIC_REQUIRE(ajwt::has_on_verified<const hooked_repository>::value);
  STATIC_REQUIRE(
      ajwt::has_on_verified<
          const ajwt::combined_key_repository<hooked_repository, ajwt::static_key_repository<>>>::value);
  // The types above that are not handles have non-const members: a verifier cannot hold them by value ...
  STATIC_REQUIRE(ajwt::is_key_repository<counting_repository>::value);
  STATIC_REQUIRE_FALSE(ajwt::is_key_repository<const counting_repository>::value);
  STATIC_REQUIRE(ajwt::is_nonce_store<set_nonce_store>::value);
  STATIC_REQUIRE_FALSE(ajwt::is_nonce_store<const set_nonce_store>::value);
  // ... and reaches them, non-const, through std::reference_wrapper and std::shared_ptr.
  STATIC_REQUIRE(std::is_same_v<ajwt::detail::handle_access_t<ajwt::memory_nonce_store>,
                                const ajwt::memory_nonce_store>);
  STATIC_REQUIRE(std::is_same_v<ajwt::detail::handle_access_t<std::reference_wrapper<counting_repository>>,
                                counting_repository>);
  STATIC_REQUIRE(
      std::is_same_v<ajwt::detail::handle_access_t<std::shared_ptr<set_nonce_store>>, set_nonce_store>);
}

#if defined(__cpp_concepts) && __cpp_concepts >= 201907L
TEST_CASE("under C++20 the concepts agree with the traits", "[extension]") {
  STATIC_REQUIRE(ajwt::verifier_clock<ajwt::system_clock>);
  STATIC_REQUIRE(ajwt::verifier_clock<ajwt::fixed_clock>);
  STATIC_REQUIRE_FALSE(ajwt::verifier_clock<no_now>);
  STATIC_REQUIRE_FALSE(ajwt::verifier_clock<mutable_now>);
  STATIC_REQUIRE(ajwt::nonce_store<ajwt::memory_nonce_store>);
  STATIC_REQUIRE_FALSE(ajwt::nonce_store<record_returns_bool>);
  STATIC_REQUIRE(ajwt::key_repository<ajwt::static_key_repository<>>);
  STATIC_REQUIRE(ajwt::key_repository<minimal_repository>);
  STATIC_REQUIRE_FALSE(ajwt::key_repository<repository_without_user_type>);
}
#endif
