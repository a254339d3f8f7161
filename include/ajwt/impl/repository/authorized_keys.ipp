// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/repository/authorized_keys.hpp> declares: included at the end of that
// header (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION).
// Internal.
#ifndef AJWT_IMPL_REPOSITORY_AUTHORIZED_KEYS_IPP
#define AJWT_IMPL_REPOSITORY_AUTHORIZED_KEYS_IPP

#include "../../repository/authorized_keys.hpp"

#include <cstddef>

#include "../../detail/key_text.hpp"
#include "../../detail/text.hpp"

AJWT_NAMESPACE_BEGIN

AJWT_DECL std::vector<std::pair<std::string, public_key>> parse_authorized_keys(std::string_view text,
                                                                                std::string_view source) {
  std::vector<std::pair<std::string, public_key>> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    line = detail::trim(line);
    if (line.empty() || line.front() == '#') continue;
    // Every error names the file and line (config_error::source() and line()).
    const auto fail = [&](std::string problem) {
      return config_error(std::string(source), std::move(problem), line_no);
    };
    const auto sp = line.find_first_of(" \t");
    if (sp == std::string_view::npos) throw fail("expected \"USERNAME KEYTYPE BASE64 [COMMENT]\"");
    const std::string_view user = line.substr(0, sp);
    if (detail::openssh::is_public_line(line))
      throw fail("the username is missing: each line is \"USERNAME KEYTYPE BASE64 [COMMENT]\"");
    if (user.find_first_of("=\",") != std::string_view::npos)
      throw fail(
          "OpenSSH options (command=, no-pty, from=, ...) are not supported; the first field "
          "must be the username (\"USERNAME KEYTYPE BASE64 [COMMENT]\")");
    if (user.size() > max_authorized_username_bytes)
      throw fail("username is longer than " + std::to_string(max_authorized_username_bytes) + " bytes");
    const std::string_view key_text = detail::trim(line.substr(sp));
    if (!detail::openssh::is_public_line(key_text))
      throw fail(
          "expected an OpenSSH public key (ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp256) after the username");
    try {
      out.emplace_back(std::string(user), public_key::load(key_text));
    } catch (const key_error& e) {
      throw fail(e.problem());
    }
  }
  return out;
}

AJWT_DECL std::vector<std::pair<std::string, public_key>> parse_authorized_keys_file(
    const std::filesystem::path& path) {
  return parse_authorized_keys(detail::read_key_file(path), path.string());
}

AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_REPOSITORY_AUTHORIZED_KEYS_IPP
