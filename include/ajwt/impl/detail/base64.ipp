// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/base64.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_BASE64_IPP
#define AJWT_IMPL_DETAIL_BASE64_IPP

#include "../../detail/base64.hpp"

#include <cstddef>

AJWT_NAMESPACE_BEGIN
namespace detail {

AJWT_DECL void base64_append(std::string& out, std::string_view in, b64_alphabet a) {
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

AJWT_DECL std::string base64url_encode(std::string_view in) {
  std::string out;
  base64_append(out, in, b64_alphabet::url);
  return out;
}

AJWT_DECL std::string base64_encode(std::string_view in) {
  std::string out;
  base64_append(out, in, b64_alphabet::standard);
  return out;
}

AJWT_DECL bool base64_decode_raw(std::string_view in, unsigned char* out, b64_alphabet a) noexcept {
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

AJWT_DECL std::optional<std::string> base64_decode(std::string_view in, b64_alphabet a) {
  if (a == b64_alphabet::standard) {
    if (in.size() % 4 != 0) return std::nullopt;
    std::size_t pad = 0;
    while (pad < 2 && pad < in.size() && in[in.size() - 1 - pad] == '=') ++pad;
    in.remove_suffix(pad);
    if (pad > 0 && (in.size() + pad) % 4 != 0) return std::nullopt;
    if (pad > 0 && in.size() % 4 != 4 - pad) return std::nullopt;
  }
  const std::size_t n = in.size();
  if (n % 4 == 1) return std::nullopt;
  std::string out(base64_decoded_size(n), '\0');
  if (!base64_decode_raw(in, reinterpret_cast<unsigned char*>(out.data()), a)) return std::nullopt;
  return out;
}

AJWT_DECL std::optional<std::string> base64url_decode(std::string_view in) {
  return base64_decode(in, b64_alphabet::url);
}

AJWT_DECL std::optional<std::string> base64_decode(std::string_view in) {
  return base64_decode(in, b64_alphabet::standard);
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_BASE64_IPP
