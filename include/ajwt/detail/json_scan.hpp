// SPDX-License-Identifier: ISC
// A flat JSON scanner for the verify path: it walks a document once with the lexer parse_json_strict
// uses (json_lex.hpp), validates it by the same rules and picks out named members of the top-level
// object, without building a DOM and without allocating (an escaped string aside). When the scanner
// rejects a document, or cannot decide (more member names open at once than it tracks), pick_members
// asks parse_json_strict, so callers see exactly its verdicts and its error texts. fuzz/json_scan_fuzz.cpp
// checks both against nlohmann's own parser with the strict rules (tests/json_reference.hpp).
// Internal: ajwt::detail.
#ifndef AJWT_DETAIL_JSON_SCAN_HPP
#define AJWT_DETAIL_JSON_SCAN_HPP

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../version.hpp"
#include "json.hpp"
#include "json_lex.hpp"
#include "json_write.hpp"
#include "text.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

/// The scanner's verdict. `undecided`: valid so far but more than 64 member names open at once, which the
/// scanner does not track; parse_json_strict decides.
enum class json_scan : std::uint8_t { accepted, rejected, undecided };

/// Validates `text` as parse_json_strict would and fills `fields[i]` with the top-level member named
/// `names[i]` (unescaped names compared). Unescaped strings live in `scratch`, which must outlive the
/// fields and must not be touched meanwhile. Allocates only when a string holds an escape.
class json_scanner : json_lexer {
 public:
  json_scanner(std::string_view text, const std::string_view* names, json_field* fields, std::size_t count,
               std::string& scratch, std::size_t max_depth) noexcept
      : json_lexer(text),
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
    if (!skip_byte_order_mark()) return json_scan::rejected;
    skip_ws();
    is_object = !at_end() && peek() == '{';
    if (!value(0, nullptr, true)) return status_;
    skip_ws();
    return at_end() ? json_scan::accepted : json_scan::rejected;
  }

 private:
  static constexpr std::size_t max_open_names = 64;

  bool undecided() noexcept {
    status_ = json_scan::undecided;
    return false;
  }
  /// Equal names; the length and first byte first, as most pairs differ there (cheaper than memcmp).
  static bool same(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() &&
           (a.empty() || (a[0] == b[0] && std::memcmp(a.data() + 1, b.data() + 1, a.size() - 1) == 0));
  }

  /// A string's value: its raw text, or unescaped into scratch_. run() reserved the whole text's length
  /// (unescaping never lengthens a string), so scratch_ never reallocates under the views handed out; the
  /// check keeps that true whatever happens.
  bool decoded(std::string_view raw, bool escaped, std::string_view& out) {
    if (!escaped) {
      out = raw;
      return true;
    }
    if (scratch_.capacity() - scratch_.size() < raw.size()) return undecided();
    const std::size_t at = scratch_.size();
    unescape(raw, scratch_);
    out = std::string_view(scratch_.data() + at, scratch_.size() - at);
    return true;
  }

  // `top`: this value is the document itself, so an object's members are the ones to pick.
  bool value(std::size_t depth, json_field* f, bool top) {
    if (at_end()) return fail("unexpected end of input");
    json_field scalar_value;
    json_field& out = f ? *f : scalar_value;
    const char* start = p_;
    if (peek() == '{' || peek() == '[') {
      if (!(peek() == '{' ? object(depth, top) : array(depth))) return false;
      out.kind = *start == '{' ? json_kind::object : json_kind::array;
      out.raw = std::string_view(start, static_cast<std::size_t>(p_ - start));
      return true;
    }
    bool escaped = false;
    if (!scalar(out, escaped)) return false;
    return out.kind != json_kind::string || decoded(out.text, escaped, out.text);
  }

  bool object(std::size_t depth, bool top) {
    if (depth >= max_depth_) return false;  // as parse_json_strict
    if (enter('}')) return true;
    const std::size_t first_name = open_names_;
    for (bool more = true; more;) {
      std::string_view raw, name;
      bool escaped = false;
      if (!member_name(raw, escaped) || !decoded(raw, escaped, name)) return false;
      for (std::size_t i = first_name; i < open_names_; ++i)
        if (same(names_open_[i], name)) return false;  // duplicate member name
      if (open_names_ == max_open_names) return undecided();
      names_open_[open_names_++] = name;
      if (!colon()) return false;
      json_field* target = nullptr;
      if (top)
        for (std::size_t i = 0; i < count_; ++i)
          if (same(names_[i], name)) target = &fields_[i];
      if (!value(depth + 1, target, false) || !separator('}', "expected ',' or '}' after a member", more))
        return false;
    }
    open_names_ = first_name;
    return true;
  }

  bool array(std::size_t depth) {
    if (depth >= max_depth_) return false;
    if (enter(']')) return true;
    for (bool more = true; more;)
      if (!value(depth + 1, nullptr, false) || !separator(']', "expected ',' or ']' after an element", more))
        return false;
    return true;
  }

  const std::string_view* names_;
  json_field* fields_;
  std::size_t count_;
  std::string& scratch_;
  std::size_t max_depth_;
  json_scan status_ = json_scan::rejected;
  std::array<std::string_view, max_open_names> names_open_{};  // member names of the open objects
  std::size_t open_names_ = 0;
};

/// The DOM parse_json_strict built when it had the last word (json_scan::undecided): the picked fields
/// point into it, and into the text of their array and object members.
// (NOLINT: clang-tidy 14 follows nlohmann::json's noexcept move into assertion code it takes for throwing.)
struct picked_dom {  // NOLINT(bugprone-exception-escape)
  nlohmann::json value;
  std::vector<std::string> dumps;  ///< one per field: the compact text of an array or object member
};

/// Members picked out of one JSON document (see pick_members). Holds views into itself: not movable.
template <std::size_t N>
struct picked_members {
  std::array<json_field, N> fields{};
  bool is_object = false;
  std::string scratch;              ///< unescaped strings
  std::unique_ptr<picked_dom> dom;  ///< set only when parse_json_strict had the last word

  picked_members() = default;
  picked_members(const picked_members&) = delete;
  picked_members& operator=(const picked_members&) = delete;
};

/// Why pick_members found no document: parse_json_strict's own error text.
struct json_error {
  std::string what;
};

/// pick_members when the scanner did not accept on its own: parse_json_strict decides, and the `count`
/// members named in `names` are picked out of its DOM (kept in `dom`) into `fields`. Not a template, so
/// each file compiles it once whatever the number of names.
[[nodiscard]] AJWT_DECL std::optional<json_error> pick_members_from_dom(
    std::string_view text, const std::string_view* names, json_field* fields, std::size_t count,
    bool& is_object, std::unique_ptr<picked_dom>& dom, std::size_t max_depth);

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
  return pick_members_from_dom(text, names.data(), out.fields.data(), N, out.is_object, out.dom, max_depth);
}

}  // namespace detail
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/detail/json_scan.ipp"
#endif

#endif  // AJWT_DETAIL_JSON_SCAN_HPP
