// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/bcrypt_pbkdf.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_BCRYPT_PBKDF_IPP
#define AJWT_IMPL_DETAIL_BCRYPT_PBKDF_IPP

#include "../../detail/bcrypt_pbkdf.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

AJWT_NAMESPACE_BEGIN
namespace detail::openssh {

AJWT_DECL void blowfish_init(blowfish_state& st) noexcept {
  std::memcpy(st.p, blowfish_pi_words, sizeof st.p);
  std::memcpy(st.s, blowfish_pi_words + 18, sizeof st.s);
}

AJWT_DECL std::uint32_t blowfish_f(const blowfish_state& st, std::uint32_t x) noexcept {
  return ((st.s[0][x >> 24] + st.s[1][(x >> 16) & 0xff]) ^ st.s[2][(x >> 8) & 0xff]) + st.s[3][x & 0xff];
}

AJWT_DECL void blowfish_encrypt(const blowfish_state& st, std::uint32_t& left,
                                std::uint32_t& right) noexcept {
  std::uint32_t l = left ^ st.p[0], r = right;
  for (int i = 1; i <= 16; i += 2) {
    r ^= blowfish_f(st, l) ^ st.p[i];
    l ^= blowfish_f(st, r) ^ st.p[i + 1];
  }
  left = r ^ st.p[17];
  right = l;
}

AJWT_DECL std::uint32_t blowfish_stream_word(const unsigned char* data, std::size_t len,
                                             std::size_t& pos) noexcept {
  std::uint32_t w = 0;
  for (int i = 0; i < 4; ++i) {
    if (pos >= len) pos = 0;
    w = (w << 8) | data[pos++];
  }
  return w;
}

AJWT_DECL void blowfish_expand(blowfish_state& st, const unsigned char* key, std::size_t key_len,
                               const unsigned char* salt, std::size_t salt_len) noexcept {
  std::size_t pos = 0;
  for (auto& word : st.p) word ^= blowfish_stream_word(key, key_len, pos);
  std::uint32_t l = 0, r = 0;
  pos = 0;
  const auto next = [&](std::uint32_t& a, std::uint32_t& b) {
    if (salt_len > 0) {
      l ^= blowfish_stream_word(salt, salt_len, pos);
      r ^= blowfish_stream_word(salt, salt_len, pos);
    }
    blowfish_encrypt(st, l, r);
    a = l;
    b = r;
  };
  for (int i = 0; i < 18; i += 2) next(st.p[i], st.p[i + 1]);
  for (auto& box : st.s)
    for (int i = 0; i < 256; i += 2) next(box[i], box[i + 1]);
}

AJWT_DECL void bcrypt_hash(const unsigned char* sha2pass, const unsigned char* sha2salt, unsigned char* out) {
  blowfish_state st;
  blowfish_init(st);
  blowfish_expand(st, sha2pass, 64, sha2salt, 64);
  for (int i = 0; i < 64; ++i) {
    blowfish_expand(st, sha2salt, 64, nullptr, 0);
    blowfish_expand(st, sha2pass, 64, nullptr, 0);
  }
  static constexpr char magic[] = "OxychromaticBlowfishSwatDynamite";
  std::uint32_t block[8];
  std::size_t pos = 0;
  for (auto& word : block)
    word = blowfish_stream_word(reinterpret_cast<const unsigned char*>(magic), 32, pos);
  for (int i = 0; i < 64; ++i)
    for (int j = 0; j < 8; j += 2) blowfish_encrypt(st, block[j], block[j + 1]);
  for (int i = 0; i < 8; ++i)
    for (int b = 0; b < 4; ++b) out[4 * i + b] = static_cast<unsigned char>(block[i] >> (8 * b));
  OPENSSL_cleanse(&st, sizeof st);
  OPENSSL_cleanse(block, sizeof block);
}

AJWT_DECL void sha512(const void* data, std::size_t len, unsigned char* out) {
  unsigned int n = 0;
  if (EVP_Digest(data, len, out, &n, EVP_sha512(), nullptr) != 1 || n != 64)
    throw crypto_error("ajwt: SHA-512 failed: " + drain_openssl_errors());
}

AJWT_DECL void bcrypt_pbkdf(std::string_view pass, std::string_view salt, std::uint32_t rounds,
                            unsigned char* key, std::size_t key_len) {
  constexpr std::size_t block = 32;
  if (pass.empty() || salt.empty() || rounds == 0 || key_len == 0 || key_len > block * block)
    throw key_error("bcrypt_pbkdf: invalid arguments");
  const std::size_t stride = (key_len + block - 1) / block;
  std::size_t amount = (key_len + stride - 1) / stride;
  secret_bytes sha2pass(64), sha2salt(64), tmp(block), out(block);
  sha512(pass.data(), pass.size(), sha2pass.data());
  std::vector<unsigned char> count_salt(salt.begin(), salt.end());
  count_salt.resize(salt.size() + 4);
  std::size_t left = key_len;
  for (std::uint32_t count = 1; left > 0; ++count) {
    for (std::size_t b = 0; b < 4; ++b)
      count_salt[salt.size() + b] = static_cast<unsigned char>(count >> (24 - 8 * b));
    sha512(count_salt.data(), count_salt.size(), sha2salt.data());
    bcrypt_hash(sha2pass.data(), sha2salt.data(), tmp.data());
    std::memcpy(out.data(), tmp.data(), block);
    for (std::uint32_t r = 1; r < rounds; ++r) {
      sha512(tmp.data(), block, sha2salt.data());
      bcrypt_hash(sha2pass.data(), sha2salt.data(), tmp.data());
      for (std::size_t j = 0; j < block; ++j) out.data()[j] ^= tmp.data()[j];
    }
    amount = std::min(amount, left);
    std::size_t i = 0;
    for (; i < amount; ++i) {
      const std::size_t dest = i * stride + (count - 1);
      if (dest >= key_len) break;
      key[dest] = out.data()[i];
    }
    left -= i;
  }
}

}  // namespace detail::openssh
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_BCRYPT_PBKDF_IPP
