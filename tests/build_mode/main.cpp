// SPDX-License-Identifier: ISC
// build_mode:separate_program_runs: a program whose only ajwt user file is compiled with
// AJWT_SEPARATE_COMPILATION, the bodies coming from ajwt::compiled, signs and verifies like any other.
#include <cstdio>

#include "user.hpp"

int main() {
#if !defined(AJWT_SEPARATE_COMPILATION)
#error "ajwt::compiled passes AJWT_SEPARATE_COMPILATION on to what links it"
#endif
  std::puts(sign_and_verify_twice().c_str());
  return 0;
}
