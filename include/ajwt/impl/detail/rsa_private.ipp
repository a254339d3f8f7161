// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/rsa_private.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_RSA_PRIVATE_IPP
#define AJWT_IMPL_DETAIL_RSA_PRIVATE_IPP

#include "../../detail/rsa_private.hpp"

#include <string>

AJWT_NAMESPACE_BEGIN
namespace detail {

AJWT_DECL std::optional<std::string_view> rsa_private_mismatch(const rsa_private_numbers& k) {
  const bool crt = k.p != nullptr;
  if (crt != (k.q != nullptr) || crt != (k.dp != nullptr) || crt != (k.dq != nullptr) ||
      crt != (k.qi != nullptr))
    return "some but not all of the CRT members p, q, dp, dq and qi are given";
  for (BIGNUM* secret : {k.d, k.p, k.q, k.dp, k.dq, k.qi})
    if (secret != nullptr) BN_set_flags(secret, BN_FLG_CONSTTIME);
  bn_ctx_ptr ctx(BN_CTX_secure_new());
  secure_bn_ptr t(BN_secure_new()), u(BN_secure_new());
  if (!ctx || !t || !u) throw crypto_error("ajwt: BIGNUM allocation failed: " + drain_openssl_errors());
  const auto run = [](int rc) {
    if (rc != 1) throw crypto_error("ajwt: BIGNUM arithmetic failed: " + drain_openssl_errors());
  };
  const bool d_in_range = !BN_is_zero(k.d) && BN_cmp(k.d, k.n) < 0;
  if (!crt) {
    if (!d_in_range) return "d is out of range";
    // d is secret: BN_mod_exp takes the constant-time path for it, which needs an odd modulus.
    if (!BN_is_odd(k.n)) return "n is even";
    run(BN_set_word(u.get(), 2));
    run(BN_mod_exp(t.get(), u.get(), k.e, k.n, ctx.get()));
    run(BN_mod_exp(t.get(), t.get(), k.d, k.n, ctx.get()));
    if (BN_cmp(t.get(), u.get()) != 0) return "d is not the private exponent of n and e";
    return std::nullopt;
  }
  if (BN_cmp(k.p, BN_value_one()) <= 0 || BN_cmp(k.q, BN_value_one()) <= 0 || !BN_is_odd(k.p) ||
      !BN_is_odd(k.q))
    return "p and q must be odd numbers above 1";
  run(BN_mul(t.get(), k.p, k.q, ctx.get()));
  if (BN_cmp(t.get(), k.n) != 0) return "n is not p*q";
  if (!d_in_range) return "d is out of range";
  if (BN_is_zero(k.qi) || BN_cmp(k.qi, k.p) >= 0) return "the CRT coefficient (qi, iqmp) is out of range";
  // One prime at a time: dp = d mod (p-1) and e*dp = 1 mod (p-1); the same for q.
  const auto exponent_mismatch = [&](const BIGNUM* prime, const BIGNUM* expected) -> int {
    run(BN_sub(t.get(), prime, BN_value_one()));
    run(BN_mod(u.get(), k.d, t.get(), ctx.get()));
    if (BN_cmp(u.get(), expected) != 0) return 1;
    run(BN_mod_mul(u.get(), k.e, expected, t.get(), ctx.get()));
    return BN_is_one(u.get()) ? 0 : 2;
  };
  if (const int m = exponent_mismatch(k.p, k.dp); m != 0)
    return m == 1 ? "dp is not d mod (p-1)" : "e*d is not 1 mod (p-1)";
  if (const int m = exponent_mismatch(k.q, k.dq); m != 0)
    return m == 1 ? "dq is not d mod (q-1)" : "e*d is not 1 mod (q-1)";
  run(BN_mod_mul(t.get(), k.q, k.qi, k.p, ctx.get()));
  if (!BN_is_one(t.get())) return "the CRT coefficient (qi, iqmp) is not the inverse of q mod p";
  return std::nullopt;
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_RSA_PRIVATE_IPP
