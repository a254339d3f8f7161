// SPDX-License-Identifier: ISC
// A flat JSON scanner for the verify path: it walks a document once, validates it by the rules of
// parse_json_strict (json.hpp) and picks out named members of the top-level object, without building
// a DOM and without allocating (an escaped string aside). parse_json_strict stays the reference: when
// the scanner rejects a document, or cannot decide (see json_scan::undecided), pick_members asks it, so
// callers see exactly its verdicts and its error texts. fuzz/json_scan_fuzz.cpp checks the two agree.
// Internal: ajwt::detail.
#ifndef AJWT_DETAIL_JSON_SCAN_HPP
#define AJWT_DETAIL_JSON_SCAN_HPP

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>

#include "../version.hpp"
#include "json.hpp"
#include "json_write.hpp"
#include "text.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

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

/// One member picked out of an object: its kind, its text, and its value for scalars.
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

/// The scanner's verdict. `undecided`: valid so far but outside what the scanner handles (more than
/// 64 member names open at once, a float beyond what std::from_chars converts); parse_json_strict decides.
enum class json_scan : std::uint8_t { accepted, rejected, undecided };

/// Validates `text` as parse_json_strict would and fills `fields[i]` with the top-level member named
/// `names[i]` (unescaped names compared). Unescaped strings live in `scratch`, which must outlive the
/// fields and must not be touched meanwhile. Allocates only when a string holds an escape.
class json_scanner {
 public:
  json_scanner(std::string_view text, const std::string_view* names, json_field* fields, std::size_t count,
               std::string& scratch, std::size_t max_depth) noexcept
      : p_(text.data()),
        end_(text.data() + text.size()),
        names_(names),
        fields_(fields),
        count_(count),
        scratch_(scratch),
        max_depth_(max_depth) {}

  /// Scans the whole text. `is_object` tells whether the top-level value is an object.
  json_scan run(bool& is_object) {
    for (std::size_t i = 0; i < count_; ++i) fields_[i] = json_field{};
    scratch_.clear();
    if (std::memchr(p_, '\\', static_cast<std::size_t>(end_ - p_)) != nullptr)
      scratch_.reserve(static_cast<std::size_t>(end_ - p_));  // unescaping never lengthens a string
    // nlohmann skips a UTF-8 byte order mark at the very start, and refuses a partial one.
    if (p_ != end_ && static_cast<unsigned char>(*p_) == 0xEF) {
      if (end_ - p_ < 3 || static_cast<unsigned char>(p_[1]) != 0xBB ||
          static_cast<unsigned char>(p_[2]) != 0xBF)
        return json_scan::rejected;
      p_ += 3;
    }
    skip_ws();
    is_object = p_ != end_ && *p_ == '{';
    if (!value(0, nullptr, true)) return status_;
    skip_ws();
    return p_ == end_ ? json_scan::accepted : json_scan::rejected;
  }

 private:
  static constexpr std::size_t max_open_names = 64;

  bool fail() noexcept {
    status_ = json_scan::rejected;
    return false;
  }
  bool undecided() noexcept {
    status_ = json_scan::undecided;
    return false;
  }
  static bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
  /// Equal names; the length and first byte first, as most pairs differ there (cheaper than memcmp).
  static bool same(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() &&
           (a.empty() || (a[0] == b[0] && std::memcmp(a.data() + 1, b.data() + 1, a.size() - 1) == 0));
  }
  void skip_ws() noexcept {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool literal(std::string_view word) noexcept {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0)
      return fail();
    p_ += word.size();
    return true;
  }

  // `top`: this value is the document itself, so an object's members are the ones to pick.
  bool value(std::size_t depth, json_field* f, bool top) {
    if (p_ == end_) return fail();
    const char* start = p_;
    json_field scalar;
    json_field& out = f ? *f : scalar;
    switch (*p_) {
      case '{':
        if (!object(depth, top)) return false;
        out.kind = json_kind::object;
        break;
      case '[':
        if (!array(depth)) return false;
        out.kind = json_kind::array;
        break;
      case '"':
        if (!string(out.text)) return false;
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
        break;
      case 'n':
        if (!literal("null")) return false;
        out.kind = json_kind::null;
        break;
      default:
        if (*p_ != '-' && !is_digit(*p_)) return fail();
        if (!number(out)) return false;
        break;
    }
    out.raw = std::string_view(start, static_cast<std::size_t>(p_ - start));
    return true;
  }

  bool object(std::size_t depth, bool top) {
    if (depth >= max_depth_) return fail();  // as strict_json_builder::open
    ++p_;
    const std::size_t first_name = open_names_;
    skip_ws();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    for (;;) {
      if (p_ == end_ || *p_ != '"') return fail();
      std::string_view name;
      if (!string(name)) return false;
      for (std::size_t i = first_name; i < open_names_; ++i)
        if (same(names_open_[i], name)) return fail();  // duplicate member name
      if (open_names_ == max_open_names) return undecided();
      names_open_[open_names_++] = name;
      skip_ws();
      if (p_ == end_ || *p_ != ':') return fail();
      ++p_;
      skip_ws();
      json_field* target = nullptr;
      if (top)
        for (std::size_t i = 0; i < count_; ++i)
          if (same(names_[i], name)) target = &fields_[i];
      if (!value(depth + 1, target, false)) return false;
      skip_ws();
      if (p_ == end_) return fail();
      if (*p_ == ',') {
        ++p_;
        skip_ws();
        continue;
      }
      if (*p_ != '}') return fail();
      ++p_;
      open_names_ = first_name;
      return true;
    }
  }

  bool array(std::size_t depth) {
    if (depth >= max_depth_) return fail();
    ++p_;
    skip_ws();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      if (!value(depth + 1, nullptr, false)) return false;
      skip_ws();
      if (p_ == end_) return fail();
      if (*p_ == ',') {
        ++p_;
        skip_ws();
        continue;
      }
      if (*p_ != ']') return fail();
      ++p_;
      return true;
    }
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
    if (end_ - p_ < 2) return fail();
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
        if (end_ - p_ < 6 || !hex4(p_ + 2, cp)) return fail();
        p_ += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          unsigned low = 0;
          if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u' || !hex4(p_ + 2, low) || low < 0xDC00 ||
              low > 0xDFFF)
            return fail();
          p_ += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return fail();
        }
        return true;
      }
      default: return fail();
    }
  }

  /// One multi-byte UTF-8 sequence at p_ (detail::utf8_sequence_length).
  bool utf8() noexcept {
    const std::size_t n = utf8_sequence_length(p_, static_cast<std::size_t>(end_ - p_));
    if (n == 0) return fail();
    p_ += n;
    return true;
  }

  /// A string at p_ (its opening quote); `out` gets its unescaped value.
  bool string(std::string_view& out) {
    ++p_;
    const char* start = p_;
    bool escaped = false;
    for (;;) {
      if (p_ == end_) return fail();
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') break;
      if (c < 0x20) return fail();  // control characters (NUL included) must be escaped
      if (c == '\\') {
        escaped = true;
        if (!escape()) return false;
      } else if (c < 0x80) {
        ++p_;
      } else if (!utf8()) {
        return false;
      }
    }
    const std::string_view raw(start, static_cast<std::size_t>(p_ - start));
    ++p_;
    if (!escaped) {
      out = raw;
      return true;
    }
    if (scratch_.size() + raw.size() > scratch_.capacity()) return undecided();  // never: reserved in run()
    const std::size_t at = scratch_.size();
    unescape(raw, scratch_);
    out = std::string_view(scratch_.data() + at, scratch_.size() - at);
    return true;
  }

  bool number(json_field& out) {
    const char* start = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || !is_digit(*p_)) return fail();
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
      if (p_ == end_ || !is_digit(*p_)) return fail();
      while (p_ != end_ && is_digit(*p_)) ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !is_digit(*p_)) return fail();
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
    if (r.ec != std::errc() || r.ptr != p_) return undecided();  // overflow or underflow: let strtod judge
    if (!std::isfinite(d)) return fail();                        // "number overflow"
    out.kind = json_kind::floating;
    out.floating = d;
    return true;
  }

 public:
  /// Appends the value of a validated raw string (no quotes) with its escapes decoded.
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

 private:
  const char* p_;
  const char* end_;
  const std::string_view* names_;
  json_field* fields_;
  std::size_t count_;
  std::string& scratch_;
  std::size_t max_depth_;
  json_scan status_ = json_scan::rejected;
  std::array<std::string_view, max_open_names> names_open_{};  // member names of the open objects
  std::size_t open_names_ = 0;
};

/// Members picked out of one JSON document (see pick_members). Holds views into itself: not movable.
template <std::size_t N>
struct picked_members {
  std::array<json_field, N> fields{};
  bool is_object = false;
  std::string scratch;  ///< unescaped strings
  /// Set only when parse_json_strict had the last word (json_scan::undecided): the DOM the fields
  /// point into, and the text of array and object members.
  // (NOLINT: clang-tidy 14 follows nlohmann::json's noexcept move into assertion code it takes for throwing.)
  struct dom_holder {  // NOLINT(bugprone-exception-escape)
    nlohmann::json value;
    std::array<std::string, N> dumps;
  };
  std::unique_ptr<dom_holder> dom;

  picked_members() = default;
  picked_members(const picked_members&) = delete;
  picked_members& operator=(const picked_members&) = delete;
};

namespace json_scan_detail {
AJWT_DECL void field_from_dom(const nlohmann::json& v, json_field& f, std::string& dump);
}  // namespace json_scan_detail

/// Why pick_members found no document: parse_json_strict's own error text.
struct json_error {
  std::string what;
};

/// Validates `text` exactly as parse_json_strict does and picks out the top-level members named in
/// `names` into `out` (which the fields point into, so it is filled in place rather than returned).
/// Returns the error when `text` is not a document, nothing when `out` is filled. The scanner decides on
/// its own when it accepts; otherwise parse_json_strict decides (so a rejection costs a DOM parse).
template <std::size_t N>
[[nodiscard]] std::optional<json_error> pick_members(std::string_view text,
                                                     const std::array<std::string_view, N>& names,
                                                     picked_members<N>& out,
                                                     std::size_t max_depth = default_json_max_depth) {
  out.dom.reset();
  json_scanner scanner(text, names.data(), out.fields.data(), N, out.scratch, max_depth);
  if (scanner.run(out.is_object) == json_scan::accepted) return std::nullopt;
  auto holder = std::make_unique<typename picked_members<N>::dom_holder>();
  auto parsed = parse_json_strict(text, max_depth);
  if (!parsed) return json_error{parsed.error()};
  holder->value = std::move(*parsed);
  out.fields = {};
  out.is_object = holder->value.is_object();
  if (out.is_object)
    for (std::size_t i = 0; i < N; ++i)
      if (auto it = holder->value.find(names[i]); it != holder->value.end())
        json_scan_detail::field_from_dom(*it, out.fields[i], holder->dumps[i]);
  out.dom = std::move(holder);
  return std::nullopt;
}

}  // namespace detail
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/detail/json_scan.ipp"
#endif

#endif  // AJWT_DETAIL_JSON_SCAN_HPP
