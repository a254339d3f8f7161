// SPDX-License-Identifier: ISC
// ajwt::private_key: an RSA, Ed25519 or P-256 private key loaded from PEM (encrypted or not), an OpenSSH
// private key file or a JWK, or generated; what a client needs to sign.
#ifndef AJWT_PRIVATE_KEY_HPP
#define AJWT_PRIVATE_KEY_HPP

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
#include "detail/jwk_private.hpp"
#include "detail/key_state.hpp"
#include "detail/key_text.hpp"
#include "detail/openssh_private.hpp"
#include "detail/openssl.hpp"
#include "detail/private_pem.hpp"
#include "error.hpp"
#include "limits.hpp"
#include "public_key.hpp"
#include "version.hpp"

AJWT_NAMESPACE_BEGIN

/// A private key: RSA (2048 to 8192 bits), Ed25519 or EC P-256, with its public part precomputed.
/// Immutable, cheap to copy, safe to share across threads: every member is const, and signing with one
/// key on many threads at once is safe.
class private_key {
 public:
  /// Loads a private key from text, detecting the format: PKCS#8 PEM (optionally encrypted),
  /// PKCS#1 ("RSA PRIVATE KEY"), SEC1 ("EC PRIVATE KEY"), an OpenSSH private key, or a JWK with
  /// private members. An encrypted key needs `passphrase`; a missing or wrong one is a key_error.
  /// Never prompts on a terminal.
  static private_key load(std::string_view text,
                          const std::optional<std::string_view>& passphrase = std::nullopt);

  /// Loads a private key file in any format of load(); errors name the file.
  static private_key load_file(const std::filesystem::path& path,
                               const std::optional<std::string_view>& passphrase = std::nullopt);

  /// Makes a private key from a JWK object with private members. Its "alg", when present, must be one
  /// this key type can sign with, and its "kid" a string (neither is kept).
  static private_key from_jwk(const nlohmann::json& jwk, std::string_view source = "JWK");

  /// Generates a new key from the OS CSPRNG. `rsa_bits` (2048, 3072 or 4096) applies to RSA only.
  static private_key generate(key_type type, int rsa_bits = 2048);

  /// Wraps an existing OpenSSL private key (a reference is taken). Escape hatch.
  static private_key from_native(EVP_PKEY* pkey);

  /// The public half (its kid, thumbprint, PEM, JWK, OpenSSH line).
  [[nodiscard]] const public_key& public_part() const noexcept { return pub_; }
  /// RSA, Ed25519 or EC P-256.
  [[nodiscard]] key_type type() const noexcept { return pub_.type(); }
  /// Key size in bits (see public_key::bits).
  [[nodiscard]] int bits() const noexcept { return pub_.bits(); }
  /// The key id of the public half: lowercase hex SHA-256 of its SPKI PEM text (the Python library's).
  [[nodiscard]] const std::string& kid() const noexcept { return pub_.kid(); }
  /// The algorithm tokens are signed with by default (the JWK's "alg" when the key came from one).
  [[nodiscard]] algorithm default_algorithm() const noexcept { return pub_.default_algorithm(); }
  /// True when this key can sign with `a` (the key type fits).
  [[nodiscard]] bool allows(algorithm a) const noexcept { return required_key_type(a) == pub_.type(); }

  /// PKCS#8 PEM; encrypted (PBES2, AES-256-CBC, PBKDF2-HMAC-SHA256) when a passphrase is given.
  [[nodiscard]] std::string to_pem(const std::optional<std::string_view>& passphrase = std::nullopt) const;

  /// The private JWK (public members plus "d", and for RSA the CRT members). Handle with care.
  [[nodiscard]] nlohmann::json to_jwk() const;

  /// The underlying OpenSSL key, for advanced use. Do not modify it.
  [[nodiscard]] EVP_PKEY* native_handle() const noexcept { return pkey_.get(); }
  /// A process-unique id of this loaded key (copies share it); keys prepared contexts in caches.
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }

 private:
  friend struct detail::private_key_access;
  private_key(std::shared_ptr<EVP_PKEY> pkey, public_key pub,
              std::shared_ptr<const detail::ed25519_secret> ed25519_sk)
      : pkey_(std::move(pkey)), pub_(std::move(pub)), ed25519_sk_(std::move(ed25519_sk)) {}

  static private_key from_pkey(detail::pkey_ptr pkey, std::string_view source);

  static std::shared_ptr<const detail::ed25519_secret> ed25519_secret_of(EVP_PKEY* pkey,
                                                                         const public_key& pub);

  static private_key load_named(std::string_view text, const std::optional<std::string_view>& passphrase,
                                std::string_view source);

  std::shared_ptr<EVP_PKEY> pkey_;
  public_key pub_;
  std::shared_ptr<const detail::ed25519_secret> ed25519_sk_;  ///< Ed25519 with libsodium only
  std::uint64_t id_ = detail::next_key_id();
};

namespace detail {

/// What the signing code reads from a loaded private key beyond the public API (jws_sign.hpp).
struct private_key_access {
  /// libsodium's 64-byte Ed25519 secret key, or nullptr when it was not extracted (no libsodium).
  static const unsigned char* ed25519_secret_key(const private_key& k) noexcept {
    return k.ed25519_sk_ ? k.ed25519_sk_->bytes : nullptr;
  }
};

}  // namespace detail

AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "impl/private_key.ipp"
#endif

#endif  // AJWT_PRIVATE_KEY_HPP
