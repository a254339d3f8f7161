// SPDX-License-Identifier: ISC
// The server side: `ajwt verify` checks Authorization header values.
#ifndef AJWT_TOOLS_VERIFY_COMMAND_HPP
#define AJWT_TOOLS_VERIFY_COMMAND_HPP

#include "cli_support.hpp"

namespace ajwt_cli {

/// `ajwt verify [key sources and options] [HEADER...]`: checks each header given as an argument, else each
/// non-blank line of standard input, against one shared nonce store; prints "ok USERNAME" or
/// "rejected REASON" per header, in order. Exit 0 when all were accepted, 1 when any was rejected, 2 on a
/// usage or configuration error (then nothing is printed on standard output). With --method and --url,
/// every header is checked against that request (request binding; --require-binding rejects unbound
/// tokens); with --redis URL, nonces are recorded in Redis, so separate runs reject each other's replays.
/// --jwks USER=URL takes USER's keys from a JWKS URL (https, or http with --allow-http-jwks), fetched when
/// USER's first header arrives; a URL that cannot be fetched rejects USER's headers as
/// key_repository_unavailable. With --json, each verdict is one JSON object instead ({"accepted", "username",
/// "kid"} plus "reason" and "detail" for a rejection), written and flushed as soon as it is made. Reading
/// from a terminal, it first says that it waits for header lines; an authorized-keys file without keys
/// draws a warning.
command add_verify_command(CLI::App& parent);

}  // namespace ajwt_cli

#endif  // AJWT_TOOLS_VERIFY_COMMAND_HPP
