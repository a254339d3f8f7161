// SPDX-License-Identifier: ISC
// Strict base64 (RFC 4648 section 4) and base64url (section 5) codecs. Internal: namespace ajwt::detail.
#ifndef AJWT_DETAIL_BASE64_HPP
#define AJWT_DETAIL_BASE64_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
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
AJWT_DECL void base64_append(std::string& out, std::string_view in, b64_alphabet a);

/// base64url without padding (RFC 7515 section 2).
AJWT_DECL std::string base64url_encode(std::string_view in);

/// Standard base64 with padding (as OpenSSH writes it).
AJWT_DECL std::string base64_encode(std::string_view in);

/// The number of octets `n` unpadded base64 characters decode to (n % 4 must not be 1).
constexpr std::size_t base64_decoded_size(std::size_t n) noexcept {
  return n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
}

/// Strict decoding of unpadded base64 (either alphabet) into `out`, which holds
/// base64_decoded_size(in.size()) octets: false on a character outside the alphabet, a length that is
/// 1 mod 4, or non-zero unused trailing bits (non-canonical encodings). Never allocates.
[[nodiscard]] AJWT_DECL bool base64_decode_raw(std::string_view in, unsigned char* out,
                                               b64_alphabet a) noexcept;

/// Strict decoding. Refuses (nothing is returned): characters outside the alphabet (whitespace
/// included), a length that is 1 mod 4, non-zero unused trailing bits (non-canonical encodings), and
/// padding — except in the standard alphabet, where padding is required to a multiple of 4.
[[nodiscard]] AJWT_DECL std::optional<std::string> base64_decode(std::string_view in, b64_alphabet a);

/// Strict base64url decoding (see base64_decode); nothing on any deviation.
[[nodiscard]] AJWT_DECL std::optional<std::string> base64url_decode(std::string_view in);

/// Strict standard base64 decoding with required padding; nothing on any deviation.
[[nodiscard]] AJWT_DECL std::optional<std::string> base64_decode(std::string_view in);

}  // namespace detail
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/detail/base64.ipp"
#endif

#endif  // AJWT_DETAIL_BASE64_HPP
