// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/public_key.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_PUBLIC_KEY_IPP
#define AJWT_IMPL_PUBLIC_KEY_IPP

#include "../public_key.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <utility>

#include "../detail/openssl.hpp"
#include "../detail/text.hpp"

AJWT_NAMESPACE_BEGIN

AJWT_DECL public_key public_key::load_file(const std::filesystem::path& path) {
  const std::string text = detail::read_key_file(path);
  return load_named(text, path.string());
}

AJWT_DECL public_key public_key::from_jwk(const nlohmann::json& jwk, std::string_view source) {
  auto pkey = detail::pkey_from_public_jwk(jwk, source);
  auto s = detail::make_key_state(std::move(pkey), source);
  detail::apply_jwk_metadata(*s, jwk, source);
  return public_key(std::move(s));
}

AJWT_DECL public_key public_key::from_native(EVP_PKEY* pkey) {
  if (!pkey) throw key_error("EVP_PKEY", "no key (a null pointer)");
  // Copy only the public part, so a public_key never carries private material.
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(pkey, &der);
  if (len <= 0) throw key_error("public key", "cannot encode it: " + detail::drain_openssl_errors());
  const unsigned char* p = der;
  EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, len);
  OPENSSL_free(der);
  if (!pub) throw key_error("public key", "cannot decode its encoding: " + detail::drain_openssl_errors());
  return public_key(detail::make_key_state(detail::pkey_ptr(pub), "key"));
}

AJWT_DECL bool public_key::matches_kid(std::string_view kid) const noexcept {
  return !kid.empty() && (kid == s_->kid || kid == s_->thumbprint || kid == s_->jwk_kid);
}

AJWT_DECL algorithm public_key::default_algorithm() const noexcept {
  return s_->pinned_alg ? *s_->pinned_alg : ajwt::default_algorithm(s_->type);
}

AJWT_DECL bool public_key::allows(algorithm a) const noexcept {
  return required_key_type(a) == s_->type &&
         (!s_->pinned_alg || *s_->pinned_alg == a || (s_->type == key_type::ed25519));
}

AJWT_DECL std::string public_key::to_openssh(std::string_view comment) const {
  return detail::openssh::write_public_line(s_->pkey.get(), comment);
}

AJWT_DECL nlohmann::json public_key::to_jwk() const {
  auto j = detail::public_jwk_members(s_->pkey.get(), s_->type);
  j["use"] = "sig";
  j["alg"] = std::string(to_string(default_algorithm()));
  j["kid"] = s_->kid;
  return j;
}

AJWT_DECL public_key public_key::load_named(std::string_view text, std::string_view source) {
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
      detail::throw_key_error(source, e.problem());
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

AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_PUBLIC_KEY_IPP
