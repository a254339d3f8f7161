// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/openssh_wire.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_OPENSSH_WIRE_IPP
#define AJWT_IMPL_DETAIL_OPENSSH_WIRE_IPP

#include "../../detail/openssh_wire.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail::openssh {

AJWT_DECL std::optional<key_type> key_type_from_name(std::string_view name) noexcept {
  if (name == rsa_type) return key_type::rsa;
  if (name == ed25519_type) return key_type::ed25519;
  if (name == ecdsa_p256_type) return key_type::ec_p256;
  return std::nullopt;
}

AJWT_DECL std::string printable(std::string_view s) { return s.empty() ? "(empty)" : detail::printable(s); }

AJWT_DECL void throw_unsupported_type(std::string_view type) {
  if (type.empty()) throw key_error("the OpenSSH key has an empty key type");
  throw key_error(printable(type) +
                  " keys are not supported; use ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp256");
}

}  // namespace detail::openssh
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_OPENSSH_WIRE_IPP
