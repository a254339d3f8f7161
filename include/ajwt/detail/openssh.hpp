// SPDX-License-Identifier: ISC
// OpenSSH key formats: public key lines and blobs (RFC 4253 section 6.6, RFC 5656 section 3.1, RFC 8709
// section 4) and "openssh-key-v1" private key files (OpenSSH's PROTOCOL.key), unencrypted or encrypted with
// bcrypt_pbkdf and AES. Supported key types: ssh-rsa, ssh-ed25519, ecdsa-sha2-nistp256.
// Internal: namespace ajwt::detail::openssh. Every error is an ajwt::key_error whose message names what is
// wrong but not the source; the caller prefixes the file or field name.
#ifndef AJWT_DETAIL_OPENSSH_HPP
#define AJWT_DETAIL_OPENSSH_HPP

// One header per concern: openssh_wire.hpp (the SSH encoding), openssh_public.hpp (public lines and
// blobs), bcrypt_pbkdf.hpp (the passphrase KDF), openssh_private.hpp (private key files).
#include "openssh_private.hpp"
#include "openssh_public.hpp"
#include "openssh_wire.hpp"

#endif  // AJWT_DETAIL_OPENSSH_HPP
