// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/private_pem.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_PRIVATE_PEM_IPP
#define AJWT_IMPL_DETAIL_PRIVATE_PEM_IPP

#include "../../detail/private_pem.hpp"

#include <openssl/evp.h>

AJWT_NAMESPACE_BEGIN
namespace detail {

AJWT_DECL int passphrase_callback(char* buf, int size, int /*rwflag*/, void* u) {
  auto* st = static_cast<passphrase_state*>(u);
  st->asked = true;
  if (!st->pass->has_value()) return -1;
  const auto& p = **st->pass;
  if (p.size() > static_cast<std::size_t>(size)) {
    st->too_long = true;
    return -1;
  }
  if (!p.empty()) std::memcpy(buf, p.data(), p.size());  // an empty string_view may hold a null data()
  return static_cast<int>(p.size());
}

AJWT_DECL pkey_ptr decode_private_pem(std::string_view text, const std::optional<std::string_view>& pass,
                                      std::string_view source) {
  auto bio = memory_bio(text);
  passphrase_state st{&pass};
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, passphrase_callback, &st);
  const std::string err = drain_openssl_errors();
  if (pkey) return pkey_ptr(pkey);
  if (st.too_long) throw_key_error(source, "passphrase is too long");
  if (st.asked && !pass) throw_key_error(source, "the private key is encrypted; a passphrase is needed");
  if (st.asked)
    throw_key_error(source, "wrong passphrase for the encrypted private key (or the key is corrupt)");
  throw_key_error(source, "cannot decode PEM private key: " + err);
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_PRIVATE_PEM_IPP
