// SPDX-License-Identifier: ISC
// Strict JSON parsing for untrusted input: duplicate member names and deep nesting are errors, as is
// anything after the value (a NUL byte included). Invalid UTF-8 is rejected by nlohmann's lexer.
// The reference for json_scan.hpp, the verify path's flat scanner, which must agree with it exactly.
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
#include "text.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

/// Default nesting limit: JOSE headers and claims sets are shallow; 16 levels is generous.
inline constexpr std::size_t default_json_max_depth = 16;

/// SAX handler building a DOM while refusing duplicate member names (RFC 7515 section 5.2 allows a
/// parser to reject them, and accepting them lets two parsers see two different claims sets).
class strict_json_builder final : public nlohmann::json_sax<nlohmann::json> {
 public:
  using json = nlohmann::json;
  strict_json_builder(json& root, std::size_t max_depth) : root_(root), max_depth_(max_depth) {}

  bool null() override { return put(json(nullptr)); }
  bool boolean(bool v) override { return put(json(v)); }
  bool number_integer(number_integer_t v) override { return put(json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return put(json(v)); }
  bool number_float(number_float_t v, const string_t& /*raw*/) override { return put(json(v)); }
  bool string(string_t& v) override { return put(json(std::move(v))); }
  bool binary(binary_t& /*v*/) override { return fail("binary values are not JSON"); }
  bool start_object(std::size_t /*n*/) override { return open(json::object()); }
  bool key(string_t& k) override {
    json* obj = stack_.back();
    if (obj->contains(k)) return fail("duplicate member name \"" + printable(k) + "\"");
    key_ = std::move(k);
    return true;
  }
  bool end_object() override {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*n*/) override { return open(json::array()); }
  bool end_array() override {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) override {
    return fail("invalid JSON at byte " + std::to_string(position) + ": " + shorten(ex.what()));
  }

  [[nodiscard]] const std::string& error() const noexcept { return error_; }

 private:
  static std::string shorten(std::string_view what) {
    // nlohmann's messages start with "[json.exception.parse_error.101] "; keep the useful part. They
    // quote the input read so far verbatim (invalid UTF-8 included), so escape it like any input.
    const auto pos = what.find("] ");
    return printable(pos == std::string_view::npos ? what : what.substr(pos + 2), 160);
  }
  bool fail(std::string msg) {
    if (error_.empty()) error_ = std::move(msg);
    return false;
  }
  bool put(json&& v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return true;
    }
    json* top = stack_.back();
    if (top->is_object()) {
      (*top)[key_] = std::move(v);
    } else {
      top->push_back(std::move(v));
    }
    return true;
  }
  bool open(json&& container) {
    if (stack_.size() >= max_depth_) return fail("JSON nested deeper than " + std::to_string(max_depth_));
    json* slot = nullptr;
    if (stack_.empty()) {
      root_ = std::move(container);
      slot = &root_;
    } else {
      json* top = stack_.back();
      if (top->is_object()) {
        slot = &((*top)[key_] = std::move(container));
      } else {
        top->push_back(std::move(container));
        slot = &top->back();
      }
    }
    stack_.push_back(slot);
    return true;
  }

  json& root_;
  std::size_t max_depth_;
  std::vector<json*> stack_;
  std::string key_;
  std::string error_;
};

/// What parse_json_strict returns: the document, or a short description of why the text is not one
/// (e.g. "duplicate key \"a\""), for the caller to put after where the text came from.
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
