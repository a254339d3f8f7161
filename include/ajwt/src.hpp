// SPDX-License-Identifier: ISC
// The bodies of ajwt's non-template functions, for separate compilation: define AJWT_SEPARATE_COMPILATION
// for the whole program and include this header in exactly one source file (or link the ajwt::compiled
// CMake target, which does both). Header-only builds (the default) never include it: every header then
// includes its own bodies. The optional components (ajwt/nonce/redis.hpp, ajwt/repository/jwks_url.hpp,
// ajwt/repository/sql/, ajwt/http/) stay header-only in both modes; they compile with the library they
// wrap, which the program links anyway.
#ifndef AJWT_SRC_HPP
#define AJWT_SRC_HPP

#if !defined(AJWT_SEPARATE_COMPILATION)
#error \
    "<ajwt/src.hpp> compiles ajwt's function bodies for AJWT_SEPARATE_COMPILATION: define it for the whole program (or link ajwt::compiled)"
#endif

#include "impl/detail/base64.ipp"
#include "impl/detail/bcrypt_pbkdf.ipp"
#include "impl/detail/ed25519.ipp"
#include "impl/detail/json.ipp"
#include "impl/detail/json_scan.ipp"
#include "impl/detail/json_write.ipp"
#include "impl/detail/jwk_import.ipp"
#include "impl/detail/jwk_private.ipp"
#include "impl/detail/key_state.ipp"
#include "impl/detail/key_text.ipp"
#include "impl/detail/openssh_private.ipp"
#include "impl/detail/openssh_public.ipp"
#include "impl/detail/openssh_wire.ipp"
#include "impl/detail/openssl.ipp"
#include "impl/detail/private_pem.ipp"
#include "impl/detail/rsa_private.ipp"
#include "impl/detail/text.ipp"
#include "impl/detail/verify_steps.ipp"
#include "impl/jwks.ipp"
#include "impl/jws.ipp"
#include "impl/jws_sign.ipp"
#include "impl/key_repository.ipp"
#include "impl/nonce/memory.ipp"
#include "impl/private_key.ipp"
#include "impl/public_key.ipp"
#include "impl/repository/authorized_keys.ipp"
#include "impl/request.ipp"
#include "impl/result.ipp"
#include "impl/token.ipp"
#include "impl/verified_token.ipp"

#endif  // AJWT_SRC_HPP
