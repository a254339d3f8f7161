// SPDX-License-Identifier: ISC
#include <ajwt/error.hpp>
#include <ajwt/nonce/memory.hpp>
#include <ajwt/nonce/redis_url.hpp>
#include <ajwt/private_key.hpp>
#include <ajwt/repository/static.hpp>
#include <ajwt/token.hpp>
#include <ajwt/verifier.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstddef>
#include <functional>
#include <iterator>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

static_assert(ajwt::to_string(ajwt::reason::bad_signature) == "bad_signature",
              "to_string is usable at compile time");

TEST_CASE("to_string gives the enumerator's own name", "[error]") {
  CHECK(ajwt::to_string(ajwt::reason::bad_signature) == "bad_signature");
  CHECK(ajwt::to_string(ajwt::reason::nonce_replayed) == "nonce_replayed");
  CHECK(ajwt::to_string(ajwt::reason::malformed_header) == "malformed_header");
  CHECK(ajwt::to_string(ajwt::reason::request_mismatch) == "request_mismatch");
}

TEST_CASE("every reason has a non-empty snake_case name", "[error]") {
  const std::regex snake_case("[a-z][a-z0-9]*(_[a-z0-9]+)*");
  for (const ajwt::reason r : ajwt::all_reasons) {
    const std::string name(ajwt::to_string(r));
    INFO("reason #" << static_cast<int>(r) << " is named '" << name << "'");
    CHECK_FALSE(name.empty());
    CHECK(std::regex_match(name, snake_case));
    CHECK(name != "unknown_reason");
  }
}

TEST_CASE("reason names are unique", "[error]") {
  std::set<std::string_view> names;
  for (const ajwt::reason r : ajwt::all_reasons) {
    INFO(ajwt::to_string(r));
    CHECK(names.insert(ajwt::to_string(r)).second);
  }
  CHECK(names.size() == std::size(ajwt::all_reasons));
}

TEST_CASE("all_reasons lists every reason once, in declaration order", "[error]") {
  // The enumerators count up from zero, so position i must hold the reason whose value is i ...
  for (std::size_t i = 0; i < std::size(ajwt::all_reasons); ++i) {
    CHECK(static_cast<std::size_t>(ajwt::all_reasons[i]) == i);
  }
  // ... and the value just past the list must be no reason at all.
  const auto past_the_end = static_cast<ajwt::reason>(std::size(ajwt::all_reasons));
  CHECK(ajwt::to_string(past_the_end) == "unknown_reason");
}

TEST_CASE("every ajwt exception is an ajwt::error that keeps its message", "[error]") {
  STATIC_REQUIRE(std::is_base_of_v<std::runtime_error, ajwt::error>);
  STATIC_REQUIRE(std::is_base_of_v<ajwt::error, ajwt::key_error>);
  STATIC_REQUIRE(std::is_base_of_v<ajwt::error, ajwt::config_error>);
  STATIC_REQUIRE(std::is_base_of_v<ajwt::error, ajwt::crypto_error>);

  CHECK_THROWS_MATCHES(throw ajwt::key_error("keys/alice.pem: not a PEM file"), ajwt::error,
                       Catch::Message("keys/alice.pem: not a PEM file"));
  CHECK_THROWS_MATCHES(throw ajwt::config_error("tolerance: must be positive"), ajwt::error,
                       Catch::Message("tolerance: must be positive"));
  CHECK_THROWS_AS(throw ajwt::crypto_error("signing failed"), std::runtime_error);
}

TEST_CASE("key_error and config_error carry where and what apart from the message", "[error]") {
  const ajwt::config_error located("keys.txt", "expected a key", 7);
  CHECK(std::string(located.what()) == "keys.txt:7: expected a key");
  CHECK(located.source() == "keys.txt");
  CHECK(located.line() == 7);
  CHECK(located.problem() == "expected a key");

  const ajwt::key_error no_line("JWK", "member \"x\" is missing");
  CHECK(std::string(no_line.what()) == "JWK: member \"x\" is missing");
  CHECK(no_line.line() == 0);

  const ajwt::key_error message_only("ajwt: something is wrong");
  CHECK(message_only.source().empty());
  CHECK(message_only.problem() == "ajwt: something is wrong");

  // Copies share the parts and cannot throw; both are ajwt::error.
  STATIC_REQUIRE(std::is_nothrow_copy_constructible_v<ajwt::key_error>);
  const ajwt::config_error copy = located;
  CHECK(copy.problem() == located.problem());
  STATIC_REQUIRE(std::is_base_of_v<ajwt::error, ajwt::key_error>);
  STATIC_REQUIRE(std::is_base_of_v<ajwt::error, ajwt::config_error>);
}

namespace {

/// The config_error or key_error `f` throws, as its three parts.
template <class Error>
std::array<std::string, 3> parts_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return {e.source(), e.problem(), e.what()};
  }
  FAIL("nothing was thrown");
  return {};
}

}  // namespace

TEST_CASE("every configuration and key error ajwt throws says where, apart from what", "[error]") {
  // A program (the CLI, a service's startup check) can name the field without reading the message; what()
  // leads with it ("verifier_options.tolerance: must be ..."), never with a bare "ajwt: ".
  const auto key = ajwt::private_key::generate(ajwt::key_type::ed25519);
  ajwt::static_key_repository<> repo;
  const std::pair<std::function<void()>, const char*> config_cases[] = {
      {[&] {
         ajwt::verifier_options o;
         o.tolerance = -1;
         (void)ajwt::verifier(repo, o);
       },
       "verifier_options.tolerance"},
      {[&] {
         ajwt::verifier_options o;
         o.max_keys_per_token = 0;
         (void)ajwt::verifier(repo, o);
       },
       "verifier_options.max_keys_per_token"},
      {[] {
         ajwt::memory_nonce_store_options o;
         o.max_tolerance = -5;
         (void)ajwt::memory_nonce_store(o);
       },
       "memory_nonce_store_options.max_tolerance"},
      {[&] { (void)ajwt::token_builder(key, ""); }, "token_builder"},
      {[&] { (void)ajwt::token_builder(key, "alice").scheme("two words"); }, "scheme"},
      {[&] { repo.add("", key.public_part()); }, "username"},
      {[] { (void)ajwt::private_key::generate(ajwt::key_type::rsa, 1024); }, "RSA key size"},
      {[] { (void)ajwt::redis_url::parse("redis://h:0"); }, "Redis URL \"redis://h:0\""},
  };
  for (const auto& [f, source] : config_cases) {
    INFO(source);
    const auto [where, problem, what] = parts_of<ajwt::config_error>(f);
    CHECK(where == source);
    CHECK_FALSE(problem.empty());
    CHECK(what == where + ": " + problem);
    CHECK(what.rfind("ajwt: ", 0) == std::string::npos);
  }
  const auto [where, problem, what] = parts_of<ajwt::key_error>(
      [&] { (void)ajwt::token_builder(key, "alice").algorithm(ajwt::algorithm::rs256); });
  CHECK(where == "signing key");
  CHECK(problem == "a ed25519 key cannot sign RS256");
  CHECK(what == "signing key: a ed25519 key cannot sign RS256");
}
