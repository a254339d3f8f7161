// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/jws.hpp> declares: included at the end of that header (header-only,
// the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_JWS_IPP
#define AJWT_IMPL_JWS_IPP

#include "../jws.hpp"

#include <openssl/evp.h>

#include <cstdint>
#include <exception>
#include <utility>

#include "../detail/text.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

AJWT_DECL const EVP_MD* digest_for(algorithm a) noexcept {
  const auto& d = digests::get();
  switch (a) {
    case algorithm::rs256:
    case algorithm::ps256:
    case algorithm::es256: return d.sha256.get();
    case algorithm::rs384:
    case algorithm::ps384: return d.sha384.get();
    case algorithm::rs512:
    case algorithm::ps512: return d.sha512.get();
    case algorithm::eddsa:
    case algorithm::ed25519: return nullptr;
  }
  return nullptr;
}

AJWT_DECL bool is_pss(algorithm a) noexcept {
  return a == algorithm::ps256 || a == algorithm::ps384 || a == algorithm::ps512;
}

AJWT_DECL bool set_pss(EVP_PKEY_CTX* pctx) noexcept {
  return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
}

AJWT_DECL bool in_p256_scalar_range(const unsigned char* v) noexcept {
  bool zero = true;
  for (int i = 0; i < 32; ++i) zero = zero && v[i] == 0;
  return !zero && std::memcmp(v, p256_order.data(), 32) < 0;
}

AJWT_DECL bool es256_raw_to_der(std::string_view raw, unsigned char* der, std::size_t& der_len) noexcept {
  if (raw.size() != 64) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  if (!in_p256_scalar_range(p) || !in_p256_scalar_range(p + 32)) return false;
  // DER: SEQUENCE { INTEGER r, INTEGER s }, minimal positive integers.
  std::size_t pos = 2;
  for (std::size_t half = 0; half < 2; ++half) {
    const unsigned char* v = p + 32 * half;
    int skip = 0;
    while (skip < 31 && v[skip] == 0) ++skip;
    const bool pad = (v[skip] & 0x80) != 0;
    const std::size_t len = static_cast<std::size_t>(32 - skip) + (pad ? 1 : 0);
    der[pos++] = 0x02;
    der[pos++] = static_cast<unsigned char>(len);
    if (pad) der[pos++] = 0;
    std::memcpy(der + pos, v + skip, static_cast<std::size_t>(32 - skip));
    pos += static_cast<std::size_t>(32 - skip);
  }
  der[0] = 0x30;
  der[1] = static_cast<unsigned char>(pos - 2);
  der_len = pos;
  return true;
}

AJWT_DECL unsigned hash_for(algorithm a, std::string_view data, unsigned char* out) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  switch (a) {
    case algorithm::rs256:
    case algorithm::ps256:
    case algorithm::es256: return SHA256(p, data.size(), out) ? 32 : 0;
    case algorithm::rs384:
    case algorithm::ps384: return SHA384(p, data.size(), out) ? 48 : 0;
    case algorithm::rs512:
    case algorithm::ps512: return SHA512(p, data.size(), out) ? 64 : 0;
    default: return 0;
  }
}

AJWT_DECL int verify_prepared(std::uint64_t key_id, EVP_PKEY* pkey, algorithm alg, std::string_view input,
                              const unsigned char* sig, std::size_t sig_len) noexcept {
  auto* s = prepared_contexts::get(key_id, pkey, alg, prepared_contexts::op::verify);
  if (!s) return -1;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  int rc = 0;
  if (s->proto) {
    rc = EVP_MD_CTX_copy_ex(s->work.get(), s->proto.get()) == 1 &&
                 EVP_DigestVerify(s->work.get(), sig, sig_len, in, input.size()) == 1
             ? 1
             : 0;
  } else {
    unsigned char md[EVP_MAX_MD_SIZE];
    const unsigned md_len = hash_for(alg, input, md);
    rc = md_len != 0 && EVP_PKEY_verify(s->pctx.get(), sig, sig_len, md, md_len) == 1 ? 1 : 0;
  }
  if (rc != 1) clear_openssl_errors();
  return rc;
}

AJWT_DECL std::optional<failure> decode_jws(std::string_view token, std::size_t max_token_bytes,
                                            decoded_jws& out) {
  if (token.size() > max_token_bytes)
    return failure{reason::token_too_large, "token is " + std::to_string(token.size()) + " bytes (maximum " +
                                                std::to_string(max_token_bytes) + ")"};
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return failure{reason::malformed_token, "a compact JWS has exactly three dot-separated segments"};
  const auto h64 = token.substr(0, dot1);
  const auto p64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const auto s64 = token.substr(dot2 + 1);
  out.signing_input = token.substr(0, dot2);
  // The header first: an unsupported "alg" (none, HS256, ...) is reported as such even when the
  // signature segment is empty or the payload is garbage.
  if (h64.empty() || h64.size() % 4 == 1 ||
      !base64_decode_raw(h64, out.header_text.prepare(base64_decoded_size(h64.size())), b64_alphabet::url))
    return failure{reason::malformed_token, "header is not canonical unpadded base64url"};
  if (auto error = pick_members(out.header_text.view(), jose_header_members, out.header))
    return failure{reason::malformed_token, "header: " + error->what};
  if (!out.header.is_object) return failure{reason::malformed_token, "header is not a JSON object"};
  const auto& h = out.header.fields;
  if (!h[hdr_alg].present()) return failure{reason::malformed_token, "header has no \"alg\""};
  if (!h[hdr_alg].is_string()) return failure{reason::malformed_token, "header \"alg\" is not a string"};
  const auto alg = parse_algorithm(h[hdr_alg].text);
  if (!alg)
    return failure{reason::unsupported_algorithm,
                   "algorithm \"" + printable(h[hdr_alg].text) + "\" is not supported"};
  out.alg = *alg;
  if (p64.size() % 4 == 1)
    return failure{reason::malformed_token, "payload is not canonical unpadded base64url"};
  out.payload.resize(base64_decoded_size(p64.size()));
  if (!base64_decode_raw(p64, reinterpret_cast<unsigned char*>(out.payload.data()), b64_alphabet::url))
    return failure{reason::malformed_token, "payload is not canonical unpadded base64url"};
  if (s64.empty() || s64.size() % 4 == 1 ||
      !base64_decode_raw(s64, out.signature.prepare(base64_decoded_size(s64.size())), b64_alphabet::url))
    return failure{reason::malformed_token, "signature is not canonical unpadded base64url"};
  if (h[hdr_crit].present())
    return failure{reason::malformed_token, "header \"crit\" names extensions ajwt does not understand"};
  if (h[hdr_b64].present())
    return failure{reason::malformed_token, "header \"b64\" (RFC 7797) is not accepted"};
  for (std::size_t i = hdr_jwk; i < jose_header_members.size(); ++i)
    if (h[i].present())
      return failure{reason::malformed_token, "header \"" + std::string(jose_header_members[i]) +
                                                  "\" is not accepted: keys never come from the token"};
  if (h[hdr_kid].present()) {
    if (!h[hdr_kid].is_string()) return failure{reason::malformed_token, "header \"kid\" is not a string"};
    if (h[hdr_kid].text.size() > max_kid_bytes)
      return failure{reason::malformed_token,
                     "header \"kid\" is longer than " + std::to_string(max_kid_bytes) + " bytes"};
    out.kid = h[hdr_kid].text;
  }
  return std::nullopt;
}

AJWT_DECL bool verify_openssl(const public_key& key, algorithm alg, std::string_view signing_input,
                              const unsigned char* sig, std::size_t sig_len) noexcept {
  const int prepared = verify_prepared(key.id(), key.native_handle(), alg, signing_input, sig, sig_len);
  if (prepared >= 0) return prepared == 1;
  // Plain path (no prepared context could be made): one EVP_DigestVerify with a fresh context.
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), &pctx, digest_for(alg), nullptr, key.native_handle()) == 1 &&
      (!is_pss(alg) || set_pss(pctx)) &&
      EVP_DigestVerify(ctx.get(), sig, sig_len, reinterpret_cast<const unsigned char*>(signing_input.data()),
                       signing_input.size()) == 1;
  if (!ok) clear_openssl_errors();
  return ok;
}

AJWT_DECL bool ed25519_backend_available(ed25519_backend b) noexcept {
#if defined(AJWT_WITH_SODIUM)
  if (b == ed25519_backend::sodium) return sodium::available();
#else
  if (b == ed25519_backend::sodium) return false;
#endif
  return true;
}

AJWT_DECL std::atomic<ed25519_backend>& ed25519_backend_preference() noexcept {
  static std::atomic<ed25519_backend> preference{ed25519_backend::sodium};
  return preference;
}

AJWT_DECL ed25519_backend default_ed25519_backend() noexcept {
  const auto b = ed25519_backend_preference().load(std::memory_order_relaxed);
  return ed25519_backend_available(b) ? b : ed25519_backend::openssl;
}

AJWT_DECL bool ed25519_verify(ed25519_backend b, const public_key& key, std::string_view signing_input,
                              std::string_view signature) noexcept {
  const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
  if (key.type() != key_type::ed25519 || signature.size() != 64 || !ed25519_signature_is_acceptable(sig))
    return false;
  if (b == ed25519_backend::sodium) {
#if defined(AJWT_WITH_SODIUM)
    return sodium::available() &&
           sodium::ed25519_verify(public_key_access::ed25519_public(key), signing_input, sig);
#else
    return false;
#endif
  }
  return verify_openssl(key, algorithm::eddsa, signing_input, sig, 64);
}

}  // namespace detail
AJWT_NAMESPACE_END

AJWT_NAMESPACE_BEGIN
namespace jws {

AJWT_DECL bool verify(const public_key& key, algorithm alg, std::string_view signing_input,
                      std::string_view signature) noexcept {
  if (!key.allows(alg)) return false;
  const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
  std::size_t sig_len = signature.size();
  unsigned char der[80];
  switch (key.type()) {
    case key_type::rsa:
      if (sig_len != static_cast<std::size_t>(EVP_PKEY_get_size(key.native_handle()))) return false;
      break;
    case key_type::ed25519:
      // S >= L and small-order R are refused before either backend sees them (RFC 8032 section 5.1.7
      // leaves them open), so no degenerate signature can verify under any key.
      return detail::ed25519_verify(detail::default_ed25519_backend(), key, signing_input, signature);
    case key_type::ec_p256:
      // Raw r||s only (RFC 7518 section 3.4); a DER signature has another length or fails the range check.
      if (!detail::es256_raw_to_der(signature, der, sig_len)) return false;
      sig = der;
      break;
  }
  return detail::verify_openssl(key, alg, signing_input, sig, sig_len);
}

AJWT_DECL result<unverified> decode(std::string_view token, std::size_t max_token_bytes) noexcept {
  try {
    auto d = std::make_unique<detail::decoded_jws>();
    if (auto why = detail::decode_jws(token, max_token_bytes, *d)) return std::move(*why);
    unverified out;
    out.signing_input = d->signing_input;
    if (d->header.dom) {
      out.header = std::move(d->header.dom->value);
    } else {
      // The scanner accepted the header: the DOM parser accepts it too.
      auto header = detail::parse_json_strict(d->header_text.view());
      if (!header) return {reason::malformed_token, "header: " + header.error()};
      out.header = std::move(*header);
    }
    out.payload = std::move(d->payload);
    out.signature = std::string(d->signature.view());
    out.alg = d->alg;
    out.kid = std::string(d->kid);
    return out;
  } catch (const std::exception& e) {
    return {reason::malformed_token, std::string("cannot decode token: ") + e.what()};
  }
}

AJWT_DECL result<std::string> verify_compact(std::string_view token, const public_key& key,
                                             algorithm_set allowed, std::size_t max_token_bytes) noexcept {
  auto d = decode(token, max_token_bytes);
  if (!d) return d.error();
  if (!allowed.contains(d->alg) || !key.allows(d->alg))
    return {reason::unsupported_algorithm, "algorithm " + std::string(to_string(d->alg)) +
                                               " is not allowed for this " +
                                               std::string(to_string(key.type())) + " key"};
  if (!verify(key, d->alg, d->signing_input, d->signature))
    return {reason::bad_signature, "signature does not verify"};
  try {
    return std::move(d).value().payload;
  } catch (const std::exception& e) {
    return {reason::malformed_token, e.what()};
  }
}

}  // namespace jws
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_JWS_IPP
