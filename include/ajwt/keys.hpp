// SPDX-License-Identifier: ISC
// Keys: public_key (public_key.hpp), private_key (private_key.hpp) and JWKS documents (jwks.hpp). A
// server that only verifies may include public_key.hpp alone.
#ifndef AJWT_KEYS_HPP
#define AJWT_KEYS_HPP

#include "jwks.hpp"
#include "limits.hpp"
#include "private_key.hpp"
#include "public_key.hpp"

#endif  // AJWT_KEYS_HPP
