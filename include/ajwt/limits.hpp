// SPDX-License-Identifier: ISC
// The size limits on keys and key texts, one set for every loader (PEM, DER, OpenSSH, JWK, JWKS,
// authorized_keys, the key database): a key one loader takes, every other loader takes too.
#ifndef AJWT_LIMITS_HPP
#define AJWT_LIMITS_HPP

#include <cstddef>

#include "version.hpp"

AJWT_NAMESPACE_BEGIN

/// RSA keys below this size are refused everywhere (NIST SP 800-131A: 2048 bits until 2030).
inline constexpr int min_rsa_bits = 2048;
/// RSA keys above this size are refused: verifying with a huge modulus costs the server quadratically
/// more per token, so a JWKS document could otherwise make every request expensive.
inline constexpr int max_rsa_bits = 8192;
/// RSA public exponents are odd, at least 3 and below 2^max_rsa_exponent_bits: every real key uses
/// 65537 (or 3), and a huge exponent only makes verification slower.
inline constexpr int max_rsa_exponent_bits = 32;
/// Key files and JWK/JWKS texts longer than this are refused before parsing (OpenSSH private key
/// files included: a 8192-bit RSA key file is about 7 KB).
inline constexpr std::size_t max_key_text_bytes = 1 << 20;
/// A JWKS document with more keys than this is refused.
inline constexpr std::size_t max_jwks_keys = 256;

AJWT_NAMESPACE_END

#endif  // AJWT_LIMITS_HPP
