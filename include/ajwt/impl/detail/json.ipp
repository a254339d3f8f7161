// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/json.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_JSON_IPP
#define AJWT_IMPL_DETAIL_JSON_IPP

#include "../../detail/json.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "../../detail/json_lex.hpp"
#include "../../detail/text.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {
namespace json_dom_detail {

/// parse_json_strict's walker: the lexer's tokens into a DOM, refusing duplicate member names and
/// nesting deeper than the limit, with the first error and its byte.
class dom_reader : json_lexer {
 public:
  dom_reader(std::string_view text, std::size_t max_depth) noexcept
      : json_lexer(text), max_depth_(max_depth) {}

  parsed_json run() {
    nlohmann::json root;
    bool ok = skip_byte_order_mark();
    if (ok) {
      skip_ws();
      ok = value(root, 0);
    }
    if (ok) {
      skip_ws();
      ok = at_end() || fail("unexpected data after the value");
    }
    if (ok) return parsed_json(std::move(root));
    if (!rule_.empty()) return parsed_json::failed(std::move(rule_));
    return parsed_json::failed("invalid JSON at byte " + std::to_string(error_byte()) + ": " + error());
  }

 private:
  /// A strictness rule broken (not a syntax error): its own message, which stops the walk.
  bool broken(std::string why) {
    rule_ = std::move(why);
    return false;
  }

  bool value(nlohmann::json& out, std::size_t depth) {
    if (at_end()) return fail("unexpected end of input");
    if (peek() == '{') return object(out, depth);
    if (peek() == '[') return array(out, depth);
    json_field v;
    bool escaped = false;
    if (!scalar(v, escaped)) return false;
    switch (v.kind) {
      case json_kind::null: out = nullptr; break;
      case json_kind::boolean: out = v.boolean; break;
      case json_kind::integer: out = v.integer; break;
      case json_kind::unsigned_integer: out = v.unsigned_integer; break;
      case json_kind::floating: out = v.floating; break;
      default: {  // json_kind::string
        std::string text;
        if (escaped) {
          unescape(v.text, text);
        } else {
          text.assign(v.text);
        }
        out = std::move(text);
      }
    }
    return true;
  }

  bool open(std::size_t depth) {
    return depth < max_depth_ || broken("JSON nested deeper than " + std::to_string(max_depth_));
  }

  bool object(nlohmann::json& out, std::size_t depth) {
    if (!open(depth)) return false;
    out = nlohmann::json::object();
    if (enter('}')) return true;
    auto& members = *out.get_ptr<nlohmann::json::object_t*>();
    for (bool more = true; more;) {
      std::string_view raw;
      bool escaped = false;
      if (!member_name(raw, escaped)) return false;
      std::string name;
      if (escaped) {
        unescape(raw, name);
      } else {
        name.assign(raw);
      }
      const auto [slot, fresh] = members.emplace(std::move(name), nullptr);
      if (!fresh) return broken("duplicate member name \"" + printable(slot->first) + "\"");
      if (!colon() || !value(slot->second, depth + 1) ||
          !separator('}', "expected ',' or '}' after a member", more))
        return false;
    }
    return true;
  }

  bool array(nlohmann::json& out, std::size_t depth) {
    if (!open(depth)) return false;
    out = nlohmann::json::array();
    if (enter(']')) return true;
    auto& elements = *out.get_ptr<nlohmann::json::array_t*>();
    for (bool more = true; more;)
      if (!value(elements.emplace_back(), depth + 1) ||
          !separator(']', "expected ',' or ']' after an element", more))
        return false;
    return true;
  }

  std::size_t max_depth_;
  std::string rule_;
};

}  // namespace json_dom_detail

AJWT_DECL parsed_json parse_json_strict(std::string_view text, std::size_t max_depth) {
  // A NUL byte is never valid JSON text (in a string it must be escaped); name it as such wherever it is.
  if (const auto nul = text.find('\0'); nul != std::string_view::npos)
    return parsed_json::failed("invalid JSON at byte " + std::to_string(nul + 1) + ": NUL byte");
  return json_dom_detail::dom_reader(text, max_depth).run();
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_JSON_IPP
