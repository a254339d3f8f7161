// SPDX-License-Identifier: ISC
// Keys in a SQL database (SQLite or PostgreSQL): the schema, its migrations, and key_database, the
// administrative view of it (add, import, list, remove keys; trust and untrust JWKS URLs). The backends
// (<ajwt/repository/sql/sqlite.hpp>, <ajwt/repository/sql/postgres.hpp>) implement sql_connection; the
// verifier's view is sql_key_repository (<ajwt/repository/sql/repository.hpp>). docs/keys-db.md.
//
//     auto db = ajwt::open_key_database("sqlite:///var/lib/myservice/keys.db");  // <.../sql/open.hpp>
//     db.add_key("billing", ajwt::detail::read_key_file("billing.pub"));
#ifndef AJWT_REPOSITORY_SQL_COMMON_HPP
#define AJWT_REPOSITORY_SQL_COMMON_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../../algorithm.hpp"
#include "../../detail/openssh_public.hpp"
#include "../../detail/text.hpp"
#include "../../error.hpp"
#include "../../jwks.hpp"
#include "../../public_key.hpp"
#include "../../version.hpp"
#include "../authorized_keys.hpp"
#include "../jwks_fetch.hpp"
#include "../jwks_url.hpp"

AJWT_NAMESPACE_BEGIN

/// The schema version this ajwt writes and reads. A database at a newer version is refused.
inline constexpr int sql_schema_version = 1;
/// Longest key comment stored (the Python library's PublicKey.comment).
inline constexpr std::size_t max_key_comment_chars = 100;

/// One key row.
struct sql_key_row {
  /// The user the key belongs to.
  std::string username;
  std::string key_text;  ///< as given (PEM, OpenSSH line or JWK)
  std::string type;      ///< "rsa", "ed25519" or "ec-p256"
  std::string kid;       ///< the fingerprint: lowercase hex SHA-256 of the SPKI PEM
  std::string jwk_kid;   ///< the JWK "kid" the key was given with (empty when none)
  std::string alg;       ///< the JWK "alg" pin (empty when none)
  /// Up to 100 characters (an OpenSSH line's comment when none was given).
  std::string comment;
  std::int64_t created = 0;  ///< Unix seconds
  /// Unix seconds; empty when the key never verified a token.
  std::optional<std::int64_t> last_used;
};

/// One trusted JWKS URL of a user.
struct sql_jwks_url_row {
  /// The user who trusts the URL.
  std::string username;
  /// The trusted JWKS URL.
  std::string url;
  /// Unix seconds.
  std::int64_t created = 0;
  /// Unix seconds; empty when the URL never served a key that verified.
  std::optional<std::int64_t> last_used;
};

/// A value bound to or read from a statement: text or NULL (integers travel as decimal text).
using sql_value = std::optional<std::string>;
using sql_row = std::vector<sql_value>;

/// One connection to a database; not thread-safe. Statements are written with ?1, ?2, ... placeholders
/// (the PostgreSQL backend turns them into $1, $2). Every failure throws repository_unavailable (the
/// database cannot answer) or config_error (it answered no), with the backend's message.
class sql_connection {
 public:
  virtual ~sql_connection() = default;
  /// Runs one statement (or, without parameters, several separated by ';'); returns its rows.
  virtual std::vector<sql_row> run(std::string_view sql, const std::vector<sql_value>& params = {}) = 0;
  /// "sqlite" or "postgresql".
  [[nodiscard]] virtual std::string_view dialect() const noexcept = 0;
  /// Begins a transaction that writes (SQLite: BEGIN IMMEDIATE, so two writers never deadlock).
  virtual void begin_write() = 0;
  /// Waits at most `timeout` for a sign that the keys changed (PostgreSQL: a notification); returns
  /// true when one came. Backends without notifications just wait.
  virtual bool wait_for_change(std::chrono::milliseconds timeout) = 0;
  /// A cheap token that changes when another connection committed anything (SQLite: PRAGMA
  /// data_version); nullopt when the backend has none (then the change counter is read every poll).
  virtual std::optional<std::int64_t> data_version() { return std::nullopt; }
  /// Where the connection goes, without any password, for messages.
  [[nodiscard]] virtual const std::string& where() const noexcept = 0;
};

/// Opens a new connection to the same database (the repository reconnects with it after an outage).
using sql_connector = std::function<std::unique_ptr<sql_connection>()>;

namespace detail::sql {

/// Runs `body` in one writing transaction on `c`: committed when it returns, rolled back (and the
/// exception passed on) when it throws. The one place ajwt opens, commits and rolls back a transaction.
template <class F>
auto in_transaction(sql_connection& c, F&& body) -> decltype(body()) {
  c.begin_write();
  try {
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      c.run("COMMIT");
    } else {
      auto result = body();
      c.run("COMMIT");
      return result;
    }
  } catch (...) {
    try {
      c.run("ROLLBACK");
    } catch (...) {  // the first error is the one to report
    }
    throw;
  }
}

inline std::string to_text(std::int64_t v) { return std::to_string(v); }

inline std::int64_t to_int(const sql_value& v) {
  if (!v) return 0;
  try {
    return std::stoll(*v);
  } catch (...) {
    throw repository_unavailable("ajwt: the key database returned a non-integer \"" + printable(*v, 40) +
                                 "\" where a number was expected");
  }
}

inline std::optional<std::int64_t> to_opt_int(const sql_value& v) {
  if (!v) return std::nullopt;
  return to_int(v);
}

inline std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The schema of version 1. `id_type`: the dialect's auto-increment primary key.
inline std::vector<std::string> schema_v1(std::string_view dialect) {
  const bool pg = dialect == "postgresql";
  const std::string id = pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
  std::vector<std::string> s = {
      "CREATE TABLE ajwt_keys ("
      " id " +
          id +
          ","
          " username TEXT NOT NULL CHECK (username <> ''),"
          " key_text TEXT NOT NULL,"
          " key_type TEXT NOT NULL,"
          " kid TEXT NOT NULL,"
          " jwk_kid TEXT,"
          " alg TEXT,"
          " comment TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 100),"
          " created BIGINT NOT NULL,"
          " last_used BIGINT,"
          " UNIQUE (username, kid))",
      "CREATE TABLE ajwt_jwks_urls ("
      " id " +
          id +
          ","
          " username TEXT NOT NULL CHECK (username <> ''),"
          " url TEXT NOT NULL,"
          " created BIGINT NOT NULL,"
          " last_used BIGINT,"
          " UNIQUE (username, url))",
      // Bumped by triggers on every change a verifier must see (not on last_used updates): the
      // repositories poll it, and PostgreSQL also notifies channel ajwt_keys_changed.
      "CREATE TABLE ajwt_changes (id INTEGER PRIMARY KEY CHECK (id = 1), counter BIGINT NOT NULL)",
      "INSERT INTO ajwt_changes (id, counter) VALUES (1, 0)",
  };
  const char* tables[] = {"ajwt_keys", "ajwt_jwks_urls"};
  auto cat = [](std::initializer_list<std::string_view> parts) {
    std::string out;
    for (auto p : parts) out += p;
    return out;
  };
  if (pg)
    s.emplace_back(
        "CREATE FUNCTION ajwt_keys_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE ajwt_changes SET counter = counter + 1 WHERE id = 1; "
        "PERFORM pg_notify('ajwt_keys_changed', ''); RETURN NULL; END $$");
  for (const std::string_view t : tables) {
    const std::string_view cols =
        t == "ajwt_keys" ? "username, key_text, key_type, kid, jwk_kid, alg" : "username, url";
    if (pg) {
      constexpr std::string_view run = " FOR EACH STATEMENT EXECUTE FUNCTION ajwt_keys_changed()";
      s.push_back(cat({"CREATE TRIGGER ", t, "_changed AFTER INSERT OR DELETE OR TRUNCATE ON ", t, run}));
      s.push_back(cat({"CREATE TRIGGER ", t, "_updated AFTER UPDATE OF ", cols, " ON ", t, run}));
    } else {
      constexpr std::string_view bump =
          " BEGIN UPDATE ajwt_changes SET counter = counter + 1 WHERE id = 1; END";
      s.push_back(cat({"CREATE TRIGGER ", t, "_inserted AFTER INSERT ON ", t, bump}));
      s.push_back(cat({"CREATE TRIGGER ", t, "_deleted AFTER DELETE ON ", t, bump}));
      s.push_back(cat({"CREATE TRIGGER ", t, "_updated AFTER UPDATE OF ", cols, " ON ", t, bump}));
    }
  }
  return s;
}

/// Creates the schema on first use, migrates an older one, refuses a newer one. One writer at a time.
inline void migrate(sql_connection& c) {
  const bool pg = c.dialect() == "postgresql";
  auto current = [&]() -> std::optional<int> {
    auto rows = c.run("SELECT MAX(version) FROM ajwt_schema_version");
    if (rows.empty() || rows[0].empty() || !rows[0][0]) return std::nullopt;
    return static_cast<int>(to_int(rows[0][0]));
  };
  // Fast path: a database already at this version needs no write (it may be read-only).
  bool has_table = false;
  if (pg) {
    has_table = to_int(c.run("SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE tablename = "
                             "'ajwt_schema_version' AND schemaname = current_schema()")[0][0]) > 0;
  } else {
    has_table = to_int(c.run("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = "
                             "'ajwt_schema_version'")[0][0]) > 0;
  }
  auto check_newer = [&](std::optional<int> v) {
    if (v && *v > sql_schema_version)
      throw config_error("key database " + c.where(),
                         "has schema version " + std::to_string(*v) + ", newer than this ajwt supports (" +
                             std::to_string(sql_schema_version) + "): upgrade ajwt");
  };
  if (has_table) {
    const auto v = current();
    check_newer(v);
    if (v && *v == sql_schema_version) return;
  }
  in_transaction(c, [&] {
    if (pg) c.run("SELECT pg_advisory_xact_lock(7243511)");  // concurrent first uses migrate once
    c.run(
        "CREATE TABLE IF NOT EXISTS ajwt_schema_version (version INTEGER NOT NULL, applied BIGINT NOT NULL)");
    const auto v = current();
    check_newer(v);
    if (!v) {
      for (const auto& stmt : schema_v1(c.dialect())) c.run(stmt);
      c.run("INSERT INTO ajwt_schema_version (version, applied) VALUES (?1, ?2)",
            {to_text(sql_schema_version), to_text(unix_now())});
    }
    // Later versions: `if (*v < 2) { ...; INSERT version 2 }` here.
  });
}

/// True when `s` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
inline bool valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    i += n + 1;
  }
  return true;
}

/// True when `username` could be stored (the rules of check_username).
inline bool storable_username(std::string_view username) noexcept {
  if (username.empty() || username.size() > max_authorized_username_bytes) return false;
  for (char ch : username)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) return false;
  return valid_utf8(username);
}

/// Throws config_error unless `username` can be stored: non-empty, at most 256 bytes, UTF-8, no control
/// character.
inline void check_username(std::string_view username) {
  if (username.empty()) throw config_error("username", "must not be empty");
  if (username.size() > max_authorized_username_bytes)
    throw config_error("username",
                       "is longer than " + std::to_string(max_authorized_username_bytes) + " bytes");
  for (char ch : username)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
      throw config_error("username \"" + printable(username, 64) + "\"", "holds a control character");
  if (!valid_utf8(username)) throw config_error("username", "must be UTF-8");
}

/// The first `n` characters (UTF-8 code points) of `s`.
inline std::string utf8_prefix(std::string_view s, std::size_t n) {
  std::size_t chars = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == n) break;
      ++chars;
    }
  }
  return std::string(s.substr(0, i));
}

inline std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (char ch : s) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  return n;
}

inline sql_key_row key_row_of(const std::vector<sql_value>& r) {
  sql_key_row k;
  k.username = r[0].value_or("");
  k.key_text = r[1].value_or("");
  k.type = r[2].value_or("");
  k.kid = r[3].value_or("");
  k.jwk_kid = r[4].value_or("");
  k.alg = r[5].value_or("");
  k.comment = r[6].value_or("");
  k.created = to_int(r[7]);
  k.last_used = to_opt_int(r[8]);
  return k;
}

inline constexpr const char* key_columns =
    "username, key_text, key_type, kid, jwk_kid, alg, comment, created, last_used";

}  // namespace detail::sql

/// A key and the row that will hold it: what key_database::add_key stores, checked before anything is
/// written. Throws config_error (bad username or comment) or key_error (bad key: the rules of
/// public_key::load, degenerate keys refused).
struct sql_new_key {
  /// The parsed key (by the rules of every other loader).
  public_key key;
  /// The row to store.
  sql_key_row row;

  /// Parses `key_text` for `username`; throws key_error or config_error, naming what is wrong.
  static sql_new_key make(std::string_view username, std::string_view key_text,
                          std::optional<std::string_view> comment = std::nullopt) {
    detail::sql::check_username(username);
    auto key = public_key::load(key_text);
    sql_key_row row;
    row.username = std::string(username);
    row.key_text = std::string(detail::trim(key_text));
    row.type = std::string(to_string(key.type()));
    row.kid = key.kid();
    row.jwk_kid = key.jwk_kid();
    if (key.pinned_algorithm()) row.alg = std::string(to_string(*key.pinned_algorithm()));
    if (comment) {
      if (detail::sql::utf8_length(*comment) > max_key_comment_chars)
        throw config_error("key comment",
                           "is at most " + std::to_string(max_key_comment_chars) + " characters");
      if (comment->find_first_of("\r\n") != std::string_view::npos)
        throw config_error("key comment", "must be one line");
      row.comment = std::string(*comment);
    } else if (detail::openssh::is_public_line(row.key_text)) {
      std::string from_line;
      (void)detail::openssh::parse_public_line(row.key_text, &from_line);
      row.comment = detail::sql::utf8_prefix(from_line, max_key_comment_chars);  // as the original does
    }
    row.created = detail::sql::unix_now();
    return sql_new_key{std::move(key), std::move(row)};
  }
};

/// The administrative view of a key database: what the `ajwt keys` commands and an admin screen do. Each
/// change is one transaction; running verifiers (sql_key_repository) see it within a second. Not
/// thread-safe (one connection); open one per thread.
class key_database {
 public:
  /// Takes an open connection, creates the schema on first use and migrates it. Throws config_error for a
  /// schema from a newer ajwt, repository_unavailable when the database cannot answer.
  explicit key_database(std::unique_ptr<sql_connection> c) : c_(std::move(c)) { detail::sql::migrate(*c_); }

  /// Adds a public key (PEM, OpenSSH line or JWK text) for `username`; the comment defaults to an OpenSSH
  /// line's. Returns the kid and whether a row was added (false: the user had the key already, nothing
  /// changed). Throws key_error or config_error, changing nothing, for a bad key, username or comment.
  std::pair<std::string, bool> add_key(std::string_view username, std::string_view key_text,
                                       std::optional<std::string_view> comment = std::nullopt) {
    auto k = sql_new_key::make(username, key_text, comment);
    return {k.row.kid, transaction([&] { return insert(k.row); })};
  }

  /// Adds every key of authorized-keys text ("USERNAME KEYTYPE BASE64 [COMMENT]" lines), all or nothing.
  /// Returns how many rows were added (keys already there are not counted).
  std::size_t import_authorized_keys(std::string_view text, std::string_view source = "authorized keys") {
    std::vector<sql_new_key> keys;
    for (auto& [user, key] : parse_authorized_keys(text, source)) {
      (void)key;
      keys.push_back({key, {}});
      keys.back().row.username = user;
    }
    // Again, line by line, for each key's text and comment as given.
    std::size_t i = 0;
    for (std::string_view rest = text; !rest.empty() && i < keys.size();) {
      const auto nl = rest.find('\n');
      auto line = detail::trim(rest.substr(0, nl));
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      if (line.empty() || line.front() == '#') continue;
      const auto sp = line.find_first_of(" \t");
      keys[i] = sql_new_key::make(keys[i].row.username, detail::trim(line.substr(sp)));
      ++i;
    }
    return transaction([&] {
      std::size_t added = 0;
      for (const auto& k : keys) added += insert(k.row) ? 1 : 0;
      return added;
    });
  }

  /// Removes the key of `username` whose kid (fingerprint) or JWK kid is `kid`. Returns whether one was.
  bool remove_key(std::string_view username, std::string_view kid) {
    return transaction([&] {
      const auto n = c_->run(
          "DELETE FROM ajwt_keys WHERE username = ?1 AND (kid = ?2 OR jwk_kid = ?2) "
          "RETURNING id",
          {std::string(username), std::string(kid)});
      return !n.empty();
    });
  }

  /// Trusts a JWKS URL for `username` (kept once). Returns whether it was added. The URL must be an
  /// absolute https:// URL (http:// with `allow_http`, for tests on loopback).
  bool trust_jwks_url(std::string_view username, std::string_view url, bool allow_http = false) {
    detail::sql::check_username(username);
    detail::jwks::check_jwks_url(url, allow_http);
    return transaction([&] {
      return !c_->run(
                    "INSERT INTO ajwt_jwks_urls (username, url, created) VALUES (?1, ?2, ?3) "
                    "ON CONFLICT (username, url) DO NOTHING RETURNING id",
                    {std::string(username), std::string(url), detail::sql::to_text(detail::sql::unix_now())})
                  .empty();
    });
  }

  /// Stops trusting a JWKS URL for `username`. Returns whether the user had it.
  bool untrust_jwks_url(std::string_view username, std::string_view url) {
    return transaction([&] {
      return !c_->run("DELETE FROM ajwt_jwks_urls WHERE username = ?1 AND url = ?2 RETURNING id",
                      {std::string(username), std::string(url)})
                  .empty();
    });
  }

  /// The keys of `username` (every user's when empty), by username then creation.
  std::vector<sql_key_row> keys(std::string_view username = {}) {
    std::vector<sql_key_row> out;
    const std::string q = std::string("SELECT ") + detail::sql::key_columns + " FROM ajwt_keys" +
                          (username.empty() ? "" : " WHERE username = ?1") + " ORDER BY username, id";
    for (const auto& r : c_->run(
             q, username.empty() ? std::vector<sql_value>{} : std::vector<sql_value>{std::string(username)}))
      out.push_back(detail::sql::key_row_of(r));
    return out;
  }

  /// The trusted JWKS URLs of `username` (every user's when empty).
  std::vector<sql_jwks_url_row> jwks_urls(std::string_view username = {}) {
    std::vector<sql_jwks_url_row> out;
    const std::string q = std::string("SELECT username, url, created, last_used FROM ajwt_jwks_urls") +
                          (username.empty() ? "" : " WHERE username = ?1") + " ORDER BY username, id";
    for (const auto& r : c_->run(
             q, username.empty() ? std::vector<sql_value>{} : std::vector<sql_value>{std::string(username)}))
      out.push_back(
          {r[0].value_or(""), r[1].value_or(""), detail::sql::to_int(r[2]), detail::sql::to_opt_int(r[3])});
    return out;
  }

  /// The change counter the repositories poll (bumped by triggers on every change but last_used).
  std::int64_t change_counter() {
    return detail::sql::to_int(c_->run("SELECT counter FROM ajwt_changes WHERE id = 1").at(0).at(0));
  }

  /// Records last-used times: (username, kid, time) for keys and (username, url, time) for JWKS URLs,
  /// in one transaction; a time never moves back.
  void record_last_used(const std::vector<std::tuple<std::string, std::string, std::int64_t>>& keys,
                        const std::vector<std::tuple<std::string, std::string, std::int64_t>>& urls) {
    if (keys.empty() && urls.empty()) return;
    transaction([&] {
      for (const auto& [user, kid, t] : keys)
        c_->run(
            "UPDATE ajwt_keys SET last_used = ?3 WHERE username = ?1 AND kid = ?2 AND "
            "(last_used IS NULL OR last_used < ?3)",
            {user, kid, detail::sql::to_text(t)});
      for (const auto& [user, url, t] : urls)
        c_->run(
            "UPDATE ajwt_jwks_urls SET last_used = ?3 WHERE username = ?1 AND url = ?2 AND "
            "(last_used IS NULL OR last_used < ?3)",
            {user, url, detail::sql::to_text(t)});
      return true;
    });
  }

  /// The open connection (for tests and tools).
  [[nodiscard]] sql_connection& connection() noexcept { return *c_; }

 private:
  bool insert(const sql_key_row& r) {
    auto opt = [](const std::string& s) -> sql_value { return s.empty() ? sql_value() : sql_value(s); };
    return !c_->run(std::string("INSERT INTO ajwt_keys (") + detail::sql::key_columns +
                        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL) "
                        "ON CONFLICT (username, kid) DO NOTHING RETURNING id",
                    {r.username, r.key_text, r.type, r.kid, opt(r.jwk_kid), opt(r.alg), r.comment,
                     detail::sql::to_text(r.created)})
                .empty();
  }

  template <class F>
  auto transaction(F&& body) -> decltype(body()) {
    return detail::sql::in_transaction(*c_, std::forward<F>(body));
  }

  std::unique_ptr<sql_connection> c_;
};

AJWT_NAMESPACE_END

#endif  // AJWT_REPOSITORY_SQL_COMMON_HPP
