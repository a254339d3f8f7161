// SPDX-License-Identifier: ISC
// ASCII text helpers shared by every parser in ajwt: case folding and case-insensitive comparison,
// whitespace trimming, hex digits and percent-decoding. One copy of each, so two parsers of the library
// cannot disagree about what a space or a hex digit is. Locale-independent on purpose (std::tolower and
// std::isspace follow the C locale, which a program may change). Internal: namespace ajwt::detail.
#ifndef AJWT_DETAIL_TEXT_HPP
#define AJWT_DETAIL_TEXT_HPP

#include <cstddef>
#include <optional>
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

/// The length of the one well-formed multi-byte UTF-8 sequence starting at `p` (RFC 3629: no overlongs,
/// surrogates or values beyond U+10FFFF), of at most `avail` bytes; 0 when there is none. The one UTF-8
/// rule of ajwt: the claim scanner reads with it and the JSON writer refuses what it refuses.
[[nodiscard]] constexpr std::size_t utf8_sequence_length(const char* p, std::size_t avail) noexcept {
  const auto c = static_cast<unsigned char>(p[0]);
  auto in = [&](std::size_t i, unsigned lo, unsigned hi) {
    return i < avail && static_cast<unsigned char>(p[i]) >= lo && static_cast<unsigned char>(p[i]) <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (c == 0xE0) return in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
    return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (c == 0xED) return in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (c == 0xF0) return in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  if (c == 0xF4) return in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  return 0;
}

/// `s` made safe for a log line or an error message: quotes, backslashes, control characters and
/// non-ASCII bytes escaped as \xHH (so the result is printable ASCII, hence valid UTF-8); at most `max`
/// input bytes are shown, then "...". The one policy for quoting untrusted text anywhere in ajwt.
[[nodiscard]] AJWT_DECL std::string printable(std::string_view s, std::size_t max = 64);

/// Percent-decodes `s` (RFC 3986 section 2.1); nothing at a '%' not followed by two hex digits. '+'
/// stays '+' (this is not form decoding).
[[nodiscard]] AJWT_DECL std::optional<std::string> percent_decode(std::string_view s);

}  // namespace detail
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/detail/text.ipp"
#endif

#endif  // AJWT_DETAIL_TEXT_HPP
