// SPDX-License-Identifier: ISC
// ajwt::detail text helpers (detail/text.hpp): the one copy of case folding, trimming, hex digits,
// percent-decoding and quoting that every parser of the library uses. Locale-independent, byte-exact.
#include "ajwt/detail/text.hpp"

#include <catch2/catch.hpp>

#include <clocale>
#include <optional>
#include <string>
#include <string_view>

using namespace std::string_literals;
using ajwt::detail::hex_value;
using ajwt::detail::iequals_ascii;
using ajwt::detail::percent_decode;
using ajwt::detail::printable;
using ajwt::detail::trim;

TEST_CASE("iequals_ascii folds ASCII letters only", "[text]") {
  CHECK(iequals_ascii("JWT", "jwt"));
  CHECK(iequals_ascii("Cache-Control", "cache-control"));
  CHECK(iequals_ascii("", ""));
  CHECK_FALSE(iequals_ascii("JWT", "JWT "));
  CHECK_FALSE(iequals_ascii("jwt", "jwu"));
  // '@' and '`' sit next to 'A' and 'a'; bytes above 0x7F are never folded (no locale).
  CHECK_FALSE(iequals_ascii("@", "`"));
  CHECK_FALSE(iequals_ascii("\xc3\x89", "\xc3\xa9"));
  static_assert(iequals_ascii("Bearer", "BEARER"));
  static_assert(ajwt::detail::ascii_lower('Z') == 'z' && ajwt::detail::ascii_lower('[') == '[');
}

TEST_CASE("trim removes spaces, tabs, CR and LF at both ends, nothing else", "[text]") {
  CHECK(trim(" \t\r\n key \r\n") == "key");
  CHECK(trim("a b") == "a b");
  CHECK(trim(" \t ").empty());
  CHECK(trim("\vkey\f") == "\vkey\f");  // vertical tab and form feed are not whitespace here
  CHECK(trim("\xa0key") == "\xa0key");  // nor is a Latin-1 no-break space, whatever the locale
}

TEST_CASE("hex_value reads both cases and refuses the rest", "[text]") {
  CHECK(hex_value('0') == 0);
  CHECK(hex_value('9') == 9);
  CHECK(hex_value('a') == 10);
  CHECK(hex_value('F') == 15);
  for (const char c : "gG/:@`\x80 "s) {
    INFO(static_cast<int>(static_cast<unsigned char>(c)));
    CHECK(hex_value(c) == -1);
  }
}

TEST_CASE("percent_decode decodes %XX in either case and refuses a short or bad escape", "[text]") {
  // '+' is not a space: this is not form decoding.
  CHECK(percent_decode("a%2Fb%2fc+d%00") == std::optional<std::string>("a/b/c+d\0"s));
  CHECK(percent_decode("") == std::optional<std::string>(""));
  for (const std::string_view bad : {"%", "%4", "a%4", "%G0", "%0g", "%%41"}) {
    INFO(bad);
    CHECK_FALSE(percent_decode(bad));
  }
}

TEST_CASE("printable escapes quotes, backslashes, control and non-ASCII bytes, and shortens", "[text]") {
  CHECK(printable("alice") == "alice");
  CHECK(printable("") == "");
  CHECK(printable("a\"b\\c") == "a\\x22b\\x5cc");
  CHECK(printable("\n\x7f\xff"s) == "\\x0a\\x7f\\xff");
  CHECK(printable("\0"s) == "\\x00");
  CHECK(printable(std::string(70, 'x')) == std::string(64, 'x') + "...");
  CHECK(printable("abcdef", 3) == "abc...");
  // The result is always printable ASCII.
  std::string every;
  for (int c = 0; c < 256; ++c) every += static_cast<char>(c);
  for (const char c : printable(every, every.size())) CHECK((c >= 0x20 && c < 0x7f));
}

TEST_CASE("the helpers ignore the C locale", "[text]") {
  // A program may switch the C locale; std::isspace and std::tolower would follow it, these do not.
  const char* previous = std::setlocale(LC_ALL, nullptr);
  const std::string saved = previous ? previous : "C";
  std::setlocale(LC_ALL, "C.UTF-8");
  CHECK(trim("\xa0x") == "\xa0x");
  CHECK_FALSE(iequals_ascii("\xc9", "\xe9"));
  std::setlocale(LC_ALL, saved.c_str());
}
