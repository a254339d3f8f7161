// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/json.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_JSON_IPP
#define AJWT_IMPL_DETAIL_JSON_IPP

#include "../../detail/json.hpp"

#include <cstddef>

AJWT_NAMESPACE_BEGIN
namespace detail {

AJWT_DECL parsed_json parse_json_strict(std::string_view text, std::size_t max_depth) {
  // nlohmann's lexer takes a NUL byte for the end of input, so "{}\0anything" would parse as "{}". A NUL
  // is never valid in JSON text (in a string it must be escaped), so refuse it before parsing.
  if (const auto nul = text.find('\0'); nul != std::string_view::npos)
    return parsed_json::failed("invalid JSON at byte " + std::to_string(nul + 1) + ": NUL byte");
  nlohmann::json out;
  strict_json_builder sax(out, max_depth);
  bool ok = false;
  try {
#if NLOHMANN_JSON_VERSION_MAJOR == 3 && NLOHMANN_JSON_VERSION_MINOR == 11
    // nlohmann's JSON parser itself. json::sax_parse would also instantiate a reader of every binary format
    // (CBOR, MessagePack, UBJSON, BSON) for the SAX type, in every file that includes ajwt, though JSON is
    // the only input: about a tenth of a user file's compile time. detail::parser is nlohmann's internal API,
    // so only for the series checked here (Debian 12 ships 3.11.2); any other version takes the public call.
    using input = decltype(nlohmann::detail::input_adapter(text.data(), text.data()));
    ok = nlohmann::detail::parser<nlohmann::json, input>(
             nlohmann::detail::input_adapter(text.data(), text.data() + text.size()), nullptr, true, false)
             .sax_parse(&sax, true);
#else
    ok =
        nlohmann::json::sax_parse(text.begin(), text.end(), &sax, nlohmann::json::input_format_t::json, true);
#endif
  } catch (const nlohmann::json::exception& e) {
    return parsed_json::failed("invalid JSON: " + printable(e.what(), 160));
  }
  if (!ok) return parsed_json::failed(sax.error().empty() ? std::string("invalid JSON") : sax.error());
  return parsed_json(std::move(out));
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_JSON_IPP
