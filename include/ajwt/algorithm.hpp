// SPDX-License-Identifier: ISC
// The JWS algorithms ajwt signs and verifies (RS256/384/512, PS256/384/512, ES256, EdDSA), their names on
// the wire, and algorithm_set, the allow-list a verifier checks a token's "alg" against.
#ifndef AJWT_ALGORITHM_HPP
#define AJWT_ALGORITHM_HPP

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "version.hpp"

AJWT_NAMESPACE_BEGIN

/// The kinds of key ajwt accepts. Anything else (DSA, other curves, RSA under 2048 bits) is refused.
enum class key_type : std::uint8_t { rsa, ed25519, ec_p256 };

/// "rsa", "ed25519" or "ec-p256" (the spelling of `ajwt keygen --type`).
constexpr std::string_view to_string(key_type t) noexcept {
  switch (t) {
    case key_type::rsa: return "rsa";
    case key_type::ed25519: return "ed25519";
    case key_type::ec_p256: return "ec-p256";
  }
  return "unknown";
}

/// JWS algorithms (RFC 7518 section 3, RFC 8037, RFC 9864). There is no `none` and no HMAC: a
/// shared-secret algorithm has no place in an asymmetric protocol, and its absence closes the
/// classic "HS256 signed with the public key" confusion by construction.
enum class algorithm : std::uint8_t {
  rs256,
  rs384,
  rs512,
  ps256,
  ps384,
  ps512,
  es256,
  eddsa,    ///< "EdDSA" (RFC 8037), used with Ed25519 keys
  ed25519,  ///< "Ed25519", the fully-specified name of RFC 9864; same signature as EdDSA with Ed25519
};

/// The JOSE name of an algorithm ("RS512", "EdDSA", ...).
constexpr std::string_view to_string(algorithm a) noexcept {
  switch (a) {
    case algorithm::rs256: return "RS256";
    case algorithm::rs384: return "RS384";
    case algorithm::rs512: return "RS512";
    case algorithm::ps256: return "PS256";
    case algorithm::ps384: return "PS384";
    case algorithm::ps512: return "PS512";
    case algorithm::es256: return "ES256";
    case algorithm::eddsa: return "EdDSA";
    case algorithm::ed25519: return "Ed25519";
  }
  return "unknown";
}

/// Parses a JOSE algorithm name. Names are case-sensitive (RFC 7515 section 4.1.1), so "rs256",
/// "NONE" and "none" all give nullopt, as do HS256/HS384/HS512 and every other unsupported name.
constexpr std::optional<algorithm> parse_algorithm(std::string_view name) noexcept {
  for (auto a : {algorithm::rs256, algorithm::rs384, algorithm::rs512, algorithm::ps256, algorithm::ps384,
                 algorithm::ps512, algorithm::es256, algorithm::eddsa, algorithm::ed25519})
    if (to_string(a) == name) return a;
  return std::nullopt;
}

/// The key type an algorithm needs.
constexpr key_type required_key_type(algorithm a) noexcept {
  switch (a) {
    case algorithm::es256: return key_type::ec_p256;
    case algorithm::eddsa:
    case algorithm::ed25519: return key_type::ed25519;
    default: return key_type::rsa;
  }
}

/// The algorithm a key signs with unless told otherwise: RS512 for RSA (as the Python library),
/// EdDSA for Ed25519, ES256 for P-256.
constexpr algorithm default_algorithm(key_type t) noexcept {
  switch (t) {
    case key_type::rsa: return algorithm::rs512;
    case key_type::ed25519: return algorithm::eddsa;
    case key_type::ec_p256: return algorithm::es256;
  }
  return algorithm::rs512;
}

/// A set of algorithms (a bit mask), used as a verifier's allow-list.
class algorithm_set {
 public:
  /// The empty set.
  constexpr algorithm_set() noexcept = default;
  /// The set of `algs`.
  constexpr algorithm_set(std::initializer_list<algorithm> algs) noexcept {
    for (auto a : algs) bits_ |= bit(a);
  }
  /// Every algorithm ajwt implements, PS* included.
  static constexpr algorithm_set all() noexcept {
    return {algorithm::rs256, algorithm::rs384, algorithm::rs512, algorithm::ps256,  algorithm::ps384,
            algorithm::ps512, algorithm::es256, algorithm::eddsa, algorithm::ed25519};
  }
  /// What a verifier accepts by default: the Python library's set (RS512, RS384, RS256, EdDSA), plus
  /// ES256 for P-256 keys and the RFC 9864 name Ed25519. RSA-PSS is opt-in.
  static constexpr algorithm_set defaults() noexcept {
    return {algorithm::rs256, algorithm::rs384, algorithm::rs512,
            algorithm::es256, algorithm::eddsa, algorithm::ed25519};
  }
  /// Whether `a` is in the set.
  [[nodiscard]] constexpr bool contains(algorithm a) const noexcept { return (bits_ & bit(a)) != 0; }
  /// Adds `a` (e.g. to opt in to PS256); returns the set for chaining.
  constexpr algorithm_set& insert(algorithm a) noexcept {
    bits_ |= bit(a);
    return *this;
  }
  /// Removes `a`; returns the set for chaining.
  constexpr algorithm_set& erase(algorithm a) noexcept {
    bits_ &= static_cast<std::uint16_t>(~bit(a));
    return *this;
  }
  /// Whether the set holds no algorithm (a verifier with an empty allow-list accepts nothing).
  [[nodiscard]] constexpr bool empty() const noexcept { return bits_ == 0; }
  /// Sets are equal when they hold the same algorithms.
  friend constexpr bool operator==(algorithm_set x, algorithm_set y) noexcept { return x.bits_ == y.bits_; }
  /// Sets differ when one holds an algorithm the other lacks.
  friend constexpr bool operator!=(algorithm_set x, algorithm_set y) noexcept { return x.bits_ != y.bits_; }

 private:
  static constexpr std::uint16_t bit(algorithm a) noexcept {
    return static_cast<std::uint16_t>(1U << static_cast<unsigned>(a));
  }
  std::uint16_t bits_ = 0;
};

AJWT_NAMESPACE_END

#endif  // AJWT_ALGORITHM_HPP
