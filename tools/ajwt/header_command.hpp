// SPDX-License-Identifier: ISC
// The client side: `ajwt header` signs Authorization header values.
#ifndef AJWT_TOOLS_HEADER_COMMAND_HPP
#define AJWT_TOOLS_HEADER_COMMAND_HPP

#include "cli_support.hpp"

namespace ajwt_cli {

/// `ajwt header --key KEYFILE --user NAME [--passphrase-env VAR] [--alg ALG] [--time UNIX] [--count N]
/// [--audience AUD]... [--method M --url URL [--body-file F]]`: prints N lines "JWT <token>", each with a
/// fresh nonce. With --method and --url, each token is bound to that request (claims htm, htu, htq, htb;
/// docs/binding.md); the body is the bytes of --body-file, or empty.
command add_header_command(CLI::App& parent);

}  // namespace ajwt_cli

#endif  // AJWT_TOOLS_HEADER_COMMAND_HPP
