// SPDX-License-Identifier: ISC
// The PostgreSQL backend of the key database (libpq; CMake component ajwt::postgres): one database shared
// by every replica. Changes are announced with NOTIFY ajwt_keys_changed (from triggers) and listened for.
//
//     ajwt::key_database db(ajwt::postgres_connection::open("postgresql://ajwt@db.internal/keys"));
#ifndef AJWT_REPOSITORY_SQL_POSTGRES_HPP
#define AJWT_REPOSITORY_SQL_POSTGRES_HPP

#include <libpq-fe.h>
#include <poll.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../../error.hpp"
#include "../../version.hpp"
#include "common.hpp"

AJWT_NAMESPACE_BEGIN

/// One libpq connection. The password comes from the URL, PGPASSWORD or ~/.pgpass, as libpq does.
class postgres_connection final : public sql_connection {
 public:
  /// Connects to `conninfo` (a postgresql:// URI or "key=value" string), within `connect_timeout_s`
  /// unless it sets connect_timeout itself. Throws repository_unavailable, naming the server (never the
  /// password), when it cannot.
  static std::unique_ptr<postgres_connection> open(const std::string& conninfo, int connect_timeout_s = 3) {
    const std::string timeout = std::to_string(connect_timeout_s);
    const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {timeout.c_str(), "ajwt", conninfo.c_str(), nullptr};
    PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    std::unique_ptr<postgres_connection> c(new postgres_connection(conn, redact(conninfo)));
    if (!conn) throw repository_unavailable("ajwt: key database " + c->where_ + ": out of memory");
    if (PQstatus(conn) != CONNECTION_OK)
      throw repository_unavailable("ajwt: cannot connect to the key database " + c->where_ + ": " +
                                   one_line(PQerrorMessage(conn)));
    c->run("SET client_min_messages = warning");
    c->run("LISTEN ajwt_keys_changed");
    return c;
  }

  ~postgres_connection() override { PQfinish(conn_); }

  std::vector<sql_row> run(std::string_view sql, const std::vector<sql_value>& params = {}) override {
    std::string text;
    text.reserve(sql.size());
    for (char ch : sql) text += ch == '?' ? '$' : ch;
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    PGresult* r = params.empty() ? PQexec(conn_, text.c_str())
                                 : PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()), nullptr,
                                                values.data(), nullptr, nullptr, 0);
    std::unique_ptr<PGresult, void (*)(PGresult*)> guard(r, PQclear);
    const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
      const std::string where = "key database " + where_;
      const std::string why = one_line(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
      const std::string_view s = state ? state : "";
      // Connection trouble, shutdown, resources: an outage. Anything else: the database answered no.
      if (PQstatus(conn_) != CONNECTION_OK || s.empty() || s.substr(0, 2) == "08" || s.substr(0, 2) == "53" ||
          s.substr(0, 2) == "57" || s.substr(0, 2) == "58")
        throw repository_unavailable("ajwt: " + where + ": " + why);
      throw config_error(where, why);
    }
    std::vector<sql_row> rows;
    const int n = PQntuples(r), cols = PQnfields(r);
    rows.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      sql_row row;
      for (int j = 0; j < cols; ++j) {
        if (PQgetisnull(r, i, j))
          row.emplace_back();
        else
          row.emplace_back(std::string(PQgetvalue(r, i, j), static_cast<std::size_t>(PQgetlength(r, i, j))));
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

  [[nodiscard]] std::string_view dialect() const noexcept override { return "postgresql"; }

  void begin_write() override { run("BEGIN"); }

  bool wait_for_change(std::chrono::milliseconds timeout) override {
    if (drain()) return true;
    const int fd = PQsocket(conn_);
    if (fd < 0) throw repository_unavailable("ajwt: key database " + where_ + ": connection lost");
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready <= 0) return false;
    if (PQconsumeInput(conn_) != 1)
      throw repository_unavailable("ajwt: key database " + where_ + ": " + one_line(PQerrorMessage(conn_)));
    return drain();
  }

  [[nodiscard]] const std::string& where() const noexcept override { return where_; }

  /// `conninfo` without its password, for messages.
  static std::string redact(std::string_view conninfo) {
    std::string s(conninfo);
    if (const auto scheme = s.find("://"); scheme != std::string::npos) {
      const auto at = s.find('@', scheme + 3);
      const auto slash = s.find('/', scheme + 3);
      if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
        const auto colon = s.find(':', scheme + 3);
        if (colon != std::string::npos && colon < at) s.replace(colon + 1, at - colon - 1, "***");
      }
      if (const auto pw = s.find("password="); pw != std::string::npos)
        s.replace(pw + 9, s.find('&', pw) == std::string::npos ? std::string::npos : s.find('&', pw) - pw - 9,
                  "***");
      return s;
    }
    if (const auto pw = s.find("password"); pw != std::string::npos) return s.substr(0, pw) + "password=***";
    return s;
  }

 private:
  postgres_connection(PGconn* conn, std::string where) : conn_(conn), where_(std::move(where)) {}

  bool drain() {
    bool any = false;
    while (PGnotify* n = PQnotifies(conn_)) {
      any = true;
      PQfreemem(n);
    }
    return any;
  }

  static std::string one_line(const char* m) {
    std::string s = m ? m : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    for (auto& ch : s)
      if (ch == '\n' || ch == '\t') ch = ' ';
    return s;
  }

  PGconn* conn_;
  std::string where_;
};

AJWT_NAMESPACE_END

#endif  // AJWT_REPOSITORY_SQL_POSTGRES_HPP
