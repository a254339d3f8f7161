// SPDX-License-Identifier: ISC
// Debugging: `ajwt inspect` decodes an Authorization header or a token without verifying it.
#ifndef AJWT_TOOLS_INSPECT_COMMAND_HPP
#define AJWT_TOOLS_INSPECT_COMMAND_HPP

#include "cli_support.hpp"

namespace ajwt_cli {

/// `ajwt inspect [--now UNIX] HEADER_OR_TOKEN`: decodes "JWT <token>" (any one scheme word) or a bare
/// compact token WITHOUT verifying its signature, and prints one JSON object: "header" (the JOSE header),
/// "claims", "verified" (always false), "now" and "time_offset" (the time claim minus now, in seconds; null
/// without an integer time claim). Input is untrusted: at most max_inspect_bytes, JSON nested at most 16
/// deep, and whatever cannot be decoded is a usage error (exit 2) that says which part is wrong.
command add_inspect_command(CLI::App& parent);

/// The longest argument `inspect` decodes (a verifier refuses far shorter tokens by default).
inline constexpr std::size_t max_inspect_bytes = 65536;

}  // namespace ajwt_cli

#endif  // AJWT_TOOLS_INSPECT_COMMAND_HPP
