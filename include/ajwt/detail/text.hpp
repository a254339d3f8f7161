// SPDX-License-Identifier: ISC
// ASCII text helpers shared by every parser in ajwt: case folding and case-insensitive comparison,
// whitespace trimming, hex digits and percent-decoding. One copy of each, so two parsers of the library
// cannot disagree about what a space or a hex digit is. Locale-independent on purpose (std::tolower and
// std::isspace follow the C locale, which a program may change). Internal: namespace ajwt::detail.
#ifndef AJWT_DETAIL_TEXT_HPP
#define AJWT_DETAIL_TEXT_HPP

#include <cstddef>
#include <string>
#include <string_view>

#include "../version.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

/// `c` in lower case when it is an ASCII capital letter; any other byte unchanged.
[[nodiscard]] constexpr char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// ASCII case-insensitive equality (HTTP scheme words, header names, URL schemes, "typ").
[[nodiscard]] constexpr bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

/// Space, tab, CR or LF: the whitespace of header values, key files and JSON.
[[nodiscard]] constexpr bool is_ascii_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/// `s` without leading and trailing spaces, tabs, CRs and LFs.
[[nodiscard]] constexpr std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_ascii_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ascii_space(s.back())) s.remove_suffix(1);
  return s;
}

/// The value of a hex digit (either case), or -1.
[[nodiscard]] constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// `s` made safe for a log line or an error message: quotes, backslashes, control characters and
/// non-ASCII bytes escaped as \xHH (so the result is printable ASCII, hence valid UTF-8); at most `max`
/// input bytes are shown, then "...". The one policy for quoting untrusted text anywhere in ajwt.
[[nodiscard]] inline std::string printable(std::string_view s, std::size_t max = 64) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (const char ch : s.substr(0, max)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += ch;
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

/// Percent-decodes `s` (RFC 3986 section 2.1) into `out`, replacing its contents. False, with `out`
/// unspecified, at a '%' not followed by two hex digits. '+' stays '+' (this is not form decoding).
[[nodiscard]] inline bool percent_decode(std::string_view s, std::string& out) {
  out.clear();
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return false;  // needs two more characters
    const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_DETAIL_TEXT_HPP
