// SPDX-License-Identifier: ISC
// The reference ajwt's JSON reader is tested against: nlohmann's own parser, driven through its SAX
// interface with the strict rules ajwt applies (a duplicate member name or nesting deeper than the limit
// is an error; a NUL byte anywhere is refused, since nlohmann's lexer would take it for the end of input).
// Test code only (tests/json_test.cpp, tests/json_scan_test.cpp, fuzz/json_scan_fuzz.cpp): the library
// itself never instantiates nlohmann's parser.
#ifndef AJWT_TESTS_JSON_REFERENCE_HPP
#define AJWT_TESTS_JSON_REFERENCE_HPP

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ajwt_test {

/// SAX handler building a DOM, refusing duplicate member names and deep nesting.
class strict_reference_builder final : public nlohmann::json_sax<nlohmann::json> {
 public:
  using json = nlohmann::json;
  strict_reference_builder(json& root, std::size_t max_depth) : root_(root), max_depth_(max_depth) {}

  bool null() override { return put(json(nullptr)); }
  bool boolean(bool v) override { return put(json(v)); }
  bool number_integer(number_integer_t v) override { return put(json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return put(json(v)); }
  bool number_float(number_float_t v, const string_t& /*raw*/) override { return put(json(v)); }
  bool string(string_t& v) override { return put(json(std::move(v))); }
  bool binary(binary_t& /*v*/) override { return false; }
  bool start_object(std::size_t /*n*/) override { return open(json::object()); }
  bool key(string_t& k) override {
    if (stack_.back()->contains(k)) return false;
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
  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& /*ex*/) override {
    return false;
  }

 private:
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
    if (stack_.size() >= max_depth_) return false;
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
};

/// The document nlohmann's parser reads from `text` under the strict rules, or nothing.
inline std::optional<nlohmann::json> reference_parse(std::string_view text, std::size_t max_depth) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  nlohmann::json out;
  strict_reference_builder sax(out, max_depth);
  try {
    if (!nlohmann::json::sax_parse(text.begin(), text.end(), &sax, nlohmann::json::input_format_t::json,
                                   true))
      return std::nullopt;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return out;
}

}  // namespace ajwt_test

#endif  // AJWT_TESTS_JSON_REFERENCE_HPP
