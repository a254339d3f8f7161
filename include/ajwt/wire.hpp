// SPDX-License-Identifier: ISC
// What both ends of the wire agree on and neither side owns: the Authorization scheme word. Included by
// the client (token.hpp) and the server (verifier_options.hpp) alike.
#ifndef AJWT_WIRE_HPP
#define AJWT_WIRE_HPP

#include <string_view>

#include "version.hpp"

AJWT_NAMESPACE_BEGIN

/// The default authorization scheme word (the Python library's AUTH_METHOD).
inline constexpr std::string_view default_scheme = "JWT";

AJWT_NAMESPACE_END

#endif  // AJWT_WIRE_HPP
