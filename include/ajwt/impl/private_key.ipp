// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/private_key.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_PRIVATE_KEY_IPP
#define AJWT_IMPL_PRIVATE_KEY_IPP

#include "../private_key.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <utility>

#include "../detail/base64.hpp"
#include "../detail/openssh_public.hpp"
#include "../detail/openssl.hpp"
#include "../detail/text.hpp"

AJWT_NAMESPACE_BEGIN

AJWT_DECL private_key private_key::load(std::string_view text,
                                        const std::optional<std::string_view>& passphrase) {
  return load_named(text, passphrase, "private key");
}

AJWT_DECL private_key private_key::load_file(const std::filesystem::path& path,
                                             const std::optional<std::string_view>& passphrase) {
  std::string text = detail::read_key_file(path);
  auto k = load_named(text, passphrase, path.string());
  OPENSSL_cleanse(text.data(), text.size());
  return k;
}

AJWT_DECL private_key private_key::from_jwk(const nlohmann::json& jwk, std::string_view source) {
  auto pkey = detail::pkey_from_private_jwk(jwk, source);
  auto key = from_pkey(std::move(pkey), source);
  // The public half carries the JWK's kid and "alg" pin, and signing follows the pin.
  key.pub_ = public_key::from_jwk(jwk, source);
  return key;
}

AJWT_DECL private_key private_key::generate(key_type type, int rsa_bits) {
  EVP_PKEY* p = nullptr;
  switch (type) {
    case key_type::rsa:
      if (rsa_bits != 2048 && rsa_bits != 3072 && rsa_bits != 4096)
        throw config_error("RSA key size",
                           "must be 2048, 3072 or 4096 bits, not " + std::to_string(rsa_bits));
      p = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(rsa_bits));
      break;
    case key_type::ed25519: p = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
    case key_type::ec_p256: p = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
  }
  if (!p) throw crypto_error("ajwt: key generation failed: " + detail::drain_openssl_errors());
  return from_pkey(detail::pkey_ptr(p), "generated key");
}

AJWT_DECL private_key private_key::from_native(EVP_PKEY* pkey) {
  if (!pkey) throw key_error("EVP_PKEY", "no key (a null pointer)");
  EVP_PKEY_up_ref(pkey);
  return from_pkey(detail::pkey_ptr(pkey), "key");
}

AJWT_DECL std::string private_key::to_pem(const std::optional<std::string_view>& passphrase) const {
  detail::bio_ptr bio(BIO_new(BIO_s_mem()));
  int ok = 0;
  if (passphrase) {
    if (passphrase->empty())
      throw config_error("passphrase", "an empty passphrase would not protect the key");
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

AJWT_DECL nlohmann::json private_key::to_jwk() const {
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

AJWT_DECL private_key private_key::from_pkey(detail::pkey_ptr pkey, std::string_view source) {
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

AJWT_DECL std::shared_ptr<const detail::ed25519_secret> private_key::ed25519_secret_of(
    EVP_PKEY* pkey, const public_key& pub) {
  auto sk = std::make_shared<detail::ed25519_secret>();
  std::size_t len = 32;
  if (EVP_PKEY_get_raw_private_key(pkey, sk->bytes, &len) != 1 || len != 32)
    throw crypto_error("ajwt: cannot read Ed25519 private key: " + detail::drain_openssl_errors());
  std::memcpy(sk->bytes + 32, pub.s_->ed25519_raw.data(), 32);
  return sk;
}

AJWT_DECL private_key private_key::load_named(std::string_view text,
                                              const std::optional<std::string_view>& passphrase,
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
      if (!e.source().empty()) throw;  // located already (by the key policy, under `source`)
      detail::throw_key_error(source, e.problem());
    }
  }
  if (detail::contains(t, "PRIVATE KEY-----"))
    return from_pkey(detail::decode_private_pem(t, passphrase, source), source);
  if (detail::contains(t, "PUBLIC KEY-----") || detail::openssh::is_public_line(t))
    detail::throw_key_error(source, "this is a public key; a private key is needed here");
  detail::throw_key_error(source, "unrecognised private key format (expected PEM, OpenSSH or a JWK)");
}

AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_PRIVATE_KEY_IPP
