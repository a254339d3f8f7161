// SPDX-License-Identifier: ISC
// The libsodium backend for Ed25519 (RFC 8032): signing and verification on raw keys that keys.hpp
// extracts once, when a key is loaded. Compiled in only with AJWT_WITH_SODIUM, which the CMake target
// ajwt::sodium defines (it links libsodium); define it the same way in every translation unit of a
// program. OpenSSL still loads every key and remains the fallback: when sodium_init() fails, the
// functions here answer "not available" and jws.hpp uses OpenSSL.
//
// crypto_sign_verify_detached (libsodium 1.0.18, built without ED25519_COMPAT) refuses S >= L, a
// small-order R, a small-order or non-canonical public key, and then compares the recomputed R with the
// signature's R bytes (cofactorless), as OpenSSL does: with ajwt's own checks (detail/ed25519.hpp),
// which run before either backend, both backends give the same verdict on every input
// (tests/ed25519_backends_test.cpp, fuzz/ed25519_diff_fuzz.cpp).
#ifndef AJWT_DETAIL_SODIUM_HPP
#define AJWT_DETAIL_SODIUM_HPP

#if defined(AJWT_WITH_SODIUM)

#include <sodium.h>

#include <cstddef>
#include <string_view>

#include "../version.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail::sodium {

/// Initialises libsodium once per process (thread-safe: a function-local static); false when it
/// cannot be initialised, and then every caller uses OpenSSL.
[[nodiscard]] inline bool available() noexcept {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

/// True when the 64-byte signature `sig` of `msg` verifies under the 32-byte public key `pk`.
[[nodiscard]] inline bool ed25519_verify(const unsigned char* pk, std::string_view msg,
                                         const unsigned char* sig) noexcept {
  return crypto_sign_verify_detached(sig, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                                     pk) == 0;
}

/// Writes the 64-byte signature of `msg` under the 64-byte secret key `sk` (seed || public key) into
/// `sig`. False only if libsodium fails.
[[nodiscard]] inline bool ed25519_sign(const unsigned char* sk, std::string_view msg,
                                       unsigned char* sig) noexcept {
  unsigned long long len = 0;
  return crypto_sign_detached(sig, &len, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                              sk) == 0 &&
         len == crypto_sign_BYTES;
}

static_assert(crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_SECRETKEYBYTES == 64 && crypto_sign_BYTES == 64,
              "ajwt: unexpected libsodium Ed25519 sizes");

}  // namespace detail::sodium
AJWT_NAMESPACE_END

#endif  // AJWT_WITH_SODIUM

#endif  // AJWT_DETAIL_SODIUM_HPP
