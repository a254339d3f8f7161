// SPDX-License-Identifier: ISC
// The SQLite backend of the key database (libsqlite3; CMake component ajwt::sqlite): a file, no server.
//
//     ajwt::key_database db(ajwt::sqlite_connection::open("/var/lib/myservice/keys.db"));
#ifndef AJWT_REPOSITORY_SQL_SQLITE_HPP
#define AJWT_REPOSITORY_SQL_SQLITE_HPP

#include <sqlite3.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "../../error.hpp"
#include "../../version.hpp"
#include "common.hpp"

AJWT_NAMESPACE_BEGIN

/// One SQLite connection. A busy database is waited for (busy timeout 5 s) rather than failed.
class sqlite_connection final : public sql_connection {
 public:
  /// Opens (creating unless `read_only`) the database file at `path`. Throws repository_unavailable
  /// naming the file when it cannot be opened.
  static std::unique_ptr<sqlite_connection> open(const std::string& path, bool read_only = false) {
    if (path.empty()) throw config_error("SQLite database", "needs a file path");
    sqlite3* db = nullptr;
    const int flags =
        (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    std::unique_ptr<sqlite_connection> c(new sqlite_connection(db, "sqlite:" + path));
    if (rc != SQLITE_OK)
      throw repository_unavailable("ajwt: cannot open the key database " + path + ": " +
                                   (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_busy_timeout(db, 5000);
    sqlite3_extended_result_codes(db, 1);
    return c;
  }

  ~sqlite_connection() override { sqlite3_close_v2(db_); }

  std::vector<sql_row> run(std::string_view sql, const std::vector<sql_value>& params = {}) override {
    std::vector<sql_row> rows;
    if (params.empty() && sql.find(';') != std::string_view::npos) {
      char* err = nullptr;
      const std::string text(sql);
      if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string m = err ? err : "error";
        sqlite3_free(err);
        fail(m);
      }
      return rows;
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &st, nullptr) != SQLITE_OK)
      fail(sqlite3_errmsg(db_));
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(st, sqlite3_finalize);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int rc = params[i] ? sqlite3_bind_text(st, static_cast<int>(i + 1), params[i]->data(),
                                                   static_cast<int>(params[i]->size()), SQLITE_TRANSIENT)
                               : sqlite3_bind_null(st, static_cast<int>(i + 1));
      if (rc != SQLITE_OK) fail(sqlite3_errmsg(db_));
    }
    for (;;) {
      const int rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) fail(sqlite3_errmsg(db_));
      sql_row row;
      const int n = sqlite3_column_count(st);
      for (int i = 0; i < n; ++i) {
        if (sqlite3_column_type(st, i) == SQLITE_NULL) {
          row.emplace_back();
        } else {
          const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
          row.emplace_back(std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, i))));
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

  [[nodiscard]] std::string_view dialect() const noexcept override { return "sqlite"; }

  void begin_write() override { run("BEGIN IMMEDIATE"); }

  bool wait_for_change(std::chrono::milliseconds timeout) override {
    std::this_thread::sleep_for(timeout);
    return false;
  }

  std::optional<std::int64_t> data_version() override {
    return detail::sql::to_int(run("PRAGMA data_version").at(0).at(0));
  }

  [[nodiscard]] const std::string& where() const noexcept override { return where_; }

 private:
  sqlite_connection(sqlite3* db, std::string where) : db_(db), where_(std::move(where)) {}

  [[noreturn]] void fail(const std::string& message) {
    const int code = sqlite3_extended_errcode(db_);
    const std::string where = "key database " + where_.substr(7);
    // Constraint violations and read-only files answer "no"; the rest (locked, I/O, corrupt) is an outage.
    const int primary = code & 0xff;
    if (primary == SQLITE_CONSTRAINT || primary == SQLITE_READONLY || primary == SQLITE_MISMATCH ||
        primary == SQLITE_ERROR)
      throw config_error(where, message);
    throw repository_unavailable("ajwt: " + where + ": " + message);
  }

  sqlite3* db_;
  std::string where_;
};

AJWT_NAMESPACE_END

#endif  // AJWT_REPOSITORY_SQL_SQLITE_HPP
