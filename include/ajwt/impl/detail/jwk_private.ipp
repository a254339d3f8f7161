// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/jwk_private.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_JWK_PRIVATE_IPP
#define AJWT_IMPL_DETAIL_JWK_PRIVATE_IPP

#include "../../detail/jwk_private.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

AJWT_DECL secure_bn_ptr jwk_secret_bn(const nlohmann::json& jwk, const char* member, std::string_view source,
                                      std::size_t max_len, std::string_view too_long) {
  auto bytes = jwk_bytes(jwk, member, source, max_len);
  if (!too_long.empty() && bytes.size() > max_len) {
    OPENSSL_cleanse(bytes.data(), bytes.size());
    throw_key_error(source, std::string(too_long));
  }
  secure_bn_ptr bn(BN_secure_new());
  const bool ok = bn && BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()), bn.get()) != nullptr;
  OPENSSL_cleanse(bytes.data(), bytes.size());
  if (!ok) throw crypto_error("ajwt: BN_bin2bn failed");
  return bn;
}

AJWT_DECL pkey_ptr pkey_from_private_jwk(const nlohmann::json& jwk, std::string_view source) {
  const auto& kty = jwk_kty(jwk, source);
  if (!jwk.contains("d")) throw_key_error(source, "JWK has no private member \"d\"; a private key is needed");
  if (kty == "RSA") {
    constexpr std::size_t max_rsa_bytes = max_rsa_bits / 8;
    const param_bld_ptr bld = new_param_builder();
    const auto numbers = push_rsa_public(jwk, bld.get(), source);
    const bool crt = jwk.contains("p") || jwk.contains("q") || jwk.contains("dp") || jwk.contains("dq") ||
                     jwk.contains("qi");
    const auto secret = [&](const char* member) {
      return crt || std::string_view(member) == "d" ? jwk_secret_bn(jwk, member, source, max_rsa_bytes + 1)
                                                    : secure_bn_ptr();
    };
    const secure_bn_ptr d = secret("d"), p = secret("p"), q = secret("q"), dp = secret("dp"),
                        dq = secret("dq"), qi = secret("qi");
    if (const auto why = rsa_private_mismatch(
            {numbers.n.get(), numbers.e.get(), d.get(), p.get(), q.get(), dp.get(), dq.get(), qi.get()}))
      throw_key_error(source, "RSA JWK private members do not belong together: " + std::string(*why));
    check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, d.get()));
    if (crt) {
      check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()));
      check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()));
      check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dp.get()));
      check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dq.get()));
      check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi.get()));
    }
    return pkey_from_builder("RSA", EVP_PKEY_KEYPAIR, bld.get(), source,
                             "OpenSSL refused the RSA private key");
  }
  if (kty == "EC") {
    require_jwk_curve(jwk, kty, "P-256", source);
    const auto point = p256_jwk_point(jwk, source);
    // As short as PyJWT writes it, like x and y.
    const auto d = jwk_secret_bn(jwk, "d", source, 32, "P-256 JWK \"d\" must be 32 bytes");
    const param_bld_ptr bld = new_param_builder();
    check_pushed(OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0));
    check_pushed(
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()));
    check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()));
    auto pkey = pkey_from_builder("EC", EVP_PKEY_KEYPAIR, bld.get(), source, p256_off_curve);
    pkey_ctx_ptr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    if (!check || EVP_PKEY_pairwise_check(check.get()) != 1)
      throw_key_error(source, "P-256 JWK private key \"d\" does not match \"x\"/\"y\"");
    return pkey;
  }
  if (kty == "OKP") {
    require_jwk_curve(jwk, kty, "Ed25519", source);
    const auto x = ed25519_jwk_x(jwk, source);
    auto d = jwk_bytes(jwk, "d", source, 32);
    if (d.size() != 32) {
      OPENSSL_cleanse(d.data(), d.size());
      throw_key_error(source, "Ed25519 JWK \"d\" must be 32 bytes");
    }
    EVP_PKEY* p = EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr,
                                                  reinterpret_cast<const unsigned char*>(d.data()), 32);
    OPENSSL_cleanse(d.data(), d.size());
    if (!p) throw_key_error(source, "invalid Ed25519 private key: " + drain_openssl_errors());
    pkey_ptr pkey(p);
    unsigned char pub[32];
    std::size_t len = sizeof pub;
    if (EVP_PKEY_get_raw_public_key(pkey.get(), pub, &len) != 1 || len != 32 ||
        std::memcmp(pub, x.data(), 32) != 0)
      throw_key_error(source, "Ed25519 JWK private key \"d\" does not match \"x\"");
    return pkey;
  }
  throw_unsupported_kty(kty, source);
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_JWK_PRIVATE_IPP
