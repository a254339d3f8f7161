// SPDX-License-Identifier: ISC
// Writes JSON text in the compact form nlohmann's dump() gives (members in the DOM's order, no
// whitespace, strings escaped the same way, invalid UTF-8 refused), for what ajwt signs and hashes: token
// payloads, JWS headers, RFC 7638 thumbprints. Its own, small and non-template, so that a file including
// ajwt does not instantiate nlohmann's serializer and floating-point formatter. Internal: ajwt::detail.
#ifndef AJWT_DETAIL_JSON_WRITE_HPP
#define AJWT_DETAIL_JSON_WRITE_HPP

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "../version.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

/// Appends `s` as a JSON string, quoted. Throws config_error when `s` is not valid UTF-8.
AJWT_DECL void append_json_string(std::string& out, std::string_view s);

/// Appends a number as nlohmann's dump() writes it (a float that is not finite as null; a float's
/// digits are the shortest that read back as the same double).
AJWT_DECL void append_json_number(std::string& out, std::int64_t v);
AJWT_DECL void append_json_number(std::string& out, std::uint64_t v);
AJWT_DECL void append_json_number(std::string& out, double v);

/// Appends `v` as compact JSON text. Throws config_error on a string that is not valid UTF-8 and on
/// the values that have no JSON form (binary, discarded).
AJWT_DECL void append_json(std::string& out, const nlohmann::json& v);

/// `v` as compact JSON text (append_json).
[[nodiscard]] AJWT_DECL std::string json_text(const nlohmann::json& v);

}  // namespace detail
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/detail/json_write.ipp"
#endif

#endif  // AJWT_DETAIL_JSON_WRITE_HPP
