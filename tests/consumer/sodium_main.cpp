// SPDX-License-Identifier: ISC
// Linked against ajwt::sodium (or built with `pkg-config --cflags --libs ajwt-sodium`): proves the target
// brings AJWT_WITH_SODIUM and libsodium along, and that EdDSA then signs and verifies through libsodium.
#include <ajwt/jws.hpp>
#include <ajwt/jws_sign.hpp>
#include <ajwt/keys.hpp>

#include <cstdio>

#if !defined(AJWT_WITH_SODIUM)
#error "ajwt::sodium must define AJWT_WITH_SODIUM"
#endif

int main() {
  if (ajwt::detail::default_ed25519_backend() != ajwt::detail::ed25519_backend::sodium) {
    std::fprintf(stderr, "libsodium is not the Ed25519 backend\n");
    return 1;
  }
  const auto key = ajwt::private_key::generate(ajwt::key_type::ed25519);
  const std::string token = ajwt::jws::sign_compact(key, ajwt::algorithm::eddsa, {{"typ", "JWT"}}, "{}");
  if (!ajwt::jws::verify_compact(token, key.public_part()).ok()) {
    std::fprintf(stderr, "an EdDSA token signed with libsodium does not verify\n");
    return 1;
  }
  std::printf("ajwt with libsodium %s: EdDSA signed and verified\n", sodium_version_string());
  return 0;
}
