// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/key_text.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_KEY_TEXT_IPP
#define AJWT_IMPL_DETAIL_KEY_TEXT_IPP

#include "../../detail/key_text.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <istream>
#include <system_error>

AJWT_NAMESPACE_BEGIN
namespace detail {

AJWT_DECL std::string read_key_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw key_error(path.string() + ": is a directory, not a key file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw key_error(path.string() + ": cannot open file: " + std::strerror(errno));
  std::string data;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<std::size_t>(in.gcount()));
    if (data.size() > max_key_text_bytes)
      throw key_error(path.string() + ": file is larger than " + std::to_string(max_key_text_bytes) +
                      " bytes");
  }
  if (in.bad()) throw key_error(path.string() + ": read error");
  return data;
}

AJWT_DECL bool contains(std::string_view hay, std::string_view needle) noexcept {
  return hay.find(needle) != std::string_view::npos;
}

AJWT_DECL pkey_ptr decode_public_pem(std::string_view text, std::string_view source) {
  EVP_PKEY* pkey = nullptr;
  std::unique_ptr<OSSL_DECODER_CTX, ossl_deleter<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>> dctx(
      OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", nullptr, nullptr, EVP_PKEY_PUBLIC_KEY, nullptr, nullptr));
  if (!dctx) throw crypto_error("ajwt: OSSL_DECODER_CTX_new_for_pkey failed: " + drain_openssl_errors());
  auto bio = memory_bio(text);
  if (OSSL_DECODER_from_bio(dctx.get(), bio.get()) != 1 || !pkey)
    throw_key_error(source, "cannot decode PEM public key: " + drain_openssl_errors());
  drain_openssl_errors();
  return pkey_ptr(pkey);
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_KEY_TEXT_IPP
