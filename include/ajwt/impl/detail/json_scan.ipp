// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/json_scan.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_JSON_SCAN_IPP
#define AJWT_IMPL_DETAIL_JSON_SCAN_IPP

#include "../../detail/json_scan.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail::json_scan_detail {

AJWT_DECL void field_from_dom(const nlohmann::json& v, json_field& f, std::string& dump) {
  using t = nlohmann::json::value_t;
  switch (v.type()) {
    case t::null: f.kind = json_kind::null; break;
    case t::boolean:
      f.kind = json_kind::boolean;
      f.boolean = v.get<bool>();
      break;
    case t::number_integer:
      f.kind = json_kind::integer;
      f.integer = v.get<std::int64_t>();
      break;
    case t::number_unsigned:
      f.kind = json_kind::unsigned_integer;
      f.unsigned_integer = v.get<std::uint64_t>();
      break;
    case t::number_float:
      f.kind = json_kind::floating;
      f.floating = v.get<double>();
      break;
    case t::string:
      f.kind = json_kind::string;
      f.text = v.get_ref<const std::string&>();
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

}  // namespace detail::json_scan_detail
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_JSON_SCAN_IPP
