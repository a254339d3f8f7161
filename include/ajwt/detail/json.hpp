// SPDX-License-Identifier: ISC
// Strict JSON parsing for untrusted input, ajwt's own reader (the lexer of json_lex.hpp) building a
// nlohmann::json DOM: duplicate member names and deep nesting are errors, as is anything after the value
// (a NUL byte included) and invalid UTF-8. Errors name the byte where the text went wrong. nlohmann's own
// parser is never instantiated: one reader for every JSON text ajwt reads, and a smaller compile.
// Internal: ajwt::detail.
#ifndef AJWT_DETAIL_JSON_HPP
#define AJWT_DETAIL_JSON_HPP

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "../version.hpp"
#include "json_lex.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

/// What parse_json_strict returns: the document, or a short description of why the text is not one
/// (e.g. "duplicate member name \"a\""), for the caller to put after where the text came from.
class parsed_json {
 public:
  /// A document.
  explicit parsed_json(nlohmann::json value) : state_(std::in_place_index<0>, std::move(value)) {}
  /// No document, and why.
  [[nodiscard]] static parsed_json failed(std::string why) {
    parsed_json p(nullptr);
    p.state_.emplace<1>(std::move(why));
    return p;
  }
  /// Whether the text was a document.
  [[nodiscard]] explicit operator bool() const noexcept { return state_.index() == 0; }
  /// The document; only when the parse succeeded.
  [[nodiscard]] nlohmann::json& operator*() { return std::get<0>(state_); }
  [[nodiscard]] const nlohmann::json& operator*() const { return std::get<0>(state_); }
  [[nodiscard]] nlohmann::json* operator->() { return &std::get<0>(state_); }
  [[nodiscard]] const nlohmann::json* operator->() const { return &std::get<0>(state_); }
  /// Why the text is not a document; only when the parse failed.
  [[nodiscard]] const std::string& error() const { return std::get<1>(state_); }

 private:
  std::variant<nlohmann::json, std::string> state_;
};

/// Parses `text` strictly (the rules above). Never throws (allocation failure aside).
[[nodiscard]] AJWT_DECL parsed_json parse_json_strict(std::string_view text,
                                                      std::size_t max_depth = default_json_max_depth);

}  // namespace detail
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/detail/json.ipp"
#endif

#endif  // AJWT_DETAIL_JSON_HPP
