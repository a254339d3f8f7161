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
#include "rsa_private.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

/// A secret JWK member as a BIGNUM in secure memory; the decoded bytes are wiped. With `too_long`, more
/// than `max_len` decoded bytes are refused with that message.
AJWT_DECL secure_bn_ptr jwk_secret_bn(const nlohmann::json& jwk, const char* member, std::string_view source,
                                      std::size_t max_len, std::string_view too_long = {});

/// Parses a private JWK object (RSA with or without the CRT members, P-256, Ed25519) into an EVP_PKEY
/// holding both halves, after checking that the private members belong to the public ones (for RSA with
/// rsa_private_mismatch, the check OpenSSH keys go through too).
AJWT_DECL pkey_ptr pkey_from_private_jwk(const nlohmann::json& jwk, std::string_view source);

}  // namespace detail
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/detail/jwk_private.ipp"
#endif

#endif  // AJWT_DETAIL_JWK_PRIVATE_HPP
