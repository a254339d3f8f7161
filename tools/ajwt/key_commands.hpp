// SPDX-License-Identifier: ISC
// Key management commands: keygen, pubkey, fingerprint, jwks.
#ifndef AJWT_TOOLS_KEY_COMMANDS_HPP
#define AJWT_TOOLS_KEY_COMMANDS_HPP

#include "cli_support.hpp"

namespace ajwt_cli {

/// `ajwt keygen --type rsa|ed25519|ec-p256 [--bits N] [--passphrase-env VAR] --out FILE [--force]`:
/// the private key as PKCS#8 PEM in FILE (0600, encrypted with a passphrase) and the SPKI PEM in FILE.pub;
/// prints the new key's kid on standard output.
command add_keygen_command(CLI::App& parent);

/// `ajwt pubkey [--format pem|openssh|jwk] [--passphrase-env VAR] KEYFILE`: prints the public key.
command add_pubkey_command(CLI::App& parent);

/// `ajwt fingerprint [--passphrase-env VAR] KEYFILE`: prints the kid (hex SHA-256 of the SPKI PEM text).
command add_fingerprint_command(CLI::App& parent);

/// `ajwt jwks [--passphrase-env VAR] KEYFILE...`: prints {"keys":[...]} with the public JWK of each key.
command add_jwks_command(CLI::App& parent);

}  // namespace ajwt_cli

#endif  // AJWT_TOOLS_KEY_COMMANDS_HPP
