// SPDX-License-Identifier: ISC
// ajwt — server-to-server authentication with asymmetric keys and JWTs, wire-compatible with the
// Python library asymmetric-jwt-auth. This umbrella header includes the whole core (no optional
// dependencies): for Redis include <ajwt/nonce/redis.hpp>, for JWKS URLs <ajwt/repository/jwks_url.hpp>.
#ifndef AJWT_AJWT_HPP
#define AJWT_AJWT_HPP

#include "algorithm.hpp"
#include "clock.hpp"
#include "error.hpp"
#include "jws.hpp"
#include "jws_sign.hpp"
#include "key_repository.hpp"
#include "keys.hpp"
#include "nonce/memory.hpp"
#include "nonce_store.hpp"
#include "repository/authorized_keys.hpp"
#include "repository/combined.hpp"
#include "repository/static.hpp"
#include "request.hpp"
#include "result.hpp"
#include "token.hpp"
#include "verified_token.hpp"
#include "verifier.hpp"
#include "version.hpp"
#include "wire.hpp"

#endif  // AJWT_AJWT_HPP
