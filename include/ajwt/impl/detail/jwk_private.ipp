// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/jwk_private.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_JWK_PRIVATE_IPP
#define AJWT_IMPL_DETAIL_JWK_PRIVATE_IPP

#include "../../detail/jwk_private.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

AJWT_DECL void check_rsa_private(const EVP_PKEY* pkey, std::string_view source) {
  auto secret = [&](const char* name) {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) {
      drain_openssl_errors();
      return secure_bn_ptr();
    }
    BN_set_flags(bn, BN_FLG_CONSTTIME);
    return secure_bn_ptr(bn);
  };
  const auto n = get_bn(pkey, OSSL_PKEY_PARAM_RSA_N);
  const auto e = get_bn(pkey, OSSL_PKEY_PARAM_RSA_E);
  const auto d = secret(OSSL_PKEY_PARAM_RSA_D);
  bn_ctx_ptr ctx(BN_CTX_secure_new());
  secure_bn_ptr t(BN_secure_new()), u(BN_secure_new());
  if (!n || !e || !d || !ctx || !t || !u)
    throw crypto_error("ajwt: cannot read the RSA key numbers: " + drain_openssl_errors());
  const auto p = secret(OSSL_PKEY_PARAM_RSA_FACTOR1);
  const auto q = secret(OSSL_PKEY_PARAM_RSA_FACTOR2);
  const auto dp = secret(OSSL_PKEY_PARAM_RSA_EXPONENT1);
  const auto dq = secret(OSSL_PKEY_PARAM_RSA_EXPONENT2);
  const auto qi = secret(OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
  bool ok = false;
  if (p && q && dp && dq && qi) {
    // x mod (prime - 1) == expected, and e * expected mod (prime - 1) == 1
    auto crt_exponent_ok = [&](const BIGNUM* prime, const BIGNUM* expected) {
      return BN_copy(t.get(), prime) && BN_sub_word(t.get(), 1) &&
             BN_mod(u.get(), d.get(), t.get(), ctx.get()) && BN_cmp(u.get(), expected) == 0 &&
             BN_mod_mul(u.get(), e.get(), expected, t.get(), ctx.get()) && BN_is_one(u.get());
    };
    ok = BN_mul(t.get(), p.get(), q.get(), ctx.get()) && BN_cmp(t.get(), n.get()) == 0 &&
         crt_exponent_ok(p.get(), dp.get()) && crt_exponent_ok(q.get(), dq.get()) &&
         BN_mod_mul(u.get(), q.get(), qi.get(), p.get(), ctx.get()) && BN_is_one(u.get());
  } else if (!p && !q && !dp && !dq && !qi) {
    // d is secret: BN_mod_exp takes the constant-time path for it, which needs an odd modulus.
    bn_ptr two(BN_new());
    ok = two && BN_set_word(two.get(), 2) && BN_is_odd(n.get()) &&
         BN_mod_exp(t.get(), two.get(), e.get(), n.get(), ctx.get()) &&
         BN_mod_exp(u.get(), t.get(), d.get(), n.get(), ctx.get()) && BN_cmp(u.get(), two.get()) == 0;
  }
  if (!ok) {
    drain_openssl_errors();
    throw_key_error(source, "RSA JWK private members do not belong to its \"n\" and \"e\"");
  }
}

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
    param_bld_ptr bld(OSSL_PARAM_BLD_new());
    const auto numbers = push_rsa_public(jwk, bld.get(), source);
    std::vector<secure_bn_ptr> keep;
    auto push = [&](const char* member, const char* param) {
      keep.push_back(jwk_secret_bn(jwk, member, source, max_rsa_bytes + 1));
      OSSL_PARAM_BLD_push_BN(bld.get(), param, keep.back().get());
    };
    push("d", OSSL_PKEY_PARAM_RSA_D);
    if (jwk.contains("p") || jwk.contains("q") || jwk.contains("dp") || jwk.contains("dq") ||
        jwk.contains("qi")) {
      push("p", OSSL_PKEY_PARAM_RSA_FACTOR1);
      push("q", OSSL_PKEY_PARAM_RSA_FACTOR2);
      push("dp", OSSL_PKEY_PARAM_RSA_EXPONENT1);
      push("dq", OSSL_PKEY_PARAM_RSA_EXPONENT2);
      push("qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
    }
    auto pkey = pkey_from_params("RSA", EVP_PKEY_KEYPAIR, bld.get(), source);
    check_rsa_private(pkey.get(), source);
    return pkey;
  }
  if (kty == "EC") {
    require_jwk_curve(jwk, kty, "P-256", source);
    const auto point = p256_jwk_point(jwk, source);
    // As short as PyJWT writes it, like x and y.
    const auto d = jwk_secret_bn(jwk, "d", source, 32, "P-256 JWK \"d\" must be 32 bytes");
    param_bld_ptr bld(OSSL_PARAM_BLD_new());
    OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get());
    auto pkey = p256_from_params(bld.get(), EVP_PKEY_KEYPAIR, source);
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
