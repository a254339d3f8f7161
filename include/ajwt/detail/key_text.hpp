// SPDX-License-Identifier: ISC
// Reading key files (bounded, not a directory) and decoding PEM public and private keys through OpenSSL's
// decoders, with a passphrase callback that never prompts. Internal: namespace ajwt::detail.
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

struct passphrase_state {
  const std::optional<std::string_view>* pass;
  bool asked = false;
  bool too_long = false;
};

/// PEM password callback: hands over the passphrase, never prompts on a terminal.
inline int passphrase_callback(char* buf, int size, int /*rwflag*/, void* u) {
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

inline pkey_ptr decode_private_pem(std::string_view text, const std::optional<std::string_view>& pass,
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

#endif  // AJWT_DETAIL_KEY_TEXT_HPP
