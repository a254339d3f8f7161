// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/json_write.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_JSON_WRITE_IPP
#define AJWT_IMPL_DETAIL_JSON_WRITE_IPP

#include <charconv>
#include <cmath>
#include <cstring>
#include <map>

#include "../../detail/json_write.hpp"
#include "../../detail/text.hpp"
#include "../../error.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

AJWT_DECL void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence_length(s.data() + i, s.size() - i);
      if (n == 0) throw config_error("JSON string \"" + printable(s) + "\"", "is not valid UTF-8");
      out.append(s, i, n);
      i += n;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

AJWT_DECL void append_json_number(std::string& out, std::int64_t v) { out += std::to_string(v); }

AJWT_DECL void append_json_number(std::string& out, std::uint64_t v) { out += std::to_string(v); }

AJWT_DECL void append_json_number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  if (v == 0) {
    out += std::signbit(v) ? "-0.0" : "0.0";
    return;
  }
  // The shortest digits, then nlohmann's layout (its dtoa_impl::format_buffer): plain decimal with a
  // ".0" for integral values up to 1e15, "0.000ddd" down to 1e-4, else d.ddde+XX with two digits at least.
  char sci[32];
  const auto r = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  std::string_view text(sci, static_cast<std::size_t>(r.ptr - sci));
  if (text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  const auto e = text.find('e');
  std::string digits(text.substr(0, e));
  if (digits.size() > 1) digits.erase(1, 1);  // the '.'
  int exp10 = 0;
  std::from_chars(text.data() + e + (text[e + 1] == '+' ? 2 : 1), text.data() + text.size(), exp10);
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;  // where the decimal point goes, counted from the first digit
  constexpr int min_exp = -4, max_exp = 15;
  if (k <= n && n <= max_exp) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
    out += ".0";
  } else if (0 < n && n <= max_exp) {
    out.append(digits, 0, static_cast<std::size_t>(n));
    out += '.';
    out.append(digits, static_cast<std::size_t>(n));
  } else if (min_exp < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1);
    }
    const int x = n - 1;
    out += x < 0 ? "e-" : "e+";
    const int a = x < 0 ? -x : x;
    if (a < 10) out += '0';
    out += std::to_string(a);
  }
}

AJWT_DECL void append_json(std::string& out, const nlohmann::json& v) {
  using t = nlohmann::json::value_t;
  switch (v.type()) {
    case t::null: out += "null"; return;
    case t::boolean: out += v.get_ref<const nlohmann::json::boolean_t&>() ? "true" : "false"; return;
    case t::number_integer:
      append_json_number(out,
                         static_cast<std::int64_t>(v.get_ref<const nlohmann::json::number_integer_t&>()));
      return;
    case t::number_unsigned:
      append_json_number(out,
                         static_cast<std::uint64_t>(v.get_ref<const nlohmann::json::number_unsigned_t&>()));
      return;
    case t::number_float: append_json_number(out, v.get_ref<const nlohmann::json::number_float_t&>()); return;
    case t::string: append_json_string(out, v.get_ref<const nlohmann::json::string_t&>()); return;
    case t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_ref<const nlohmann::json::array_t&>()) {
        if (!first) out += ',';
        first = false;
        append_json(out, e);
      }
      out += ']';
      return;
    }
    case t::object: {
      out += '{';
      bool first = true;
      for (const auto& [name, e] : v.get_ref<const nlohmann::json::object_t&>()) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, name);
        out += ':';
        append_json(out, e);
      }
      out += '}';
      return;
    }
    case t::binary:
    case t::discarded: break;
  }
  throw config_error("JSON value", "a binary or discarded value has no JSON text");
}

AJWT_DECL std::string json_text(const nlohmann::json& v) {
  std::string out;
  append_json(out, v);
  return out;
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_JSON_WRITE_IPP
