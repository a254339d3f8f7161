// SPDX-License-Identifier: ISC
// ajwt::public_key: an RSA, Ed25519 or P-256 public key loaded from PEM, an OpenSSH line or a JWK, with
// its kid and thumbprint; what a server needs to verify.
#ifndef AJWT_PUBLIC_KEY_HPP
#define AJWT_PUBLIC_KEY_HPP

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
#include <utility>
#include <vector>

#include "algorithm.hpp"
#include "detail/jwk_import.hpp"
#include "detail/key_state.hpp"
#include "detail/key_text.hpp"
#include "detail/openssh_public.hpp"
#include "error.hpp"
#include "limits.hpp"
#include "version.hpp"

AJWT_NAMESPACE_BEGIN

class private_key;

/// A public key: RSA (2048 to 8192 bits), Ed25519 or EC P-256. Immutable once loaded, cheap to copy
/// (a shared pointer), safe to use from many threads at once. The key id and thumbprint are
/// computed at load, never per request.
class public_key {
 public:
  /// Loads a public key from text, detecting the format: SPKI PEM ("PUBLIC KEY"), PKCS#1 PEM
  /// ("RSA PUBLIC KEY"), an OpenSSH line ("ssh-ed25519 AAAA... comment"), or a JWK object (its
  /// private members, if any, are ignored). Throws key_error naming what is wrong.
  static public_key load(std::string_view text) { return load_named(text, "public key"); }

  /// Loads a public key file in any of the formats of load(); errors name the file.
  static public_key load_file(const std::filesystem::path& path);

  /// Makes a public key from a parsed JWK object; its "kid" and "alg" members are kept ("alg" then
  /// restricts the key to that algorithm). `source` names the JWK in error messages.
  static public_key from_jwk(const nlohmann::json& jwk, std::string_view source = "JWK");

  /// Wraps an existing OpenSSL key (the public part is used; a reference is taken). Escape hatch.
  static public_key from_native(EVP_PKEY* pkey);

  /// RSA, Ed25519 or EC P-256.
  [[nodiscard]] key_type type() const noexcept { return s_->type; }
  /// Key size in bits as OpenSSL reports it: the modulus for RSA, 256 for P-256 and for Ed25519.
  [[nodiscard]] int bits() const noexcept { return s_->bits; }
  /// The key id the Python library sends: lowercase hex SHA-256 of the SPKI PEM text.
  [[nodiscard]] const std::string& kid() const noexcept { return s_->kid; }
  /// The RFC 7638 JWK thumbprint (SHA-256, base64url).
  [[nodiscard]] const std::string& thumbprint() const noexcept { return s_->thumbprint; }
  /// The "kid" this key was published with in a JWK (empty when none).
  [[nodiscard]] const std::string& jwk_kid() const noexcept { return s_->jwk_kid; }
  /// The algorithm the key's JWK pinned it to with "alg" (nullopt when none: every algorithm of its type).
  [[nodiscard]] const std::optional<algorithm>& pinned_algorithm() const noexcept { return s_->pinned_alg; }
  /// True when `kid` names this key: its fingerprint, its thumbprint or its published JWK kid.
  [[nodiscard]] bool matches_kid(std::string_view kid) const noexcept;
  /// The algorithm tokens are signed with by default for this key type (or the JWK's pinned "alg").
  [[nodiscard]] algorithm default_algorithm() const noexcept;
  /// True when this key may verify `a`: the key type fits and, for a JWK with "alg", it is that one.
  [[nodiscard]] bool allows(algorithm a) const noexcept;
  /// The SPKI PEM text (64-character lines, final newline); kid() hashes exactly these bytes.
  [[nodiscard]] const std::string& to_pem() const noexcept { return s_->spki_pem; }
  /// The OpenSSH public key line "TYPE BASE64[ COMMENT]", without a newline.
  [[nodiscard]] std::string to_openssh(std::string_view comment = {}) const;
  /// The public JWK: kty, use "sig", alg, kid (the fingerprint, as the Python library publishes it)
  /// and the key's members.
  [[nodiscard]] nlohmann::json to_jwk() const;
  /// The underlying OpenSSL key, for advanced use. Do not modify it.
  [[nodiscard]] EVP_PKEY* native_handle() const noexcept { return s_->pkey.get(); }
  /// A process-unique id of this loaded key (copies share it); keys prepared contexts in caches.
  [[nodiscard]] std::uint64_t id() const noexcept { return s_->id; }

  /// Two keys are equal when they hold the same public key material.
  friend bool operator==(const public_key& a, const public_key& b) noexcept {
    return a.s_ == b.s_ || a.s_->spki_pem == b.s_->spki_pem;
  }
  /// Keys differ when their SPKI PEM texts differ.
  friend bool operator!=(const public_key& a, const public_key& b) noexcept { return !(a == b); }

 private:
  friend class private_key;
  friend struct detail::public_key_access;
  explicit public_key(std::shared_ptr<const detail::key_state> s) : s_(std::move(s)) {}

  static public_key load_named(std::string_view text, std::string_view source);

  std::shared_ptr<const detail::key_state> s_;
};

namespace detail {

/// What the verification code reads from a loaded key beyond the public API (jws.hpp).
struct public_key_access {
  /// The raw 32-byte Ed25519 public key (all zeros for other key types).
  static const unsigned char* ed25519_public(const public_key& k) noexcept {
    return k.s_->ed25519_raw.data();
  }
};

}  // namespace detail

AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "impl/public_key.ipp"
#endif

#endif  // AJWT_PUBLIC_KEY_HPP
