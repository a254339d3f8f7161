// SPDX-License-Identifier: ISC
// `ajwt keys ...`: keys in a database (SQLite or PostgreSQL), the admin screen's job; and the key source of
// `ajwt verify --keys-db URL`. docs/keys-db.md.
#ifndef AJWT_TOOLS_DB_COMMANDS_HPP
#define AJWT_TOOLS_DB_COMMANDS_HPP

#include <memory>
#include <string>
#include <string_view>

#include <ajwt/key_repository.hpp>
#include <ajwt/keys.hpp>
#include <ajwt/repository/sql/repository.hpp>

#include "cli_support.hpp"

namespace ajwt_cli {

/// `ajwt keys add|import|list|remove|trust-jwks|untrust-jwks --db URL ...`. Exit 0 on success, 1 when
/// `remove` or `untrust-jwks` finds nothing to remove, 2 for a bad URL, an unreachable database, a bad key
/// or file (and then nothing changed).
command add_keys_command(CLI::App& parent);

/// The key source of `verify --keys-db URL`: a sql_key_repository when a URL was given, else nobody.
struct optional_key_db {
  using user_type = ajwt::no_user;
  std::shared_ptr<ajwt::sql_key_repository> repo;

  std::shared_ptr<const ajwt::user_keys<>> find(std::string_view username, std::string_view kid) const {
    return repo ? repo->find(username, kid) : nullptr;
  }
  void on_verified(std::string_view username, const ajwt::public_key& key) const noexcept {
    if (repo) repo->on_verified(username, key);
  }
};

/// Opens the repository of `verify --keys-db URL` (JWKS URLs fetched with libcurl when this ajwt has it;
/// plain http only with `allow_http`). Throws (exit 2) for a bad URL or an unreachable database.
optional_key_db open_verify_key_db(const std::string& url, bool allow_http);

}  // namespace ajwt_cli

#endif  // AJWT_TOOLS_DB_COMMANDS_HPP
