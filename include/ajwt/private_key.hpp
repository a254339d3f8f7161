// SPDX-License-Identifier: ISC
// ajwt::private_key: an RSA, Ed25519 or P-256 private key loaded from PEM (encrypted or not), an OpenSSH
// private key file or a JWK, or generated; what a client needs to sign.
#ifndef AJWT_PRIVATE_KEY_HPP
#define AJWT_PRIVATE_KEY_HPP

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
#include "detail/jwk_private.hpp"
#include "detail/key_state.hpp"
#include "detail/key_text.hpp"
#include "detail/openssh_private.hpp"
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
                          const std::optional<std::string_view>& passphrase = std::nullopt) {
    return load_named(text, passphrase, "private key");
  }

  /// Loads a private key file in any format of load(); errors name the file.
  static private_key load_file(const std::filesystem::path& path,
                               const std::optional<std::string_view>& passphrase = std::nullopt) {
    std::string text = detail::read_key_file(path);
    auto k = load_named(text, passphrase, path.string());
    OPENSSL_cleanse(text.data(), text.size());
    return k;
  }

  /// Makes a private key from a JWK object with private members. Its "alg", when present, must be one
  /// this key type can sign with, and its "kid" a string (neither is kept).
  static private_key from_jwk(const nlohmann::json& jwk, std::string_view source = "JWK") {
    auto pkey = detail::pkey_from_private_jwk(jwk, source);
    auto key = from_pkey(std::move(pkey), source);
    // The public half carries the JWK's kid and "alg" pin, and signing follows the pin.
    key.pub_ = public_key::from_jwk(jwk, source);
    return key;
  }

  /// Generates a new key from the OS CSPRNG. `rsa_bits` (2048, 3072 or 4096) applies to RSA only.
  static private_key generate(key_type type, int rsa_bits = 2048) {
    EVP_PKEY* p = nullptr;
    switch (type) {
      case key_type::rsa:
        if (rsa_bits != 2048 && rsa_bits != 3072 && rsa_bits != 4096)
          throw config_error("ajwt: RSA key size must be 2048, 3072 or 4096 bits, not " +
                             std::to_string(rsa_bits));
        p = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(rsa_bits));
        break;
      case key_type::ed25519: p = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
      case key_type::ec_p256: p = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    }
    if (!p) throw crypto_error("ajwt: key generation failed: " + detail::drain_openssl_errors());
    return from_pkey(detail::pkey_ptr(p), "generated key");
  }

  /// Wraps an existing OpenSSL private key (a reference is taken). Escape hatch.
  static private_key from_native(EVP_PKEY* pkey) {
    if (!pkey) throw key_error("ajwt: null EVP_PKEY");
    EVP_PKEY_up_ref(pkey);
    return from_pkey(detail::pkey_ptr(pkey), "key");
  }

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
  [[nodiscard]] std::string to_pem(const std::optional<std::string_view>& passphrase = std::nullopt) const {
    detail::bio_ptr bio(BIO_new(BIO_s_mem()));
    int ok = 0;
    if (passphrase) {
      if (passphrase->empty()) throw config_error("ajwt: an empty passphrase would not protect the key");
      std::string pw(*passphrase);
      ok = bio ? PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), EVP_aes_256_cbc(), pw.data(),
                                               static_cast<int>(pw.size()), nullptr, nullptr)
               : 0;
      OPENSSL_cleanse(pw.data(), pw.size());
    } else {
      ok = bio ? PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr)
               : 0;
    }
    if (ok != 1) throw crypto_error("ajwt: cannot encode private key: " + detail::drain_openssl_errors());
    return detail::bio_contents(bio.get());
  }

  /// The private JWK (public members plus "d", and for RSA the CRT members). Handle with care.
  [[nodiscard]] nlohmann::json to_jwk() const {
    auto j = pub_.to_jwk();
    EVP_PKEY* k = pkey_.get();
    switch (type()) {
      case key_type::rsa: {
        const std::pair<const char*, const char*> members[] = {
            {"d", OSSL_PKEY_PARAM_RSA_D},          {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
            {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},    {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
            {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2}, {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1}};
        for (const auto& [name, param] : members) {
          BIGNUM* bn = nullptr;
          if (EVP_PKEY_get_bn_param(k, param, &bn) != 1) {
            detail::drain_openssl_errors();
            if (std::string_view(name) == "d") throw crypto_error("ajwt: cannot read RSA private exponent");
            continue;
          }
          detail::secure_bn_ptr guard(bn);
          j[name] = detail::bn_b64(bn);
        }
        break;
      }
      case key_type::ec_p256: {
        BIGNUM* bn = nullptr;
        if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &bn) != 1)
          throw crypto_error("ajwt: cannot read EC private key");
        detail::secure_bn_ptr guard(bn);
        j["d"] = detail::bn_b64(bn, 32);
        break;
      }
      case key_type::ed25519: {
        unsigned char raw[32];
        std::size_t len = sizeof raw;
        if (EVP_PKEY_get_raw_private_key(k, raw, &len) != 1 || len != 32)
          throw crypto_error("ajwt: cannot read Ed25519 private key");
        j["d"] = detail::base64url_encode(std::string_view(reinterpret_cast<const char*>(raw), len));
        OPENSSL_cleanse(raw, sizeof raw);
        break;
      }
    }
    return j;
  }

  /// The underlying OpenSSL key, for advanced use. Do not modify it.
  [[nodiscard]] EVP_PKEY* native_handle() const noexcept { return pkey_.get(); }
  /// A process-unique id of this loaded key (copies share it); keys prepared contexts in caches.
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }

 private:
  friend struct detail::key_access;
  private_key(std::shared_ptr<EVP_PKEY> pkey, public_key pub,
              std::shared_ptr<const detail::ed25519_secret> ed25519_sk)
      : pkey_(std::move(pkey)), pub_(std::move(pub)), ed25519_sk_(std::move(ed25519_sk)) {}

  static private_key from_pkey(detail::pkey_ptr pkey, std::string_view source) {
    int bits = 0;
    const key_type type = detail::classify_key(pkey.get(), source, bits);
    // The public part is re-encoded from the private key, so it can never disagree with it.
    auto pub = public_key::from_native(pkey.get());
    std::shared_ptr<const detail::ed25519_secret> sk;
#if defined(AJWT_WITH_SODIUM)
    // libsodium signs with seed || public key: extracted here, once, never per token.
    if (type == key_type::ed25519) sk = ed25519_secret_of(pkey.get(), pub);
#else
    (void)type;
#endif
    return {std::shared_ptr<EVP_PKEY>(pkey.release(), EVP_PKEY_free), std::move(pub), std::move(sk)};
  }

  static std::shared_ptr<const detail::ed25519_secret> ed25519_secret_of(EVP_PKEY* pkey,
                                                                         const public_key& pub) {
    auto sk = std::make_shared<detail::ed25519_secret>();
    std::size_t len = 32;
    if (EVP_PKEY_get_raw_private_key(pkey, sk->bytes, &len) != 1 || len != 32)
      throw crypto_error("ajwt: cannot read Ed25519 private key: " + detail::drain_openssl_errors());
    std::memcpy(sk->bytes + 32, pub.s_->ed25519_raw.data(), 32);
    return sk;
  }

  static private_key load_named(std::string_view text, const std::optional<std::string_view>& passphrase,
                                std::string_view source) {
    if (text.size() > max_key_text_bytes) detail::throw_key_error(source, "key text is too large");
    const auto t = detail::trim(text);
    if (t.empty()) detail::throw_key_error(source, "empty key");
    if (t.front() == '{') {
      auto j = detail::parse_jwk_text(t, source);
      return from_jwk(j, source);
    }
    if (detail::openssh::is_private_key(t)) {
      try {
        return from_pkey(detail::openssh::parse_private_key(t, passphrase), source);
      } catch (const key_error& e) {
        if (std::string_view(e.what()).rfind(std::string(source), 0) == 0) throw;
        detail::throw_key_error(source, e.what());
      }
    }
    if (detail::contains(t, "PRIVATE KEY-----"))
      return from_pkey(detail::decode_private_pem(t, passphrase, source), source);
    if (detail::contains(t, "PUBLIC KEY-----") || detail::openssh::is_public_line(t))
      detail::throw_key_error(source, "this is a public key; a private key is needed here");
    detail::throw_key_error(source, "unrecognised private key format (expected PEM, OpenSSH or a JWK)");
  }

  std::shared_ptr<EVP_PKEY> pkey_;
  public_key pub_;
  std::shared_ptr<const detail::ed25519_secret> ed25519_sk_;  ///< Ed25519 with libsodium only
  std::uint64_t id_ = detail::next_key_id();
};

namespace detail {

/// What the signature code reads from a loaded key beyond the public API (jws.hpp).
struct key_access {
  /// The raw 32-byte Ed25519 public key (all zeros for other key types).
  static const unsigned char* ed25519_public(const public_key& k) noexcept {
    return k.s_->ed25519_raw.data();
  }
  /// libsodium's 64-byte Ed25519 secret key, or nullptr when it was not extracted (no libsodium).
  static const unsigned char* ed25519_secret_key(const private_key& k) noexcept {
    return k.ed25519_sk_ ? k.ed25519_sk_->bytes : nullptr;
  }
};

}  // namespace detail

AJWT_NAMESPACE_END

#endif  // AJWT_PRIVATE_KEY_HPP
