// SPDX-License-Identifier: ISC
// Opening a key database by URL:
//   sqlite:///absolute/path.db, sqlite://relative/path.db   (append ?mode=ro to open it read-only)
//   postgresql://user:password@host:port/dbname?...          (any libpq URI; postgres:// too)
// The SQLite backend is compiled in when AJWT_WITH_SQLITE is 1 (the CMake target ajwt::sqlite and
// ajwt-sqlite.pc set it), the PostgreSQL one when AJWT_WITH_POSTGRES is 1 (ajwt::postgres, ajwt-postgres.pc).
//
//     ajwt::verifier v(ajwt::open_key_repository("sqlite:///var/lib/myservice/keys.db"));
#ifndef AJWT_REPOSITORY_SQL_OPEN_HPP
#define AJWT_REPOSITORY_SQL_OPEN_HPP

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "../../detail/text.hpp"
#include "../../error.hpp"
#include "common.hpp"
#include "repository.hpp"

#if defined(AJWT_WITH_SQLITE) && AJWT_WITH_SQLITE
#include "sqlite.hpp"
#endif
#if defined(AJWT_WITH_POSTGRES) && AJWT_WITH_POSTGRES
#include "../../version.hpp"
#include "postgres.hpp"
#endif

AJWT_NAMESPACE_BEGIN

/// A key database URL, taken apart.
struct key_db_location {
  /// The database engine.
  enum class backend { sqlite, postgresql };
  /// The engine of this URL.
  backend kind = backend::sqlite;
  /// The SQLite file (absolute), or the libpq connection string.
  std::string target;
  /// SQLite ?mode=ro: nothing is written (no schema creation, no last-used times).
  bool read_only = false;

  /// Parses a key database URL. Throws config_error naming what is wrong (never echoing a password).
  static key_db_location parse(std::string_view url) {
    key_db_location l;
    auto starts = [&](std::string_view p) { return url.substr(0, p.size()) == p; };
    if (starts("sqlite://")) {
      std::string_view rest = url.substr(9);
      if (const auto q = rest.find('?'); q != std::string_view::npos) {
        const auto query = rest.substr(q + 1);
        rest = rest.substr(0, q);
        if (query == "mode=ro")
          l.read_only = true;
        else if (query != "mode=rw" && !query.empty())
          throw config_error("key database URL", "unknown SQLite option \"" + detail::printable(query, 64) +
                                                     "\" (only mode=ro or mode=rw)");
      }
      if (rest.empty() || rest == "/")
        throw config_error("key database URL \"" + detail::printable(url, 256) + "\"",
                           "names no file (sqlite:///absolute/path.db or sqlite://relative/path.db)");
      l.kind = backend::sqlite;
      l.target =
          std::filesystem::absolute(std::filesystem::path(std::string(rest))).lexically_normal().string();
      return l;
    }
    if (starts("postgresql://") || starts("postgres://")) {
      l.kind = backend::postgresql;
      l.target = std::string(url);
      return l;
    }
    const auto sep = url.find("://");
    throw config_error(
        "key database URL \"" +
            detail::printable(sep == std::string_view::npos ? url.substr(0, 64) : url.substr(0, sep), 64) +
            (sep == std::string_view::npos ? "\"" : "://...\""),
        "expected sqlite:///path.db, sqlite://relative/path.db or postgresql://...");
  }
};

/// A connector for the database at `url` (see key_db_location); each call opens a new connection. Throws
/// config_error for a bad URL or a backend this build lacks; the connector throws repository_unavailable
/// when the database cannot be reached.
inline sql_connector key_db_connector(std::string_view url) {
  const auto l = key_db_location::parse(url);
  if (l.kind == key_db_location::backend::sqlite) {
#if defined(AJWT_WITH_SQLITE) && AJWT_WITH_SQLITE
    return
        [l]() -> std::unique_ptr<sql_connection> { return sqlite_connection::open(l.target, l.read_only); };
#else
    throw config_error("key database URL",
                       "this build has no SQLite support (build with ajwt::sqlite, libsqlite3)");
#endif
  }
#if defined(AJWT_WITH_POSTGRES) && AJWT_WITH_POSTGRES
  return [l]() -> std::unique_ptr<sql_connection> { return postgres_connection::open(l.target); };
#else
  throw config_error("key database URL",
                     "this build has no PostgreSQL support (build with ajwt::postgres, libpq)");
#endif
}

/// The administrative view of the database at `url` (schema created on first use).
inline key_database open_key_database(std::string_view url) { return key_database(key_db_connector(url)()); }

/// The verifier's repository over the database at `url` (schema created on first use).
inline sql_key_repository open_key_repository(std::string_view url, sql_repository_options options = {}) {
  return sql_key_repository(key_db_connector(url), std::move(options));
}

AJWT_NAMESPACE_END

#endif  // AJWT_REPOSITORY_SQL_OPEN_HPP
