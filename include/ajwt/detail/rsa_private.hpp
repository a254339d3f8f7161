// SPDX-License-Identifier: ISC
// The one consistency check of an RSA private key's numbers, for every format that gives them separately
// (a private JWK, an OpenSSH private key): a mismatched key must fail when it is loaded, not later by
// signing tokens that no server can verify. Client side only: the verify path does not include it.
// Internal: namespace ajwt::detail.
#ifndef AJWT_DETAIL_RSA_PRIVATE_HPP
#define AJWT_DETAIL_RSA_PRIVATE_HPP

#include <openssl/bn.h>

#include <optional>
#include <string_view>

#include "../error.hpp"
#include "../version.hpp"
#include "openssl.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

/// The numbers of an RSA private key as a file gives them (RFC 8017 section 3.2 names). The CRT members
/// (p, q, dp, dq, qi) are either all set or all null. The secret ones are marked BN_FLG_CONSTTIME by the
/// check, which is why they are not const.
struct rsa_private_numbers {
  const BIGNUM* n = nullptr;
  const BIGNUM* e = nullptr;
  BIGNUM* d = nullptr;
  BIGNUM* p = nullptr;
  BIGNUM* q = nullptr;
  BIGNUM* dp = nullptr;
  BIGNUM* dq = nullptr;
  BIGNUM* qi = nullptr;
};

/// Why `k`'s numbers do not make one RSA key, or nothing when they do. With the CRT members: p and q odd
/// and above 1, n = p*q, 0 < d < n, 0 < qi < p, dp = d mod (p-1), dq = d mod (q-1), e*d = 1 mod (p-1) and
/// mod (q-1), q*qi = 1 mod p (cheap, and together a proof that e*d = 1 mod lcm(p-1, q-1)). Without them:
/// 0 < d < n and (2^e)^d = 2 mod n. The reason is a fixed phrase such as "n is not p*q". Throws
/// crypto_error only when OpenSSL cannot allocate; its error queue is left empty.
[[nodiscard]] AJWT_DECL std::optional<std::string_view> rsa_private_mismatch(const rsa_private_numbers& k);

}  // namespace detail
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/detail/rsa_private.ipp"
#endif

#endif  // AJWT_DETAIL_RSA_PRIVATE_HPP
