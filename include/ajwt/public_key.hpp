// SPDX-License-Identifier: ISC
// ajwt::public_key: an RSA, Ed25519 or P-256 public key loaded from PEM, an OpenSSH line or a JWK, with
// its kid and thumbprint; what a server needs to verify.
#ifndef AJWT_PUBLIC_KEY_HPP
#define AJWT_PUBLIC_KEY_HPP

#include <openssl/decoder.h>
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
  static public_key load_file(const std::filesystem::path& path) {
    const std::string text = detail::read_key_file(path);
    return load_named(text, path.string());
  }

  /// Makes a public key from a parsed JWK object; its "kid" and "alg" members are kept ("alg" then
  /// restricts the key to that algorithm). `source` names the JWK in error messages.
  static public_key from_jwk(const nlohmann::json& jwk, std::string_view source = "JWK") {
    auto pkey = detail::pkey_from_public_jwk(jwk, source);
    auto s = detail::make_key_state(std::move(pkey), source);
    detail::apply_jwk_metadata(*s, jwk, source);
    return public_key(std::move(s));
  }

  /// Wraps an existing OpenSSL key (the public part is used; a reference is taken). Escape hatch.
  static public_key from_native(EVP_PKEY* pkey) {
    if (!pkey) throw key_error("ajwt: null EVP_PKEY");
    // Copy only the public part, so a public_key never carries private material.
    unsigned char* der = nullptr;
    const int len = i2d_PUBKEY(pkey, &der);
    if (len <= 0)
      throw key_error("ajwt: cannot encode the public part of the key: " + detail::drain_openssl_errors());
    const unsigned char* p = der;
    EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, len);
    OPENSSL_free(der);
    if (!pub)
      throw key_error("ajwt: cannot decode the public part of the key: " + detail::drain_openssl_errors());
    return public_key(detail::make_key_state(detail::pkey_ptr(pub), "key"));
  }

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
  [[nodiscard]] bool matches_kid(std::string_view kid) const noexcept {
    return !kid.empty() && (kid == s_->kid || kid == s_->thumbprint || kid == s_->jwk_kid);
  }
  /// The algorithm tokens are signed with by default for this key type (or the JWK's pinned "alg").
  [[nodiscard]] algorithm default_algorithm() const noexcept {
    return s_->pinned_alg ? *s_->pinned_alg : ajwt::default_algorithm(s_->type);
  }
  /// True when this key may verify `a`: the key type fits and, for a JWK with "alg", it is that one.
  [[nodiscard]] bool allows(algorithm a) const noexcept {
    return required_key_type(a) == s_->type &&
           (!s_->pinned_alg || *s_->pinned_alg == a || (s_->type == key_type::ed25519));
  }
  /// The SPKI PEM text (64-character lines, final newline); kid() hashes exactly these bytes.
  [[nodiscard]] const std::string& to_pem() const noexcept { return s_->spki_pem; }
  /// The OpenSSH public key line "TYPE BASE64[ COMMENT]", without a newline.
  [[nodiscard]] std::string to_openssh(std::string_view comment = {}) const {
    return detail::openssh::write_public_line(s_->pkey.get(), comment);
  }
  /// The public JWK: kty, use "sig", alg, kid (the fingerprint, as the Python library publishes it)
  /// and the key's members.
  [[nodiscard]] nlohmann::json to_jwk() const {
    auto j = detail::public_jwk_members(s_->pkey.get(), s_->type);
    j["use"] = "sig";
    j["alg"] = std::string(to_string(default_algorithm()));
    j["kid"] = s_->kid;
    return j;
  }
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
  friend struct detail::key_access;
  explicit public_key(std::shared_ptr<const detail::key_state> s) : s_(std::move(s)) {}

  static public_key load_named(std::string_view text, std::string_view source) {
    if (text.size() > max_key_text_bytes) detail::throw_key_error(source, "key text is too large");
    const auto t = detail::trim(text);
    if (t.empty()) detail::throw_key_error(source, "empty key");
    detail::require_one_pem_block(t, source);
    if (t.front() == '{') {
      auto j = detail::parse_jwk_text(t, source);
      if (j.is_object() && j.contains("keys"))
        detail::throw_key_error(source, "this is a JWKS document (a set of keys); load it with load_jwks");
      return from_jwk(j, source);
    }
    if (detail::openssh::is_public_line(t)) {
      detail::pkey_ptr pkey;
      try {
        pkey = detail::openssh::parse_public_line(t);
      } catch (const key_error& e) {
        detail::throw_key_error(source, e.what());
      }
      return public_key(detail::make_key_state(std::move(pkey), source));
    }
    if (detail::contains(t, "PRIVATE KEY-----"))
      detail::throw_key_error(source, "this is a private key; a public key is expected here");
    if (detail::contains(t, "-----BEGIN PUBLIC KEY-----") ||
        detail::contains(t, "-----BEGIN RSA PUBLIC KEY-----"))
      return public_key(detail::make_key_state(detail::decode_public_pem(t, source), source));
    detail::throw_key_error(
        source, "unrecognised public key format (expected PEM, an OpenSSH public key line or a JWK)");
  }

  std::shared_ptr<const detail::key_state> s_;
};

AJWT_NAMESPACE_END

#endif  // AJWT_PUBLIC_KEY_HPP
