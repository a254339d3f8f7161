// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/json_scan.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_JSON_SCAN_IPP
#define AJWT_IMPL_DETAIL_JSON_SCAN_IPP

#include "../../detail/json_scan.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "../../detail/json.hpp"
#include "../../detail/json_lex.hpp"
#include "../../detail/json_write.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {
namespace json_scan_detail {

/// One picked member from the DOM; an array or object keeps its compact text in `dump`.
inline void field_from_dom(const nlohmann::json& v, json_field& f, std::string& dump) {
  using t = nlohmann::json::value_t;
  switch (v.type()) {
    case t::null: f.kind = json_kind::null; break;
    case t::boolean:
      f.kind = json_kind::boolean;
      f.boolean = *v.get_ptr<const bool*>();
      break;
    case t::number_integer:
      f.kind = json_kind::integer;
      f.integer = *v.get_ptr<const std::int64_t*>();
      break;
    case t::number_unsigned:
      f.kind = json_kind::unsigned_integer;
      f.unsigned_integer = *v.get_ptr<const std::uint64_t*>();
      break;
    case t::number_float:
      f.kind = json_kind::floating;
      f.floating = *v.get_ptr<const double*>();
      break;
    case t::string:
      f.kind = json_kind::string;
      f.text = *v.get_ptr<const std::string*>();
      break;
    case t::array:
    case t::object:
      f.kind = v.is_array() ? json_kind::array : json_kind::object;
      dump = json_text(v);
      f.raw = dump;
      break;
    default: break;  // binary and discarded never come out of parse_json_strict
  }
}

}  // namespace json_scan_detail

AJWT_DECL std::optional<json_error> pick_members_from_dom(std::string_view text,
                                                          const std::string_view* names, json_field* fields,
                                                          std::size_t count, bool& is_object,
                                                          std::unique_ptr<picked_dom>& dom,
                                                          std::size_t max_depth) {
  auto parsed = parse_json_strict(text, max_depth);
  if (!parsed) return json_error{parsed.error()};
  auto holder = std::make_unique<picked_dom>();
  holder->value = std::move(*parsed);
  holder->dumps.resize(count);
  for (std::size_t i = 0; i < count; ++i) fields[i] = json_field{};
  is_object = holder->value.is_object();
  if (is_object)
    for (std::size_t i = 0; i < count; ++i)
      if (auto it = holder->value.find(names[i]); it != holder->value.end())
        json_scan_detail::field_from_dom(*it, fields[i], holder->dumps[i]);
  dom = std::move(holder);
  return std::nullopt;
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_JSON_SCAN_IPP
