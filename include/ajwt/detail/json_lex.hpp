// SPDX-License-Identifier: ISC
// The lexical half of ajwt's one JSON reader: whitespace, literals, strings (escapes, surrogate pairs,
// UTF-8) and numbers, by the rules of RFC 8259 as nlohmann's parser applies them, with the first error
// and where it happened. Two walkers share it: parse_json_strict (json.hpp), which builds a DOM, and the
// verify path's allocation-free json_scanner (json_scan.hpp). One set of token rules, so the two cannot
// read one text differently. Internal: ajwt::detail.
#ifndef AJWT_DETAIL_JSON_LEX_HPP
#define AJWT_DETAIL_JSON_LEX_HPP

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

#include "../version.hpp"
#include "json_write.hpp"
#include "text.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

/// Default nesting limit: JOSE headers and claims sets are shallow; 16 levels is generous.
inline constexpr std::size_t default_json_max_depth = 16;

/// The type of a JSON value, with nlohmann's split of numbers: `integer` is a negative integer (or
/// -0), `unsigned_integer` a non-negative one, both within 64 bits; every other number is `floating`.
enum class json_kind : std::uint8_t {
  absent,
  null,
  boolean,
  integer,
  unsigned_integer,
  floating,
  string,
  array,
  object
};

/// One value read by the lexer, or one member picked out of an object: its kind, its text, and its
/// value for scalars.
struct json_field {
  json_kind kind = json_kind::absent;
  std::string_view raw;   ///< the value's JSON text (a string with its quotes), when scanned
  std::string_view text;  ///< a string's value, unescaped
  bool boolean = false;
  std::int64_t integer = 0;
  std::uint64_t unsigned_integer = 0;
  double floating = 0;

  [[nodiscard]] bool present() const noexcept { return kind != json_kind::absent; }
  [[nodiscard]] bool is_string() const noexcept { return kind == json_kind::string; }
  [[nodiscard]] bool is_integer() const noexcept {
    return kind == json_kind::integer || kind == json_kind::unsigned_integer;
  }
  /// The value as nlohmann would serialise it (numbers only; for messages).
  [[nodiscard]] std::string dump_number() const {
    std::string out;
    switch (kind) {
      case json_kind::integer: append_json_number(out, integer); break;
      case json_kind::unsigned_integer: append_json_number(out, unsigned_integer); break;
      case json_kind::floating: append_json_number(out, floating); break;
      default: out = raw;
    }
    return out;
  }
};

/// The tokens of a JSON text, read in place from `p_`. Every reader returns false on the first error and
/// records what it was (a fixed text) and where; later errors never overwrite it.
class json_lexer {
 public:
  /// The first error, or nullptr.
  [[nodiscard]] const char* error() const noexcept { return error_; }
  /// Where the first error is: the 1-based offset of the byte at fault (one past the end when the text
  /// ended too early).
  [[nodiscard]] std::size_t error_byte() const noexcept {
    return static_cast<std::size_t>(error_at_ - begin_) + 1;
  }

  /// Appends the value of a string's raw text (between its quotes, already read by string()) with its
  /// escapes decoded.
  static void unescape(std::string_view raw, std::string& out) {
    for (std::size_t i = 0; i < raw.size(); ++i) {
      const char c = raw[i];
      if (c != '\\') {
        out += c;
        continue;
      }
      const char e = raw[++i];
      switch (e) {
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = 0;
          hex4(raw.data() + i + 1, cp);
          i += 4;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned low = 0;
            hex4(raw.data() + i + 3, low);
            i += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          if (cp < 0x80) {
            out += static_cast<char>(cp);
          } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          }
          break;
        }
        default: out += e; break;  // '"', '\\', '/'
      }
    }
  }

 protected:
  explicit json_lexer(std::string_view text) noexcept
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()) {}

  bool fail(const char* what) noexcept { return fail_at(what, p_); }
  bool fail_at(const char* what, const char* at) noexcept {
    if (error_ == nullptr) {
      error_ = what;
      error_at_ = at;
    }
    return false;
  }
  [[nodiscard]] bool at_end() const noexcept { return p_ == end_; }
  /// The current byte; only when !at_end().
  [[nodiscard]] char peek() const noexcept { return *p_; }
  static bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

  /// A UTF-8 byte order mark at the very start is skipped (as nlohmann does); a partial one is an error.
  bool skip_byte_order_mark() noexcept {
    if (p_ == end_ || static_cast<unsigned char>(*p_) != 0xEF) return true;
    if (end_ - p_ < 3 || static_cast<unsigned char>(p_[1]) != 0xBB ||
        static_cast<unsigned char>(p_[2]) != 0xBF)
      return fail("incomplete UTF-8 byte order mark");
    p_ += 3;
    return true;
  }
  void skip_ws() noexcept {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  /// At an object's or array's opening byte: consumes it and the blanks after it, and also the closing
  /// byte `close` when it follows at once (then returns true: the container is empty).
  bool enter(char close) noexcept {
    ++p_;
    skip_ws();
    if (p_ == end_ || *p_ != close) return false;
    ++p_;
    return true;
  }
  /// After a member or an element: a ',' (consumed with the blanks around it; `more` is set) or the
  /// closing byte `close` (consumed; `more` is cleared), else the error `what`.
  bool separator(char close, const char* what, bool& more) noexcept {
    skip_ws();
    if (p_ == end_) return fail("unexpected end of input");
    more = *p_ == ',';
    if (!more) return expect(close, what);
    ++p_;
    skip_ws();
    return true;
  }
  /// A member's name at p_ (`raw` and `escaped` as for string()).
  bool member_name(std::string_view& raw, bool& escaped) noexcept {
    if (p_ == end_ || *p_ != '"') return fail("expected a member name");
    return string(raw, escaped);
  }
  /// The ':' after a member's name, with the blanks around it.
  bool colon() noexcept {
    skip_ws();
    if (!expect(':', "expected ':' after a member name")) return false;
    skip_ws();
    return true;
  }
  /// The byte at p_ is `c` (then consumed), or the error `what`.
  bool expect(char c, const char* what) noexcept {
    if (p_ == end_) return fail("unexpected end of input");
    if (*p_ != c) return fail(what);
    ++p_;
    return true;
  }

  /// A scalar at p_ (not an object or array): kind and value into `out`, its text into out.raw. For a
  /// string, `out.text` is its raw text between the quotes and `escaped` says whether it holds an escape
  /// (then the caller decodes it with unescape()).
  bool scalar(json_field& out, bool& escaped) {
    if (p_ == end_) return fail("unexpected end of input");
    const char* start = p_;
    escaped = false;
    switch (*p_) {
      case '"':
        if (!string(out.text, escaped)) return false;
        out.kind = json_kind::string;
        break;
      case 't':
        if (!literal("true")) return false;
        out.kind = json_kind::boolean;
        out.boolean = true;
        break;
      case 'f':
        if (!literal("false")) return false;
        out.kind = json_kind::boolean;
        out.boolean = false;
        break;
      case 'n':
        if (!literal("null")) return false;
        out.kind = json_kind::null;
        break;
      default:
        if (*p_ != '-' && !is_digit(*p_)) return fail("expected a value");
        if (!number(out)) return false;
        break;
    }
    out.raw = std::string_view(start, static_cast<std::size_t>(p_ - start));
    return true;
  }

  /// A string at p_ (its opening quote): `raw` is its text between the quotes, `escaped` whether that
  /// holds an escape sequence.
  bool string(std::string_view& raw, bool& escaped) noexcept {
    ++p_;
    const char* start = p_;
    escaped = false;
    for (;;) {
      if (p_ == end_) return fail("unexpected end of input in a string");
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') break;
      if (c < 0x20) return fail("control character in a string (it must be escaped)");
      if (c == '\\') {
        escaped = true;
        if (!escape()) return false;
      } else if (c < 0x80) {
        ++p_;
      } else if (!utf8()) {
        return false;
      }
    }
    raw = std::string_view(start, static_cast<std::size_t>(p_ - start));
    ++p_;
    return true;
  }

 private:
  bool literal(std::string_view word) noexcept {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0)
      return fail("invalid literal");
    p_ += word.size();
    return true;
  }

  static int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  /// Four hex digits at `p` (bounds checked by the caller).
  static bool hex4(const char* p, unsigned& cp) noexcept {
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      const int d = hex_digit(p[i]);
      if (d < 0) return false;
      cp = cp * 16 + static_cast<unsigned>(d);
    }
    return true;
  }

  /// One escape sequence at p_ (a backslash): nlohmann's rules, surrogates paired.
  bool escape() noexcept {
    if (end_ - p_ < 2) return fail("unexpected end of input in a string");
    switch (p_[1]) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't': p_ += 2; return true;
      case 'u': {
        unsigned cp = 0;
        if (end_ - p_ < 6 || !hex4(p_ + 2, cp)) return fail("\\u must be followed by four hex digits");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          unsigned low = 0;
          const char* second = p_ + 6;
          if (end_ - second < 6 || second[0] != '\\' || second[1] != 'u' || !hex4(second + 2, low) ||
              low < 0xDC00 || low > 0xDFFF)
            return fail("a high surrogate must be followed by a \\u low surrogate");
          p_ += 12;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return fail("a low surrogate without a high surrogate before it");
        } else {
          p_ += 6;
        }
        return true;
      }
      default: return fail("invalid escape sequence");
    }
  }

  /// One multi-byte UTF-8 sequence at p_ (detail::utf8_sequence_length).
  bool utf8() noexcept {
    const std::size_t n = utf8_sequence_length(p_, static_cast<std::size_t>(end_ - p_));
    if (n == 0) return fail("invalid UTF-8");
    p_ += n;
    return true;
  }

  bool number(json_field& out) noexcept {
    const char* start = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || !is_digit(*p_)) return fail("invalid number: a digit must follow '-'");
    const char* digits = p_;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && is_digit(*p_)) ++p_;
    }
    const char* digits_end = p_;
    bool integral = true;
    if (p_ != end_ && *p_ == '.') {
      integral = false;
      ++p_;
      if (p_ == end_ || !is_digit(*p_)) return fail("invalid number: a digit must follow '.'");
      while (p_ != end_ && is_digit(*p_)) ++p_;
    }
    const char* exponent = nullptr;
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      exponent = p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !is_digit(*p_)) return fail("invalid number: a digit must follow the exponent mark");
      while (p_ != end_ && is_digit(*p_)) ++p_;
    }
    if (integral) {
      // nlohmann: strtoull / strtoll; an integer that does not fit becomes a float.
      std::uint64_t v = 0;
      bool fits = true;
      for (const char* d = digits; d != digits_end && fits; ++d) {
        const auto digit = static_cast<std::uint64_t>(*d - '0');
        if (v > (UINT64_MAX - digit) / 10) fits = false;
        v = v * 10 + digit;
      }
      if (fits && !negative) {
        out.kind = json_kind::unsigned_integer;
        out.unsigned_integer = v;
        return true;
      }
      if (fits && v <= (std::uint64_t{1} << 63)) {
        out.kind = json_kind::integer;
        out.integer = v == (std::uint64_t{1} << 63) ? INT64_MIN : -static_cast<std::int64_t>(v);
        return true;
      }
    }
    double d = 0;
    const auto r = std::from_chars(start, p_, d);
    if (r.ec == std::errc::result_out_of_range) {
      // Not representable: it rounds to infinity (nlohmann: "number overflow") or to zero (strtod's
      // zero, which nlohmann accepts). Which one: where the first significant digit stands.
      if (decimal_exponent(digits, exponent) >= 0) return fail_at("number overflow", start);
      d = negative ? -0.0 : 0.0;
    } else if (r.ec != std::errc() || r.ptr != p_) {
      return fail_at("invalid number", start);  // never: the grammar above is a subset of from_chars'
    } else if (!std::isfinite(d)) {
      return fail_at("number overflow", start);
    }
    out.kind = json_kind::floating;
    out.floating = d;
    return true;
  }

  /// The power of ten of a validated number's first significant digit (saturating), from its digits
  /// (after any '-') and its exponent (after 'e', or nullptr); only the sign of the result matters.
  [[nodiscard]] std::int64_t decimal_exponent(const char* digits, const char* exponent) const noexcept {
    std::int64_t place = -1;  // of the first significant digit, counted from the end of the integer part
    const char* p = digits;
    std::int64_t integer_digits = 0;
    bool found = false;
    for (; p != end_ && is_digit(*p); ++p, ++integer_digits)
      if (!found && *p != '0') {
        found = true;
        place = integer_digits;
      }
    std::int64_t e10 = found ? integer_digits - place - 1 : 0;
    if (!found && p != end_ && *p == '.')
      for (std::int64_t k = 1; ++p != end_ && is_digit(*p); ++k)
        if (*p != '0') {
          e10 = -k;
          found = true;
          break;
        }
    if (!found) return -1;  // zero never overflows
    if (exponent != nullptr) {
      const bool minus = *exponent == '-';
      if (*exponent == '+' || minus) ++exponent;
      // Saturates far beyond any text's length (so beyond the digits counted above), and within int64.
      constexpr std::int64_t saturated = 100000000000000000;  // 1e17
      std::int64_t e = 0;
      for (; exponent != end_ && is_digit(*exponent) && e < saturated; ++exponent)
        e = e * 10 + (*exponent - '0');
      e10 += minus ? -e : e;
    }
    return e10;
  }

 protected:
  const char* begin_;
  const char* p_;
  const char* end_;

 private:
  const char* error_ = nullptr;
  const char* error_at_ = nullptr;
};

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_DETAIL_JSON_LEX_HPP
