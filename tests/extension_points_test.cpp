// SPDX-License-Identifier: ISC
// The customisation points (KeyRepository, NonceStore, Clock): the C++17 detection traits accept what the
// library ships and refuse what lacks a member, and under C++20 the concepts say the same.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string_view>

#include "ajwt/ajwt.hpp"

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

}  // namespace

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
