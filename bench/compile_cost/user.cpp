// SPDX-License-Identifier: ISC
// Compile-cost subject (bench/compile_cost.sh): a user file that builds a verifier and a token builder and
// verifies, as a service that both calls and is called would. Its private key was loaded once at startup,
// in the file that reads the configuration (loads_key.cpp measures that file). Compiled header-only and with
// AJWT_SEPARATE_COMPILATION (then the bodies come from <ajwt/src.hpp>, compiled once elsewhere).
#include <ajwt/nonce/memory.hpp>
#include <ajwt/private_key.hpp>
#include <ajwt/repository/static.hpp>
#include <ajwt/token.hpp>
#include <ajwt/verifier.hpp>

#include <cstdio>

/// The service's key, loaded at startup (by another file of the program).
const ajwt::private_key& service_key();

int main() {
  const ajwt::private_key& key = service_key();
  ajwt::static_key_repository<> repo;
  repo.add("alice", key.public_part());
  ajwt::verifier v(repo);
  const ajwt::token_builder builder(key, "alice");
  const auto result = v.verify_header(builder.header());
  if (!result) {
    std::printf("rejected: %s\n", result.detail().c_str());
    return 1;
  }
  std::printf("%s\n", result->username().c_str());
  return 0;
}
