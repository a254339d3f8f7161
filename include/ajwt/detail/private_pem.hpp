// SPDX-License-Identifier: ISC
// Decoding PEM private keys (PKCS#8, encrypted PKCS#8, SEC1, PKCS#1) through OpenSSL, with a passphrase
// callback that never prompts. Client side only: private_key.hpp includes it, the verify path does not.
// Internal: namespace ajwt::detail.
#ifndef AJWT_DETAIL_PRIVATE_PEM_HPP
#define AJWT_DETAIL_PRIVATE_PEM_HPP

#include <openssl/pem.h>

#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "../error.hpp"
#include "../version.hpp"
#include "key_state.hpp"
#include "openssl.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

struct passphrase_state {
  const std::optional<std::string_view>* pass;
  bool asked = false;
  bool too_long = false;
};

/// PEM password callback: hands over the passphrase, never prompts on a terminal.
AJWT_DECL int passphrase_callback(char* buf, int size, int /*rwflag*/, void* u);

AJWT_DECL pkey_ptr decode_private_pem(std::string_view text, const std::optional<std::string_view>& pass,
                                      std::string_view source);

}  // namespace detail
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/detail/private_pem.ipp"
#endif

#endif  // AJWT_DETAIL_PRIVATE_PEM_HPP
