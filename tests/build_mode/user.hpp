// SPDX-License-Identifier: ISC
#ifndef AJWT_TESTS_BUILD_MODE_USER_HPP
#define AJWT_TESTS_BUILD_MODE_USER_HPP

#include <string>

/// Signs a token, verifies it, verifies it again: "alice accepted, replay nonce_replayed".
std::string sign_and_verify_twice();

#endif
