// SPDX-License-Identifier: ISC
// Signing a JWS: the client side of jws.hpp. Kept apart so that a server that only verifies compiles no
// private-key code (private_key.hpp, the OpenSSH private-key container, bcrypt_pbkdf).
#ifndef AJWT_JWS_SIGN_HPP
#define AJWT_JWS_SIGN_HPP

#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "algorithm.hpp"
#include "detail/base64.hpp"
#include "detail/json_write.hpp"
#include "detail/openssl.hpp"
#include "detail/sodium.hpp"
#include "error.hpp"
#include "jws.hpp"
#include "private_key.hpp"
#include "version.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

/// Converts OpenSSL's DER ECDSA signature to the JWS r||s form.
AJWT_DECL std::string es256_der_to_raw(const unsigned char* der, std::size_t len);

/// Signs `signing_input` with `key` using `alg` through OpenSSL (the key must allow `alg`); returns the
/// JWS signature octets (ES256: r||s). Throws crypto_error if OpenSSL fails.
[[nodiscard]] AJWT_DECL std::string sign_openssl(const private_key& key, algorithm alg,
                                                 std::string_view signing_input);

/// Signs with an Ed25519 key through backend `b` (deterministic: both give the same 64 octets).
/// Throws key_error for another key type, crypto_error when the backend is unavailable or fails.
[[nodiscard]] AJWT_DECL std::string ed25519_sign(ed25519_backend b, const private_key& key,
                                                 std::string_view signing_input);

}  // namespace detail

namespace jws {

/// Signs `signing_input` with `key` using `alg`; returns the JWS signature octets (ES256: r||s).
/// Ed25519 goes through libsodium when built with it (detail::default_ed25519_backend), everything
/// else through OpenSSL. Throws key_error when the key cannot sign with `alg`, crypto_error if the
/// backend fails.
AJWT_DECL std::string sign(const private_key& key, algorithm alg, std::string_view signing_input);

/// Makes a compact JWS: the header gets "alg" set from `alg` (other members, such as "typ" and
/// "kid", are taken from `header`); `payload` is the octets to sign. Throws on misuse.
AJWT_DECL std::string sign_compact(const private_key& key, algorithm alg, nlohmann::json header,
                                   std::string_view payload);

}  // namespace jws
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "impl/jws_sign.ipp"
#endif

#endif  // AJWT_JWS_SIGN_HPP
