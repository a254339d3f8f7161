// SPDX-License-Identifier: ISC
// The inline ABI namespace (version.hpp): every ajwt entity lives in ajwt::v<major>_<minor>, written as
// plain ajwt:: by users, so two ajwt versions in one process get different mangled names.
#include <catch2/catch.hpp>

#include <string>
#include <type_traits>
#include <typeinfo>

#include "ajwt/ajwt.hpp"

#define AJWT_TEST_STRINGIFY_(x) #x
#define AJWT_TEST_STRINGIFY(x) AJWT_TEST_STRINGIFY_(x)

TEST_CASE("the ABI tag follows the version, and ajwt:: names the tagged entities", "[abi]") {
  CHECK(std::string(AJWT_TEST_STRINGIFY(AJWT_ABI_TAG)) ==
        "v" + std::to_string(AJWT_VERSION_MAJOR) + "_" + std::to_string(AJWT_VERSION_MINOR));
  static_assert(std::is_same_v<ajwt::public_key, ajwt::AJWT_ABI_TAG::public_key>);
  static_assert(std::is_same_v<ajwt::verifier_options, ajwt::AJWT_ABI_TAG::verifier_options>);
  static_assert(std::is_same_v<ajwt::detail::parsed_token, ajwt::AJWT_ABI_TAG::detail::parsed_token>);
  static_assert(std::is_same_v<ajwt::verifier<ajwt::static_key_repository<>>,
                               ajwt::AJWT_ABI_TAG::verifier<ajwt::static_key_repository<>>>);
}

TEST_CASE("mangled names carry the ABI tag, for public and internal types alike", "[abi]") {
  const std::string tag = AJWT_TEST_STRINGIFY(AJWT_ABI_TAG);
  // The Itanium ABI (gcc, clang) spells each namespace into the mangled name: "4ajwt4v0_1".
  const std::string prefix = "4ajwt" + std::to_string(tag.size()) + tag;
  for (const std::string name : {typeid(ajwt::public_key).name(), typeid(ajwt::private_key).name(),
                                 typeid(ajwt::memory_nonce_store).name(), typeid(ajwt::key_error).name(),
                                 typeid(ajwt::detail::parsed_token).name(),
                                 typeid(ajwt::verifier<ajwt::static_key_repository<>>).name()}) {
    INFO(name);
    CHECK(name.find(prefix) != std::string::npos);
  }
}
