// SPDX-License-Identifier: ISC
// JWK import of private keys (RFC 7518 section 6): the private members on top of jwk_import.hpp's public
// ones, and the consistency checks that make a mismatched key fail at load. Client side only:
// private_key.hpp includes it, the verify path does not. Internal: namespace ajwt::detail.
#ifndef AJWT_DETAIL_JWK_PRIVATE_HPP
#define AJWT_DETAIL_JWK_PRIVATE_HPP

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../error.hpp"
#include "../limits.hpp"
#include "../version.hpp"
#include "jwk_import.hpp"
#include "key_state.hpp"
#include "openssl.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

/// Checks that the separately given numbers of an RSA private JWK belong together, so a mismatched key
/// fails at load rather than by signing tokens nobody can verify. With the CRT members (RFC 7518 section
/// 6.3.2): n = p*q, dp = d mod (p-1), dq = d mod (q-1), e*dp = 1 mod (p-1), e*dq = 1 mod (q-1) and
/// q*qi = 1 mod p (cheap, and together they prove e*d = 1 mod lcm(p-1, q-1)); without them,
/// (2^e)^d = 2 mod n. Throws key_error naming `source`.
AJWT_DECL void check_rsa_private(const EVP_PKEY* pkey, std::string_view source);

/// A secret JWK member as a BIGNUM in secure memory; the decoded bytes are wiped. With `too_long`, more
/// than `max_len` decoded bytes are refused with that message.
AJWT_DECL secure_bn_ptr jwk_secret_bn(const nlohmann::json& jwk, const char* member, std::string_view source,
                                      std::size_t max_len, std::string_view too_long = {});

/// Parses a private JWK object (RSA with or without the CRT members, P-256, Ed25519) into an EVP_PKEY
/// holding both halves, after checking that the private members belong to the public ones.
AJWT_DECL pkey_ptr pkey_from_private_jwk(const nlohmann::json& jwk, std::string_view source);

}  // namespace detail
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/detail/jwk_private.ipp"
#endif

#endif  // AJWT_DETAIL_JWK_PRIVATE_HPP
