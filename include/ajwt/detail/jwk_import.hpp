// SPDX-License-Identifier: ISC
// JWK import (RFC 7517, RFC 7518 section 6), public side: strict members and the "kid"/"alg" metadata,
// into an EVP_PKEY that then goes through the key policy. Private JWKs: jwk_private.hpp. Internal:
// ajwt::detail.
#ifndef AJWT_DETAIL_JWK_IMPORT_HPP
#define AJWT_DETAIL_JWK_IMPORT_HPP

#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "../algorithm.hpp"
#include "../error.hpp"
#include "../limits.hpp"
#include "../version.hpp"
#include "base64.hpp"
#include "json.hpp"
#include "key_state.hpp"
#include "openssl.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

/// Strict base64url member of a JWK, with a size bound; throws key_error naming the member.
AJWT_DECL std::string jwk_bytes(const nlohmann::json& jwk, const char* member, std::string_view source,
                                std::size_t max_len, bool required = true);

AJWT_DECL bn_ptr bytes_to_bn(std::string_view bytes);

/// The "kty" of a JWK after the checks every import makes (a JSON object; "use", when present, is "sig").
AJWT_DECL const std::string& jwk_kty(const nlohmann::json& jwk, std::string_view source);

/// Refuses a JWK whose "crv" is not `expected` (the only curve ajwt supports for its key type).
AJWT_DECL void require_jwk_curve(const nlohmann::json& jwk, std::string_view kty, const char* expected,
                                 std::string_view source);

/// An RSA JWK's "n" and "e", pushed onto `bld` (which refers to them until it is turned into parameters).
struct rsa_public_numbers {
  bn_ptr n;
  bn_ptr e;
};
AJWT_DECL rsa_public_numbers push_rsa_public(const nlohmann::json& jwk, OSSL_PARAM_BLD* bld,
                                             std::string_view source);

/// A P-256 JWK's point as the 65-byte uncompressed encoding. RFC 7518 asks for full-length (32-byte)
/// coordinates, and to_jwk writes them so. PyJWT up to 2.7 (Debian 12 ships 2.6) writes them as minimal
/// integers, without leading zero bytes: one key in 128 has a shorter coordinate. Those are read as the same
/// integers, left-padded; the point is still checked on the curve, and the thumbprint is computed from the
/// full-length form.
AJWT_DECL std::string p256_jwk_point(const nlohmann::json& jwk, std::string_view source);

/// What a P-256 JWK import says when OpenSSL refuses its point. With 32-byte coordinates the only way
/// EVP_PKEY_fromdata can refuse the public point is that it is not on P-256 (or a coordinate is not below
/// p): it says so rather than quote OpenSSL.
inline constexpr std::string_view p256_off_curve = "P-256 JWK point (\"x\", \"y\") is not on the curve";

/// An Ed25519 JWK's "x", exactly 32 bytes.
AJWT_DECL std::string ed25519_jwk_x(const nlohmann::json& jwk, std::string_view source);

/// Refuses a key type ajwt does not support.
[[noreturn]] AJWT_DECL void throw_unsupported_kty(std::string_view kty, std::string_view source);

/// Parses a public JWK object into an EVP_PKEY (private members, if any, are ignored: the private
/// import is jwk_private.hpp's, off the verify path).
AJWT_DECL pkey_ptr pkey_from_public_jwk(const nlohmann::json& jwk, std::string_view source);

/// Checks the JWK's "kid" (a string) and "alg" (an algorithm ajwt supports for a key of `type`) members;
/// returns the algorithm named by "alg", if any. Throws key_error naming `source` otherwise.
AJWT_DECL std::optional<algorithm> check_jwk_metadata(const nlohmann::json& jwk, key_type type,
                                                      std::string_view source);

/// Applies the JWK's "kid" and "alg" members to a key state (after validation of the key itself).
AJWT_DECL void apply_jwk_metadata(key_state& s, const nlohmann::json& jwk, std::string_view source);

AJWT_DECL nlohmann::json parse_jwk_text(std::string_view text, std::string_view source);

}  // namespace detail
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/detail/jwk_import.ipp"
#endif

#endif  // AJWT_DETAIL_JWK_IMPORT_HPP
