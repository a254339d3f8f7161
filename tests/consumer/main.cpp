// SPDX-License-Identifier: ISC
// A program that uses ajwt as a consumer project would, through the installed package (find_package,
// pkg-config) or the source tree (add_subdirectory): it signs a token and verifies it, and fails when
// it sees a version other than the expected.
#include <ajwt/ajwt.hpp>

#include <cstdio>
#include <string_view>

#if defined(AJWT_EXPECT_SEPARATE_COMPILATION) && !defined(AJWT_SEPARATE_COMPILATION)
#error "ajwt::compiled must define AJWT_SEPARATE_COMPILATION for what links it"
#endif

int main() {
  if (std::string_view(ajwt::version_string) != AJWT_EXPECTED_VERSION) {
    std::fprintf(stderr, "expected ajwt %s, found %s\n", AJWT_EXPECTED_VERSION, ajwt::version_string);
    return 1;
  }
  const auto key = ajwt::private_key::generate(ajwt::key_type::ed25519);
  ajwt::static_key_repository<> users;
  users.add("consumer", key.public_part());
  ajwt::verifier verify(users);
  const auto first = verify.verify_header(ajwt::token_builder(key, "consumer").header());
  const auto header = ajwt::token_builder(key, "consumer").header();
  const auto ok = verify.verify_header(header);
  const auto replay = verify.verify_header(header);
  std::printf("ajwt %s: %s, replay %s\n", ajwt::version_string, ok ? "accepted" : "rejected",
              replay ? "accepted" : std::string(ajwt::to_string(replay.reason())).c_str());
  return first && ok && !replay && replay.reason() == ajwt::reason::nonce_replayed ? 0 : 1;
}
