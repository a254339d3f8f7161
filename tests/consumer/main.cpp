// SPDX-License-Identifier: ISC
// A program that uses ajwt as a consumer project would, through the installed package (find_package,
// pkg-config) or the source tree (add_subdirectory). It fails when it sees a version other than the expected.
#include <cstdio>
#include <string_view>

#if AJWT_EXPECT_UMBRELLA
#include <ajwt/ajwt.hpp>
#else  // the umbrella header does not exist yet in this source tree
#include <ajwt/error.hpp>
#include <ajwt/version.hpp>
#endif

// Not needed to use ajwt: proves that linking ajwt brings libcrypto's include path and library along.
#include <openssl/crypto.h>

int main() {
  const std::string_view reason_name = ajwt::to_string(ajwt::reason::bad_signature);
  std::printf("ajwt %s, reason %.*s, %s\n", ajwt::version_string, static_cast<int>(reason_name.size()),
              reason_name.data(), OpenSSL_version(OPENSSL_VERSION));
  if (std::string_view(ajwt::version_string) != AJWT_EXPECTED_VERSION) {
    std::fprintf(stderr, "expected ajwt %s, found %s\n", AJWT_EXPECTED_VERSION, ajwt::version_string);
    return 1;
  }
  return reason_name == "bad_signature" ? 0 : 1;
}
