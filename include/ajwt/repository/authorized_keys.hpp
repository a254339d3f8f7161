// SPDX-License-Identifier: ISC
// OpenSSH authorized_keys files as key sources: one user's file, or a file whose key comments name the user,
// parsed strictly (options refused, file:line in every error).
#ifndef AJWT_REPOSITORY_AUTHORIZED_KEYS_HPP
#define AJWT_REPOSITORY_AUTHORIZED_KEYS_HPP

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../detail/openssh_public.hpp"
#include "../error.hpp"
#include "../public_key.hpp"
#include "../version.hpp"

AJWT_NAMESPACE_BEGIN

/// Longest accepted username in an authorized-keys file.
inline constexpr std::size_t max_authorized_username_bytes = 256;

/// Parses authorized-keys text: one "USERNAME KEYTYPE BASE64 [COMMENT]" per line (a username, then
/// an OpenSSH public key line); blank lines and lines starting with '#' are skipped. Any bad line
/// throws config_error naming `source` and the line number. Keys are checked as public_key::load does
/// (RSA of at least 2048 bits, Ed25519, P-256).
AJWT_DECL std::vector<std::pair<std::string, public_key>> parse_authorized_keys(std::string_view text,
                                                                                std::string_view source);

/// Reads and parses an authorized-keys file; errors name the file and line.
AJWT_DECL std::vector<std::pair<std::string, public_key>> parse_authorized_keys_file(
    const std::filesystem::path& path);

AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/repository/authorized_keys.ipp"
#endif

#endif  // AJWT_REPOSITORY_AUTHORIZED_KEYS_HPP
