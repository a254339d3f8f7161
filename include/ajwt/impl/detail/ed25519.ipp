// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/ed25519.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_ED25519_IPP
#define AJWT_IMPL_DETAIL_ED25519_IPP

#include "../../detail/ed25519.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

AJWT_DECL bool ed25519_is_small_order(const unsigned char* p) noexcept {
  bool any = false;
  for (const auto& y : ed25519_small_order_y) {
    unsigned diff = 0;
    for (std::size_t i = 0; i < 31; ++i) diff |= static_cast<unsigned>(p[i] ^ y[i]);
    diff |= static_cast<unsigned>((p[31] & 0x7f) ^ y[31]);
    any = any || diff == 0;
  }
  return any;
}

AJWT_DECL bool ed25519_is_noncanonical(const unsigned char* p) noexcept {
  if ((p[31] & 0x7f) != 0x7f) return false;
  for (std::size_t i = 1; i < 31; ++i)
    if (p[i] != 0xff) return false;
  return p[0] >= 0xed;
}

AJWT_DECL bool ed25519_scalar_is_canonical(const unsigned char* s) noexcept {
  static constexpr unsigned char order[32] = {
      0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
  for (std::size_t i = 32; i-- > 0;) {
    if (s[i] < order[i]) return true;
    if (s[i] > order[i]) return false;
  }
  return false;  // equal to L
}

AJWT_DECL bool ed25519_signature_is_acceptable(const unsigned char* sig64) noexcept {
  return ed25519_scalar_is_canonical(sig64 + 32) && !ed25519_is_small_order(sig64);
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_ED25519_IPP
