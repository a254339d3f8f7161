// SPDX-License-Identifier: ISC
// Strict base64 (RFC 4648 section 4) and base64url (section 5) codecs. Internal: namespace ajwt::detail.
#ifndef AJWT_DETAIL_BASE64_HPP
#define AJWT_DETAIL_BASE64_HPP

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "../version.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

enum class b64_alphabet { standard, url };

constexpr char b64_std_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char b64_url_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Reverse table: the 6-bit value of each character, or 0xFF for characters outside the alphabet.
constexpr std::array<std::uint8_t, 256> b64_reverse(const char* alphabet) {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) v = 0xFF;
  for (std::uint8_t i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = i;
  return t;
}
inline constexpr auto b64_std_reverse = b64_reverse(b64_std_chars);
inline constexpr auto b64_url_reverse = b64_reverse(b64_url_chars);

/// Appends the encoding of `in` to `out`: base64url without padding, or standard base64 with padding.
inline void base64_append(std::string& out, std::string_view in, b64_alphabet a) {
  const char* chars = a == b64_alphabet::url ? b64_url_chars : b64_std_chars;
  const bool pad = a == b64_alphabet::standard;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t n = in.size(), i = 0;
  out.reserve(out.size() + (n + 2) / 3 * 4);
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    out += chars[(v >> 18) & 63];
    out += chars[(v >> 12) & 63];
    out += chars[(v >> 6) & 63];
    out += chars[v & 63];
  }
  if (n - i == 1) {
    const std::uint32_t v = std::uint32_t{p[i]} << 16;
    out += chars[(v >> 18) & 63];
    out += chars[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (n - i == 2) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8);
    out += chars[(v >> 18) & 63];
    out += chars[(v >> 12) & 63];
    out += chars[(v >> 6) & 63];
    if (pad) out += '=';
  }
}

/// base64url without padding (RFC 7515 section 2).
inline std::string base64url_encode(std::string_view in) {
  std::string out;
  base64_append(out, in, b64_alphabet::url);
  return out;
}

/// Standard base64 with padding (as OpenSSH writes it).
inline std::string base64_encode(std::string_view in) {
  std::string out;
  base64_append(out, in, b64_alphabet::standard);
  return out;
}

/// The number of octets `n` unpadded base64 characters decode to (n % 4 must not be 1).
constexpr std::size_t base64_decoded_size(std::size_t n) noexcept {
  return n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
}

/// Strict decoding of unpadded base64 (either alphabet) into `out`, which holds
/// base64_decoded_size(in.size()) octets: false on a character outside the alphabet, a length that is
/// 1 mod 4, or non-zero unused trailing bits (non-canonical encodings). Never allocates.
[[nodiscard]] inline bool base64_decode_raw(std::string_view in, unsigned char* out,
                                            b64_alphabet a) noexcept {
  const auto& rev = a == b64_alphabet::url ? b64_url_reverse : b64_std_reverse;
  const std::size_t n = in.size();
  if (n % 4 == 1) return false;
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  unsigned char* d = out;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const std::uint32_t a0 = rev[s[i]], a1 = rev[s[i + 1]], a2 = rev[s[i + 2]], a3 = rev[s[i + 3]];
    if ((a0 | a1 | a2 | a3) & 0x80) return false;
    const std::uint32_t v = (a0 << 18) | (a1 << 12) | (a2 << 6) | a3;
    *d++ = static_cast<unsigned char>(v >> 16);
    *d++ = static_cast<unsigned char>(v >> 8);
    *d++ = static_cast<unsigned char>(v);
  }
  const std::size_t rest = n - i;
  if (rest == 2) {
    const std::uint32_t a0 = rev[s[i]], a1 = rev[s[i + 1]];
    if ((a0 | a1) & 0x80) return false;
    if (a1 & 0x0F) return false;  // non-canonical: unused low bits set
    *d++ = static_cast<unsigned char>((a0 << 2) | (a1 >> 4));
  } else if (rest == 3) {
    const std::uint32_t a0 = rev[s[i]], a1 = rev[s[i + 1]], a2 = rev[s[i + 2]];
    if ((a0 | a1 | a2) & 0x80) return false;
    if (a2 & 0x03) return false;  // non-canonical: unused low bits set
    *d++ = static_cast<unsigned char>((a0 << 2) | (a1 >> 4));
    *d++ = static_cast<unsigned char>(((a1 & 0x0F) << 4) | (a2 >> 2));
  }
  return true;
}

/// Strict decoding into `out` (replaced). Rejects: characters outside the alphabet (whitespace
/// included), a length that is 1 mod 4, non-zero unused trailing bits (non-canonical encodings), and
/// padding — except in the standard alphabet, where padding is required to a multiple of 4.
/// Returns false on any of these; `out` is then unspecified.
[[nodiscard]] inline bool base64_decode_into(std::string_view in, std::string& out, b64_alphabet a) {
  if (a == b64_alphabet::standard) {
    if (in.size() % 4 != 0) return false;
    std::size_t pad = 0;
    while (pad < 2 && pad < in.size() && in[in.size() - 1 - pad] == '=') ++pad;
    in.remove_suffix(pad);
    if (pad > 0 && (in.size() + pad) % 4 != 0) return false;
    if (pad > 0 && in.size() % 4 != 4 - pad) return false;
  }
  const std::size_t n = in.size();
  if (n % 4 == 1) return false;
  out.clear();
  out.resize(base64_decoded_size(n));
  return base64_decode_raw(in, reinterpret_cast<unsigned char*>(out.data()), a);
}

/// Strict base64url decoding (see base64_decode_into); false on any deviation.
[[nodiscard]] inline bool base64url_decode(std::string_view in, std::string& out) {
  return base64_decode_into(in, out, b64_alphabet::url);
}

/// Strict standard base64 decoding with required padding; false on any deviation.
[[nodiscard]] inline bool base64_decode(std::string_view in, std::string& out) {
  return base64_decode_into(in, out, b64_alphabet::standard);
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_DETAIL_BASE64_HPP
