// SPDX-License-Identifier: ISC
// Tests of the key database (include/ajwt/repository/sql/*.hpp): the schema and its versions, key_database
// (add, import, remove, trust JWKS URLs, every refusal), and sql_key_repository (the verifier's view: live
// changes within a second, last-used times, outages). Contract tests run over both backends: SQLite files
// in a temporary directory, and the PostgreSQL server of AJWT_TEST_POSTGRES_URL (scripts/lib/postgres.sh
// starts one); without that URL the PostgreSQL tests FAIL, they never skip. The outage tests start a
// private PostgreSQL (initdb/pg_ctl from AJWT_POSTGRES_BIN or /usr/lib/postgresql/15/bin, as the user
// "postgres" when run as root) and stop it by its PID.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "ajwt/error.hpp"
#include "ajwt/keys.hpp"
#include "ajwt/nonce/memory.hpp"
#include "ajwt/repository/sql/open.hpp"
#include "ajwt/repository/sql/postgres.hpp"
#include "ajwt/repository/sql/sqlite.hpp"
#include "ajwt/token.hpp"
#include "ajwt/verifier.hpp"
#include "support.hpp"

namespace {

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

const ajwt::private_key& key_a() { return ajwt_test::cached_key("key_db/a", ajwt::key_type::ed25519); }
const ajwt::private_key& key_b() { return ajwt_test::cached_key("key_db/b", ajwt::key_type::ec_p256); }
const ajwt::private_key& key_c() { return ajwt_test::cached_key("key_db/c", ajwt::key_type::ed25519); }

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string random_hex(std::size_t bytes) {
  static std::mutex mu;
  static std::mt19937_64 rng(std::random_device{}());
  std::lock_guard<std::mutex> lock(mu);
  std::string s;
  for (std::size_t i = 0; i < bytes; ++i) {
    const auto b = static_cast<unsigned>(rng() & 0xff);
    s += "0123456789abcdef"[b >> 4];
    s += "0123456789abcdef"[b & 15];
  }
  return s;
}

/// A temporary directory removed with its contents at the end of the test.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string t = (fs::temp_directory_path() / "ajwt-keydb.XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string header(const ajwt::private_key& key, const std::string& username) {
  return ajwt::token_builder(key, username).header();
}

/// The rejection reason of a result, or nullopt when it was accepted.
template <class R>
std::optional<ajwt::reason> why(const R& r) {
  if (r.ok()) return std::nullopt;
  return r.reason();
}

/// True when the process `pid` is gone (or a zombie nobody reaped: in a container without an init).
bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

/// Polls `pred` every 10 ms until it holds or `limit` passes; returns whether it held.
bool within(std::chrono::milliseconds limit, const std::function<bool()>& pred) {
  const auto end = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(10ms);
  }
}

/// Log lines a repository reported through on_error.
struct log_sink {
  std::mutex mu;
  std::vector<std::string> lines;
  std::function<void(const std::string&)> callback() {
    return [this](const std::string& m) {
      std::lock_guard<std::mutex> lock(mu);
      lines.push_back(m);
    };
  }
  bool contains(const std::string& s) {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& l : lines)
      if (l.find(s) != std::string::npos) return true;
    return false;
  }
};

// ---- the two backends, as fresh empty databases

struct sqlite_backend {
  temp_dir dir;
  std::string url() const { return "sqlite://" + (dir.path / "keys.db").string(); }
  std::unique_ptr<ajwt::sql_connection> raw() const {
    return ajwt::sqlite_connection::open((dir.path / "keys.db").string());
  }
};

/// The server of AJWT_TEST_POSTGRES_URL, one fresh schema per test (search_path), so tests never meet.
struct postgres_backend {
  std::string base, schema;
  postgres_backend() {
    base = env("AJWT_TEST_POSTGRES_URL");
    if (base.empty())
      FAIL(
          "AJWT_TEST_POSTGRES_URL is not set: run the tests through scripts/test.sh, or source "
          "scripts/lib/postgres.sh and call start_test_postgres first");
    schema = "t_" + random_hex(6);
    ajwt::postgres_connection::open(base)->run("CREATE SCHEMA " + schema);
  }
  ~postgres_backend() {
    try {
      ajwt::postgres_connection::open(base)->run("DROP SCHEMA " + schema + " CASCADE");
    } catch (...) {
    }
  }
  std::string url() const {
    return base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema;
  }
  std::unique_ptr<ajwt::sql_connection> raw() const { return ajwt::postgres_connection::open(url()); }
};

using backends = std::tuple<sqlite_backend, postgres_backend>;

ajwt::sql_repository_options quiet_options(log_sink* sink = nullptr) {
  ajwt::sql_repository_options o;
  o.on_error = sink ? sink->callback() : [](const std::string&) {};
  return o;
}

std::int64_t count(ajwt::sql_connection& c, const std::string& table) {
  return ajwt::detail::sql::to_int(c.run("SELECT COUNT(*) FROM " + table).at(0).at(0));
}

// =========================================================================================================
// The schema

TEMPLATE_LIST_TEST_CASE("key db: the schema is created on first use at version 1, and reopening keeps it",
                        "[key_db]", backends) {
  TestType b;
  { auto db = ajwt::open_key_database(b.url()); }
  auto raw = b.raw();
  CHECK(ajwt::detail::sql::to_int(raw->run("SELECT MAX(version) FROM ajwt_schema_version").at(0).at(0)) ==
        ajwt::sql_schema_version);
  auto db = ajwt::open_key_database(b.url());
  db.add_key("alice", key_a().public_part().to_pem());
  auto again = ajwt::open_key_database(b.url());
  CHECK(again.keys("alice").size() == 1);
  CHECK(count(*raw, "ajwt_schema_version") == 1);
}

TEMPLATE_LIST_TEST_CASE("key db: a schema from a newer ajwt is refused with a clear error", "[key_db]",
                        backends) {
  TestType b;
  { auto db = ajwt::open_key_database(b.url()); }
  b.raw()->run("INSERT INTO ajwt_schema_version (version, applied) VALUES (99, 0)");
  CHECK_THROWS_WITH(ajwt::open_key_database(b.url()),
                    Contains("schema version 99") && Contains("upgrade ajwt"));
  CHECK_THROWS_AS(ajwt::open_key_repository(b.url(), quiet_options()), ajwt::config_error);
}

// =========================================================================================================
// key_database: adding, importing, removing

TEMPLATE_LIST_TEST_CASE("key db: add_key stores the key as given with its type, kid, comment and times",
                        "[key_db]", backends) {
  TestType b;
  auto db = ajwt::open_key_database(b.url());
  const auto line = key_a().public_part().to_openssh("alice@laptop");
  const auto [kid, added] = db.add_key("alice", line);
  CHECK(added);
  CHECK(kid == key_a().kid());
  const auto rows = db.keys("alice");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].key_text == line);
  CHECK(rows[0].type == "ed25519");
  CHECK(rows[0].kid == key_a().kid());
  CHECK(rows[0].comment == "alice@laptop");
  CHECK(rows[0].created > 1700000000);
  CHECK_FALSE(rows[0].last_used.has_value());
  db.add_key("bob", key_b().public_part().to_pem(), std::string_view("ci runner"));
  CHECK(db.keys("bob").at(0).comment == "ci runner");
  CHECK(db.keys().size() == 2);
}

TEMPLATE_LIST_TEST_CASE("key db: a JWK keeps its kid and alg pin", "[key_db]", backends) {
  TestType b;
  auto db = ajwt::open_key_database(b.url());
  auto jwk = key_b().public_part().to_jwk();
  jwk["kid"] = "publisher-key-1";
  jwk["alg"] = "ES256";
  db.add_key("carol", jwk.dump());
  const auto rows = db.keys("carol");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].jwk_kid == "publisher-key-1");
  CHECK(rows[0].alg == "ES256");
  CHECK(rows[0].type == "ec-p256");
}

TEMPLATE_LIST_TEST_CASE("key db: the same key twice for a user is no error and one row", "[key_db]",
                        backends) {
  TestType b;
  auto db = ajwt::open_key_database(b.url());
  CHECK(db.add_key("alice", key_a().public_part().to_pem()).second);
  // The same material in another format is the same key.
  const auto again = db.add_key("alice", key_a().public_part().to_openssh("other"));
  CHECK_FALSE(again.second);
  CHECK(again.first == key_a().kid());
  CHECK(db.keys("alice").size() == 1);
  CHECK(db.add_key("bob", key_a().public_part().to_pem()).second);  // another user may hold it
}

TEMPLATE_LIST_TEST_CASE("key db: bad input is refused with a clear error and changes nothing", "[key_db]",
                        backends) {
  TestType b;
  auto db = ajwt::open_key_database(b.url());
  const auto pem = key_a().public_part().to_pem();
  CHECK_THROWS_WITH(db.add_key("", pem), Contains("username: must not be empty"));
  CHECK_THROWS_WITH(db.add_key(std::string(300, 'u'), pem), Contains("longer than"));
  CHECK_THROWS_WITH(db.add_key("a\nb", pem), Contains("control character"));
  CHECK_THROWS_WITH(db.add_key(std::string("a\0b", 3), pem), Contains("control character"));
  CHECK_THROWS_WITH(db.add_key("\xff", pem), Contains("UTF-8"));
  CHECK_THROWS_AS(db.add_key("alice", "not a key"), ajwt::key_error);
  CHECK_THROWS_AS(db.add_key("alice", ""), ajwt::key_error);
  CHECK_THROWS_WITH(db.add_key("alice", key_a().to_pem()), Contains("private key"));
  // Degenerate and weak keys: the rules of every other loader.
  nlohmann::json zero = {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", ajwt_test::b64url(std::string(32, '\0'))}};
  CHECK_THROWS_AS(db.add_key("alice", zero.dump()), ajwt::key_error);
  CHECK_THROWS_AS(db.add_key("alice", ajwt::detail::read_key_file(std::string(AJWT_TEST_DATA_DIR) +
                                                                  "/keys/rsa-1024.spki.pem")),
                  ajwt::key_error);
  CHECK_THROWS_AS(db.add_key("alice", ajwt::detail::read_key_file(std::string(AJWT_TEST_DATA_DIR) +
                                                                  "/keys/p384.spki.pem")),
                  ajwt::key_error);
  CHECK_THROWS_WITH(db.add_key("alice", pem, std::string_view(std::string(101, 'c'))),
                    Contains("at most 100 characters"));
  CHECK_THROWS_WITH(db.add_key("alice", pem, std::string_view("two\nlines")), Contains("one line"));
  CHECK(db.keys().empty());
  CHECK(db.change_counter() == 0);
}

TEMPLATE_LIST_TEST_CASE("key db: a long OpenSSH comment is cut to 100 characters", "[key_db]", backends) {
  TestType b;
  auto db = ajwt::open_key_database(b.url());
  std::string comment;
  for (int i = 0; i < 60; ++i) comment += "\xc3\xa9";  // 60 two-byte characters ("é")
  comment += std::string(60, 'x');
  db.add_key("alice", key_a().public_part().to_openssh(comment));
  const auto stored = db.keys("alice").at(0).comment;
  CHECK(ajwt::detail::sql::utf8_length(stored) == 100);
  CHECK(stored == comment.substr(0, 120 + 40));
}

TEMPLATE_LIST_TEST_CASE("key db: import of authorized keys is all or nothing", "[key_db]", backends) {
  TestType b;
  auto db = ajwt::open_key_database(b.url());
  const std::string good = "# keys\nalice " + key_a().public_part().to_openssh("a@host") + "\n\nbob " +
                           key_b().public_part().to_openssh() + "\n";
  CHECK_THROWS_WITH(db.import_authorized_keys(good + "carol ssh-ed25519 AAAA-broken\n", "f"),
                    Contains("f:5"));
  CHECK(db.keys().empty());
  CHECK(db.import_authorized_keys(good, "f") == 2);
  CHECK(db.keys("alice").at(0).comment == "a@host");
  CHECK(db.keys("bob").size() == 1);
  CHECK(db.import_authorized_keys(good, "f") == 0);  // again: nothing new
  CHECK(db.keys().size() == 2);
}

TEMPLATE_LIST_TEST_CASE("key db: remove_key removes one key by kid and says when there was none", "[key_db]",
                        backends) {
  TestType b;
  auto db = ajwt::open_key_database(b.url());
  db.add_key("alice", key_a().public_part().to_pem());
  db.add_key("alice", key_c().public_part().to_pem());
  CHECK_FALSE(db.remove_key("alice", key_b().kid()));
  CHECK_FALSE(db.remove_key("bob", key_a().kid()));
  CHECK(db.remove_key("alice", key_a().kid()));
  CHECK_FALSE(db.remove_key("alice", key_a().kid()));
  REQUIRE(db.keys("alice").size() == 1);
  CHECK(db.keys("alice")[0].kid == key_c().kid());
}

TEMPLATE_LIST_TEST_CASE("key db: JWKS URLs are trusted per user, any number, and untrusted", "[key_db]",
                        backends) {
  TestType b;
  auto db = ajwt::open_key_database(b.url());
  CHECK(db.trust_jwks_url("alice", "https://a.example/jwks.json"));
  CHECK(db.trust_jwks_url("alice", "https://b.example/jwks.json"));
  CHECK_FALSE(db.trust_jwks_url("alice", "https://a.example/jwks.json"));
  CHECK(db.jwks_urls("alice").size() == 2);
  CHECK_THROWS_WITH(db.trust_jwks_url("alice", "http://a.example/"), Contains("plain http"));
  CHECK_THROWS_WITH(db.trust_jwks_url("alice", "ftp://a.example/"), Contains("https"));
  CHECK_THROWS_AS(db.trust_jwks_url("", "https://a.example/"), ajwt::config_error);
  CHECK(db.untrust_jwks_url("alice", "https://a.example/jwks.json"));
  CHECK_FALSE(db.untrust_jwks_url("alice", "https://a.example/jwks.json"));
  CHECK(db.jwks_urls().size() == 1);
}

// =========================================================================================================
// The repository

TEMPLATE_LIST_TEST_CASE("key db repository: verifies tokens of database keys; unknown users are unknown",
                        "[key_db]", backends) {
  TestType b;
  auto db = ajwt::open_key_database(b.url());
  db.add_key("alice", key_a().public_part().to_openssh());
  ajwt::verifier<ajwt::sql_key_repository> v(ajwt::open_key_repository(b.url(), quiet_options()));
  const auto r = v.verify_header(header(key_a(), "alice"));
  REQUIRE(r.ok());
  CHECK(r->username() == "alice");
  CHECK(why(v.verify_header(header(key_a(), "mallory"))) == ajwt::reason::unknown_user);
  CHECK(why(v.verify_header(header(key_c(), "alice"))) == ajwt::reason::bad_signature);
  // Untrusted usernames of every shape are just unknown.
  for (std::string u : {std::string("x' OR '1'='1"), std::string("\xff\xfe"), std::string(257, 'z'),
                        std::string("\xc0\x80"), std::string("\xed\xa0\x80"), std::string("")})
    CHECK(v.keys().find(u, "") == nullptr);
  // A NUL would end the name early in a query parameter: "alice\0x" must never find alice's keys.
  CHECK(v.keys().find(std::string("alice\0x", 7), "") == nullptr);
  CHECK(why(v.verify_header(header(key_a(), std::string("alice\0x", 7)))) == ajwt::reason::unknown_user);
  CHECK(v.keys().find("alice", "") != nullptr);
}

TEMPLATE_LIST_TEST_CASE("key db repository: keys added and removed by another connection reach it within 1 s",
                        "[key_db]", backends) {
  TestType b;
  auto db = ajwt::open_key_database(b.url());
  db.add_key("alice", key_a().public_part().to_pem());
  ajwt::verifier<ajwt::sql_key_repository> v(ajwt::open_key_repository(b.url(), quiet_options()));
  REQUIRE(v.verify_header(header(key_a(), "alice")).ok());
  CHECK(why(v.verify_header(header(key_b(), "bob"))) == ajwt::reason::unknown_user);  // cached unknown

  db.add_key("alice", key_c().public_part().to_pem());
  db.add_key("bob", key_b().public_part().to_pem());
  CHECK(within(1s, [&] { return v.verify_header(header(key_c(), "alice")).ok(); }));
  CHECK(within(1s, [&] { return v.verify_header(header(key_b(), "bob")).ok(); }));

  REQUIRE(db.remove_key("alice", key_a().kid()));
  CHECK(within(1s, [&] { return !v.verify_header(header(key_a(), "alice")).ok(); }));
  CHECK(v.verify_header(header(key_c(), "alice")).ok());

  // SQL by hand counts too.
  b.raw()->run("DELETE FROM ajwt_keys WHERE username = 'bob'");
  CHECK(
      within(1s, [&] { return why(v.verify_header(header(key_b(), "bob"))) == ajwt::reason::unknown_user; }));
}

TEMPLATE_LIST_TEST_CASE(
    "key db repository: two repositories on one database both see changes and both "
    "write last-used times",
    "[key_db]", backends) {
  TestType b;
  auto db = ajwt::open_key_database(b.url());
  auto o = quiet_options();
  o.last_used_interval = 100ms;
  ajwt::verifier<ajwt::sql_key_repository> v1(ajwt::open_key_repository(b.url(), o));
  ajwt::verifier<ajwt::sql_key_repository> v2(ajwt::open_key_repository(b.url(), o));
  CHECK(why(v1.verify_header(header(key_a(), "alice"))) == ajwt::reason::unknown_user);
  CHECK(why(v2.verify_header(header(key_b(), "bob"))) == ajwt::reason::unknown_user);
  db.add_key("alice", key_a().public_part().to_pem());
  db.add_key("bob", key_b().public_part().to_pem());
  CHECK(within(1s, [&] { return v1.verify_header(header(key_a(), "alice")).ok(); }));
  CHECK(within(1s, [&] { return v2.verify_header(header(key_b(), "bob")).ok(); }));
  CHECK(within(2s, [&] {
    return db.keys("alice").at(0).last_used.has_value() && db.keys("bob").at(0).last_used.has_value();
  }));
  const auto t = *db.keys("alice").at(0).last_used;
  CHECK(std::abs(t - ajwt::detail::sql::unix_now()) <= 2);
}

TEMPLATE_LIST_TEST_CASE("key db repository: last used is written once per interval, and on destruction",
                        "[key_db]", backends) {
  TestType b;
  auto db = ajwt::open_key_database(b.url());
  db.add_key("alice", key_a().public_part().to_pem());
  db.add_key("alice", key_c().public_part().to_pem());
  const auto counter = db.change_counter();
  {
    auto o = quiet_options();
    o.last_used_interval = 1h;  // only the destructor writes
    ajwt::verifier<ajwt::sql_key_repository> v(ajwt::open_key_repository(b.url(), o));
    for (int i = 0; i < 20; ++i) REQUIRE(v.verify_header(header(key_a(), "alice")).ok());
    std::this_thread::sleep_for(300ms);
    CHECK_FALSE(db.keys("alice").at(0).last_used.has_value());
  }
  const auto rows = db.keys("alice");
  CHECK(rows.at(0).last_used.has_value());
  CHECK_FALSE(rows.at(1).last_used.has_value());  // key_c never verified anything
  CHECK(db.change_counter() == counter);          // last-used writes do not make verifiers reload
}

TEMPLATE_LIST_TEST_CASE("key db repository: a failed token records no last-used time", "[key_db]", backends) {
  TestType b;
  auto db = ajwt::open_key_database(b.url());
  db.add_key("alice", key_a().public_part().to_pem());
  {
    ajwt::verifier<ajwt::sql_key_repository> v(ajwt::open_key_repository(b.url(), quiet_options()));
    const auto h = header(key_a(), "alice");
    REQUIRE(v.verify_header(h).ok());
    v.keys().flush_last_used();
    b.raw()->run("UPDATE ajwt_keys SET last_used = NULL");
    CHECK(why(v.verify_header(h)) == ajwt::reason::nonce_replayed);  // replay: not a use
  }
  CHECK_FALSE(db.keys("alice").at(0).last_used.has_value());
}

TEMPLATE_LIST_TEST_CASE(
    "key db repository: JWKS URLs in the database are fetched, their keys verify, and "
    "their last use is recorded",
    "[key_db]", backends) {
  TestType b;
  auto db = ajwt::open_key_database(b.url());
  const std::string url = "https://issuer.example/jwks.json";
  db.trust_jwks_url("svc", url);
  db.add_key("svc", key_c().public_part().to_pem());
  std::atomic<int> fetches{0};
  auto o = quiet_options();
  o.jwks_fetcher = [&](const ajwt::fetch_request& r) {
    ++fetches;
    ajwt::fetch_result f;
    if (r.url != url) {
      f.error = "unexpected URL";
      return f;
    }
    f.status = 200;
    f.body = nlohmann::json{{"keys", {key_b().public_part().to_jwk()}}}.dump();
    return f;
  };
  {
    ajwt::verifier<ajwt::sql_key_repository> v(ajwt::open_key_repository(b.url(), o));
    CHECK(v.verify_header(header(key_b(), "svc")).ok());
    CHECK(v.verify_header(header(key_c(), "svc")).ok());
    CHECK(fetches == 1);
  }
  CHECK(db.jwks_urls("svc").at(0).last_used.has_value());
  CHECK(db.keys("svc").at(0).last_used.has_value());
}

TEMPLATE_LIST_TEST_CASE(
    "key db repository: a URL without a fetcher fails closed unless the user's own keys "
    "serve",
    "[key_db]", backends) {
  TestType b;
  auto db = ajwt::open_key_database(b.url());
  db.trust_jwks_url("svc", "https://issuer.example/jwks.json");
  ajwt::verifier<ajwt::sql_key_repository> v(ajwt::open_key_repository(b.url(), quiet_options()));
  const auto r = v.verify_header(header(key_b(), "svc"));
  CHECK(why(r) == ajwt::reason::key_repository_unavailable);
  CHECK_THAT(r.detail(), Contains("no JWKS fetcher"));
  db.add_key("svc", key_c().public_part().to_pem());
  CHECK(within(1s, [&] { return v.verify_header(header(key_c(), "svc")).ok(); }));
}

TEMPLATE_LIST_TEST_CASE("key db: first uses racing on an empty database create the schema once", "[key_db]",
                        backends) {
  TestType b;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      try {
        auto db = ajwt::open_key_database(b.url());
        db.add_key("alice", key_a().public_part().to_pem());
      } catch (...) {
        ++failures;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  auto raw = b.raw();
  CHECK(count(*raw, "ajwt_schema_version") == 1);
  CHECK(count(*raw, "ajwt_keys") == 1);
}

TEMPLATE_LIST_TEST_CASE(
    "key db repository: a failing JWKS URL is tolerated only when the user's own key "
    "serves the token",
    "[key_db]", backends) {
  TestType b;
  auto db = ajwt::open_key_database(b.url());
  db.add_key("svc", key_c().public_part().to_pem());
  db.trust_jwks_url("svc", "https://down.example/jwks.json");
  db.trust_jwks_url("web", "http://127.0.0.1:1/jwks.json", /*allow_http=*/true);
  auto o = quiet_options();
  o.jwks_fetcher = [](const ajwt::fetch_request&) {
    ajwt::fetch_result f;
    f.error = "connection refused";
    return f;
  };
  ajwt::verifier<ajwt::sql_key_repository> v(ajwt::open_key_repository(b.url(), o));
  CHECK(v.verify_header(header(key_c(), "svc")).ok());  // its kid names the user's own key
  const auto r = v.verify_header(header(key_b(), "svc"));
  CHECK(why(r) == ajwt::reason::key_repository_unavailable);
  CHECK_THAT(r.detail(), Contains("connection refused"));
  // A plain http URL in the database is refused at fetch time unless the options allow it.
  const auto w = v.verify_header(header(key_b(), "web"));
  CHECK(why(w) == ajwt::reason::key_repository_unavailable);
  CHECK_THAT(w.detail(), Contains("plain http"));
}

TEST_CASE("key db repository: unknown usernames are remembered up to max_unknown_users", "[key_db]") {
  sqlite_backend b;
  auto db = ajwt::open_key_database(b.url());
  db.add_key("alice", key_a().public_part().to_pem());
  auto o = quiet_options();
  o.max_unknown_users = 3;
  auto repo = ajwt::open_key_repository(b.url(), o);
  REQUIRE(repo.find("alice", "") != nullptr);
  for (int i = 0; i < 50; ++i) CHECK(repo.find("nobody-" + std::to_string(i), "") == nullptr);
  CHECK(repo.cached_users() <= 1 + 3);
  CHECK(repo.find("alice", "") != nullptr);  // known users are never dropped for unknown ones
}

TEST_CASE("key db repository: last_used_interval 0 records nothing", "[key_db]") {
  sqlite_backend b;
  auto db = ajwt::open_key_database(b.url());
  db.add_key("alice", key_a().public_part().to_pem());
  {
    auto o = quiet_options();
    o.last_used_interval = std::chrono::milliseconds(0);
    ajwt::verifier<ajwt::sql_key_repository> v(ajwt::open_key_repository(b.url(), o));
    REQUIRE(v.verify_header(header(key_a(), "alice")).ok());
  }
  CHECK_FALSE(db.keys("alice").at(0).last_used.has_value());
}

TEST_CASE("key db repository: a stored key that no longer loads is skipped and logged, the others serve",
          "[key_db]") {
  sqlite_backend b;
  auto db = ajwt::open_key_database(b.url());
  db.add_key("alice", key_a().public_part().to_pem());
  db.add_key("alice", key_c().public_part().to_pem());
  b.raw()->run("UPDATE ajwt_keys SET key_text = 'garbage' WHERE kid = '" + key_a().kid() + "'");
  log_sink sink;
  ajwt::verifier<ajwt::sql_key_repository> v(ajwt::open_key_repository(b.url(), quiet_options(&sink)));
  CHECK(v.verify_header(header(key_c(), "alice")).ok());
  CHECK_FALSE(v.verify_header(header(key_a(), "alice")).ok());
  CHECK(sink.contains("is skipped"));
}

TEST_CASE("key db repository: options that make no sense are refused", "[key_db]") {
  sqlite_backend b;
  auto o = quiet_options();
  o.poll_interval = 5s;
  CHECK_THROWS_WITH(ajwt::open_key_repository(b.url(), o), Contains("poll_interval"));
  o = quiet_options();
  o.max_stale = -1s;
  CHECK_THROWS_WITH(ajwt::open_key_repository(b.url(), o), Contains("max_stale"));
  CHECK_THROWS_AS(ajwt::sql_key_repository(ajwt::sql_connector(), quiet_options()), ajwt::config_error);
}

// =========================================================================================================
// URLs

TEST_CASE("key db: URLs name SQLite files (absolute or relative) and PostgreSQL servers; others are refused",
          "[key_db]") {
  auto abs = ajwt::key_db_location::parse("sqlite:///var/lib/x/keys.db");
  CHECK(abs.kind == ajwt::key_db_location::backend::sqlite);
  CHECK(abs.target == "/var/lib/x/keys.db");
  auto rel = ajwt::key_db_location::parse("sqlite://rel/keys.db?mode=ro");
  CHECK(rel.target == (fs::current_path() / "rel/keys.db").string());
  CHECK(rel.read_only);
  auto pg = ajwt::key_db_location::parse("postgresql://u:secret@h:5432/db");
  CHECK(pg.kind == ajwt::key_db_location::backend::postgresql);
  CHECK(ajwt::key_db_location::parse("postgres://h/db").kind == ajwt::key_db_location::backend::postgresql);
  CHECK_THROWS_WITH(ajwt::key_db_location::parse("sqlite://"), Contains("names no file"));
  CHECK_THROWS_WITH(ajwt::key_db_location::parse("sqlite:///x.db?cache=shared"),
                    Contains("unknown SQLite option"));
  CHECK_THROWS_WITH(ajwt::key_db_location::parse("mysql://u:secret@h/db"),
                    Contains("expected sqlite") && !Contains("secret"));
  CHECK_THROWS_AS(ajwt::key_db_location::parse("keys.db"), ajwt::config_error);
  CHECK(ajwt::postgres_connection::redact("postgresql://u:secret@h/db") == "postgresql://u:***@h/db");
}

TEST_CASE("key db: an unreachable PostgreSQL is a clear error that never shows the password", "[key_db]") {
  // A port nothing listens on.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  const std::string url = "postgresql://u:hunter2@127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/db";
  try {
    (void)ajwt::open_key_database(url);
    FAIL("no exception");
  } catch (const ajwt::repository_unavailable& e) {
    CHECK_THAT(e.what(), Contains("cannot connect") && !Contains("hunter2"));
  }
  CHECK_THROWS_AS(ajwt::open_key_repository(url, quiet_options()), ajwt::repository_unavailable);
}

// =========================================================================================================
// SQLite faults

TEST_CASE("key db sqlite: a read-only database verifies, refuses changes, and logs failed last-used writes",
          "[key_db]") {
  sqlite_backend b;
  auto db = ajwt::open_key_database(b.url());
  db.add_key("alice", key_a().public_part().to_pem());
  const std::string ro = b.url() + "?mode=ro";
  auto ro_db = ajwt::open_key_database(ro);
  CHECK_THROWS_WITH(ro_db.add_key("alice", key_c().public_part().to_pem()), Contains("readonly"));
  CHECK(ro_db.keys("alice").size() == 1);
  log_sink sink;
  {
    ajwt::verifier<ajwt::sql_key_repository> v(ajwt::open_key_repository(ro, quiet_options(&sink)));
    CHECK(v.verify_header(header(key_a(), "alice")).ok());
    CHECK_THROWS(v.keys().flush_last_used());
    CHECK(v.verify_header(header(key_a(), "alice")).ok());  // a failed write never fails a verification
  }
  CHECK(sink.contains("last-used times not written"));
  CHECK_FALSE(db.keys("alice").at(0).last_used.has_value());
  // A read-only file without the schema cannot be given one.
  temp_dir other;
  { std::ofstream(other.path / "empty.db"); }
  CHECK_THROWS_AS(ajwt::open_key_database("sqlite://" + (other.path / "empty.db").string() + "?mode=ro"),
                  ajwt::error);
}

TEST_CASE("key db sqlite: a corrupt file is a clear error, for the admin view and the repository",
          "[key_db]") {
  temp_dir d;
  const auto path = d.path / "corrupt.db";
  {
    std::ofstream f(path, std::ios::binary);
    f << std::string(4096, 'x');
  }
  const std::string url = "sqlite://" + path.string();
  CHECK_THROWS_WITH(ajwt::open_key_database(url), Contains("not a database") && Contains(path.string()));
  CHECK_THROWS_AS(ajwt::open_key_repository(url, quiet_options()), ajwt::repository_unavailable);
}

TEST_CASE("key db sqlite: a database that goes corrupt while verifying fails closed after max_stale",
          "[key_db]") {
  sqlite_backend b;
  auto db = ajwt::open_key_database(b.url());
  db.add_key("alice", key_a().public_part().to_pem());
  auto o = quiet_options();
  o.max_stale = 600ms;
  ajwt::verifier<ajwt::sql_key_repository> v(ajwt::open_key_repository(b.url(), o));
  REQUIRE(v.verify_header(header(key_a(), "alice")).ok());
  {
    std::ofstream f(b.dir.path / "keys.db", std::ios::binary | std::ios::trunc);
    f << std::string(8192, 'y');
  }
  CHECK(within(1s, [&] { return !v.keys().database_reachable(); }));
  CHECK(why(v.verify_header(header(key_b(), "bob"))) == ajwt::reason::key_repository_unavailable);
  CHECK(within(2s, [&] {
    return why(v.verify_header(header(key_a(), "alice"))) == ajwt::reason::key_repository_unavailable;
  }));
}

// =========================================================================================================
// PostgreSQL outages, with a private server this test stops and restarts

class private_postgres {
 public:
  private_postgres() {
    bin_ = env("AJWT_POSTGRES_BIN");
    if (bin_.empty()) bin_ = "/usr/lib/postgresql/15/bin";
    if (::access((bin_ + "/initdb").c_str(), X_OK) != 0 || ::access((bin_ + "/pg_ctl").c_str(), X_OK) != 0)
      FAIL("PostgreSQL 15 binaries not found in " << bin_
                                                  << " (set AJWT_POSTGRES_BIN or install postgresql-15)");
    std::string t = (fs::temp_directory_path() / "ajwt-pg.XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    dir_ = t;
    ::chmod(dir_.c_str(), 0755);
    if (::geteuid() == 0) REQUIRE(std::system(("chown postgres: " + dir_).c_str()) == 0);
    REQUIRE(std::system(as_owner(bin_ + "/initdb -D " + dir_ +
                                 "/data -U ajwt --auth=trust -E UTF8 "
                                 "--locale=C.UTF-8 >" +
                                 dir_ + "/initdb.log 2>&1")
                            .c_str()) == 0);
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      if (start()) return;
    }
    FAIL("PostgreSQL did not start; see " << dir_ << "/postgres.log");
  }
  ~private_postgres() {
    stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  bool start() {
    return std::system(as_owner(bin_ + "/pg_ctl -D " + dir_ + "/data -l " + dir_ +
                                "/postgres.log -w -t 30 -o \"-p " + std::to_string(port_) +
                                " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir_ +
                                " -c fsync=off\" start >/dev/null 2>&1")
                           .c_str()) == 0;
  }

  /// Stops the server by its PID (fast shutdown) and waits until it is gone.
  void stop() {
    std::ifstream f(dir_ + "/data/postmaster.pid");
    pid_t pid = 0;
    if (!(f >> pid) || pid <= 0) return;
    ::kill(pid, SIGINT);
    for (int i = 0; i < 300 && !process_gone(pid); ++i) std::this_thread::sleep_for(20ms);
  }

  [[nodiscard]] std::string url() const {
    return "postgresql://ajwt@127.0.0.1:" + std::to_string(port_) + "/postgres";
  }

 private:
  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
  }
  std::string as_owner(const std::string& cmd) const {
    return ::geteuid() == 0 ? "runuser -u postgres -- sh -c '" + cmd + "'" : cmd;
  }

  std::string bin_, dir_;
  int port_ = 0;
};

TEST_CASE(
    "key db postgresql: stopped while verifying, cached users work for max_stale then fail closed; "
    "others fail closed at once; restarted, it recovers without a restart",
    "[key_db]") {
  private_postgres pg;
  {
    auto db = ajwt::open_key_database(pg.url());
    db.add_key("alice", key_a().public_part().to_pem());
    db.add_key("bob", key_b().public_part().to_pem());
  }
  log_sink sink;
  auto o = quiet_options(&sink);
  o.max_stale = 1500ms;
  ajwt::verifier<ajwt::sql_key_repository> v(ajwt::open_key_repository(pg.url(), o));
  REQUIRE(v.verify_header(header(key_a(), "alice")).ok());

  pg.stop();
  const auto stopped = std::chrono::steady_clock::now();
  CHECK(within(1s, [&] { return !v.keys().database_reachable(); }));
  CHECK(sink.contains("unreachable"));
  // Bob was never looked up: fail closed at once.
  const auto r = v.verify_header(header(key_b(), "bob"));
  CHECK(why(r) == ajwt::reason::key_repository_unavailable);
  // Alice is cached: served until max_stale, then fail closed.
  CHECK(v.verify_header(header(key_a(), "alice")).ok());
  CHECK(within(3s, [&] {
    return why(v.verify_header(header(key_a(), "alice"))) == ajwt::reason::key_repository_unavailable;
  }));
  CHECK(std::chrono::steady_clock::now() - stopped >= 1200ms);

  REQUIRE(pg.start());
  CHECK(within(5s, [&] { return v.keys().database_reachable(); }));
  CHECK(within(1s, [&] { return v.verify_header(header(key_a(), "alice")).ok(); }));
  CHECK(v.verify_header(header(key_b(), "bob")).ok());
  CHECK(sink.contains("reachable again"));
  // A change made while it was down is picked up too.
  auto db = ajwt::open_key_database(pg.url());
  db.remove_key("alice", key_a().kid());
  CHECK(within(1s, [&] { return !v.verify_header(header(key_a(), "alice")).ok(); }));
}

TEST_CASE("key db postgresql: a notification wakes the repository before the next poll", "[key_db]") {
  postgres_backend b;
  auto db = ajwt::open_key_database(b.url());
  auto o = quiet_options();
  o.poll_interval = 1s;  // the slowest poll: a change must still arrive well within it
  ajwt::verifier<ajwt::sql_key_repository> v(ajwt::open_key_repository(b.url(), o));
  CHECK(why(v.verify_header(header(key_a(), "alice"))) == ajwt::reason::unknown_user);
  std::this_thread::sleep_for(50ms);
  const auto t0 = std::chrono::steady_clock::now();
  db.add_key("alice", key_a().public_part().to_pem());
  REQUIRE(within(1s, [&] { return v.verify_header(header(key_a(), "alice")).ok(); }));
  CHECK(std::chrono::steady_clock::now() - t0 < 600ms);
}

}  // namespace
