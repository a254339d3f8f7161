// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/jws_sign.hpp> declares: included at the end of that header (header-only,
// the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_JWS_SIGN_IPP
#define AJWT_IMPL_JWS_SIGN_IPP

#include "../jws_sign.hpp"

#include <openssl/ec.h>

AJWT_NAMESPACE_BEGIN
namespace detail {

AJWT_DECL std::string es256_der_to_raw(const unsigned char* der, std::size_t len) {
  const unsigned char* p = der;
  ecdsa_sig_ptr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  if (!sig) throw crypto_error("ajwt: cannot decode ECDSA signature: " + drain_openssl_errors());
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  return bn_to_bytes(r, 32) + bn_to_bytes(s, 32);
}

AJWT_DECL std::string sign_openssl(const private_key& key, algorithm alg, std::string_view signing_input) {
  if (auto* p = prepared_contexts::get(key.id(), key.native_handle(), alg, prepared_contexts::op::sign)) {
    std::string sig;
    std::size_t len = 0;
    if (p->proto) {
      const auto* in = reinterpret_cast<const unsigned char*>(signing_input.data());
      if (EVP_MD_CTX_copy_ex(p->work.get(), p->proto.get()) == 1 &&
          EVP_DigestSign(p->work.get(), nullptr, &len, in, signing_input.size()) == 1) {
        sig.resize(len);
        if (EVP_MD_CTX_copy_ex(p->work.get(), p->proto.get()) == 1 &&
            EVP_DigestSign(p->work.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                           signing_input.size()) == 1) {
          sig.resize(len);
          return sig;
        }
      }
    } else {
      unsigned char md[EVP_MAX_MD_SIZE];
      const unsigned md_len = hash_for(alg, signing_input, md);
      if (md_len != 0 && EVP_PKEY_sign(p->pctx.get(), nullptr, &len, md, md_len) == 1) {
        sig.resize(len);
        if (EVP_PKEY_sign(p->pctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, md, md_len) ==
            1) {
          sig.resize(len);
          if (alg == algorithm::es256)
            return es256_der_to_raw(reinterpret_cast<const unsigned char*>(sig.data()), len);
          return sig;
        }
      }
    }
    clear_openssl_errors();  // fall through to the plain path
  }
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, digest_for(alg), nullptr, key.native_handle()) != 1 ||
      (is_pss(alg) && !set_pss(pctx)))
    throw crypto_error("ajwt: EVP_DigestSignInit failed: " + drain_openssl_errors());
  std::size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(signing_input.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, signing_input.size()) != 1)
    throw crypto_error("ajwt: EVP_DigestSign failed: " + drain_openssl_errors());
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                     signing_input.size()) != 1)
    throw crypto_error("ajwt: EVP_DigestSign failed: " + drain_openssl_errors());
  sig.resize(len);
  if (alg == algorithm::es256)
    return es256_der_to_raw(reinterpret_cast<const unsigned char*>(sig.data()), len);
  return sig;
}

AJWT_DECL std::string ed25519_sign(ed25519_backend b, const private_key& key,
                                   std::string_view signing_input) {
  if (key.type() != key_type::ed25519) throw key_error("signing key", "Ed25519 signing needs an Ed25519 key");
  if (b == ed25519_backend::sodium) {
#if defined(AJWT_WITH_SODIUM)
    if (const unsigned char* sk = private_key_access::ed25519_secret_key(key); sk && sodium::available()) {
      std::string sig(64, '\0');
      if (sodium::ed25519_sign(sk, signing_input, reinterpret_cast<unsigned char*>(sig.data()))) return sig;
    }
#endif
    throw crypto_error("ajwt: the libsodium Ed25519 backend is not available");
  }
  return sign_openssl(key, algorithm::eddsa, signing_input);
}

}  // namespace detail
AJWT_NAMESPACE_END

AJWT_NAMESPACE_BEGIN
namespace jws {

AJWT_DECL std::string sign(const private_key& key, algorithm alg, std::string_view signing_input) {
  if (!key.allows(alg))
    throw key_error("signing key", "a " + std::string(to_string(key.type())) + " key cannot sign " +
                                       std::string(to_string(alg)));
  if (key.type() == key_type::ed25519 &&
      detail::default_ed25519_backend() == detail::ed25519_backend::sodium &&
      detail::private_key_access::ed25519_secret_key(key))
    return detail::ed25519_sign(detail::ed25519_backend::sodium, key, signing_input);
  return detail::sign_openssl(key, alg, signing_input);
}

AJWT_DECL std::string sign_compact(const private_key& key, algorithm alg, nlohmann::json header,
                                   std::string_view payload) {
  if (!header.is_object()) throw config_error("JWS header", "must be a JSON object");
  header["alg"] = std::string(to_string(alg));
  std::string out = detail::base64url_encode(detail::json_text(header));
  out += '.';
  detail::base64_append(out, payload, detail::b64_alphabet::url);
  const std::string sig = sign(key, alg, out);
  out += '.';
  detail::base64_append(out, sig, detail::b64_alphabet::url);
  return out;
}

}  // namespace jws
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_JWS_SIGN_IPP
