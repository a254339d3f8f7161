// SPDX-License-Identifier: ISC
// Reading key files (bounded, not a directory) and decoding PEM public keys through OpenSSL's decoders
// (private keys: private_pem.hpp, kept off the verify path). Internal: namespace ajwt::detail.
#ifndef AJWT_DETAIL_KEY_TEXT_HPP
#define AJWT_DETAIL_KEY_TEXT_HPP

#include <openssl/decoder.h>
#include <openssl/pem.h>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "../error.hpp"
#include "../limits.hpp"
#include "../version.hpp"
#include "key_state.hpp"
#include "openssl.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

inline std::string read_key_file(const std::filesystem::path& path) {
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

inline bool contains(std::string_view hay, std::string_view needle) noexcept {
  return hay.find(needle) != std::string_view::npos;
}

inline pkey_ptr decode_public_pem(std::string_view text, std::string_view source) {
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

#endif  // AJWT_DETAIL_KEY_TEXT_HPP
