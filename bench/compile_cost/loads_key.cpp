// SPDX-License-Identifier: ISC
// Compile-cost subject (bench/compile_cost.sh): user.cpp plus the startup code that loads its private key
// from a file, as the one file of a program that reads its configuration would. private_key::load_file
// reads every format (PEM and encrypted PKCS#8, the OpenSSH container with its passphrase KDF and ciphers,
// private JWKs), so a file that calls it compiles all of their readers.
#include "user.cpp"  // NOLINT(bugprone-suspicious-include): the same user file, measured with its startup code

#include <cstdlib>

const ajwt::private_key& service_key() {
  static const ajwt::private_key key = [] {
    const char* path = std::getenv("SERVICE_KEY_FILE");
    return ajwt::private_key::load_file(path != nullptr ? path : "service.key");
  }();
  return key;
}
