// SPDX-License-Identifier: ISC
// Tests of the cpp-httplib integration (include/ajwt/http/httplib.hpp) against a real httplib::Server on
// loopback, called by a real httplib::Client and by ajwt::http::signing_client: accepted requests reach
// their handler with the verified user; a missing header, a replay, and a token bound to another method,
// URL or body get 401 with WWW-Authenticate: JWT and never reach the handler's effects; unprotected
// paths stay open; the outcome of each request is readable in the logger.
#include "ajwt/http/httplib.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ajwt/keys.hpp"
#include "ajwt/repository/static.hpp"
#include "ajwt/token.hpp"
#include "ajwt/verifier.hpp"
#include "support.hpp"

namespace {

using test_verifier = ajwt::verifier<ajwt::static_key_repository<>>;

const ajwt::private_key& alice_key() {
  return ajwt_test::cached_key("http_httplib/alice", ajwt::key_type::ed25519);
}

/// A httplib::Server on 127.0.0.1 protected by install_verification, serving:
///   GET /whoami           "hello USER" (from require())
///   POST /items           counts the bodies it acted on, answers "stored USER"
///   POST /careless        a handler that never asks for the token (the post-routing net must 401)
///   GET /healthz          unprotected
/// and logging every request's outcome.
struct protected_server {
  test_verifier verifier;
  httplib::Server http;
  std::string origin;
  std::optional<ajwt::http::httplib_verification<test_verifier>> auth;
  std::atomic<int> stored{0}, careless_ran{0};
  std::mutex log_mu;
  std::vector<ajwt::http::httplib_outcome> log;
  std::thread thread;
  int port = 0;

  protected_server() : verifier(make_keys(), make_options()) {
    port = http.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    origin = "http://127.0.0.1:" + std::to_string(port);
    ajwt::http::httplib_options o;
    o.origin = origin;
    o.protect = [](const httplib::Request& r) { return r.path != "/healthz"; };
    auth = ajwt::http::install_verification(http, verifier, o);
    http.Get("/whoami", [this](const httplib::Request& req, httplib::Response& res) {
      const auto* t = auth->require(req, res);
      if (!t) return;
      res.set_content("hello " + t->username(), "text/plain");
    });
    http.Post("/items", [this](const httplib::Request& req, httplib::Response& res) {
      const auto* t = auth->require(req, res);
      if (!t) return;
      ++stored;
      res.set_content("stored " + t->username(), "text/plain");
    });
    http.Post("/careless", [this](const httplib::Request&, httplib::Response& res) {
      ++careless_ran;
      res.set_content("secret", "text/plain");
    });
    http.Get("/healthz",
             [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
    http.set_logger([this](const httplib::Request& req, const httplib::Response&) {
      std::lock_guard<std::mutex> lock(log_mu);
      log.push_back(auth->outcome(req));
    });
    thread = std::thread([this] { http.listen_after_bind(); });
    for (int i = 0; i < 500 && !http.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    REQUIRE(http.is_running());
  }
  ~protected_server() {
    http.stop();
    thread.join();
  }

  static ajwt::static_key_repository<> make_keys() {
    ajwt::static_key_repository<> keys;
    keys.add("alice", alice_key().public_part());
    return keys;
  }
  static ajwt::verifier_options make_options() {
    ajwt::verifier_options o;
    o.require_binding = true;
    return o;
  }
  /// The outcome the logger saw nth (1-based). httplib logs after it has sent the response, so this waits
  /// (up to 5 s) for the logger to catch up; requests on different connections may be logged in either
  /// order.
  ajwt::http::httplib_outcome outcome(std::size_t nth) {
    for (int i = 0; i < 2500; ++i) {
      {
        std::lock_guard<std::mutex> lock(log_mu);
        if (log.size() >= nth) return log[nth - 1];
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    FAIL("the logger saw fewer than " << nth << " requests");
    return {};
  }
  std::string header(const std::string& method, const std::string& target,
                     const std::string& body = {}) const {
    return ajwt::token_builder(alice_key(), "alice").header({method, origin + target, body, std::nullopt});
  }
};

void require_unauthorized(const httplib::Result& res) {
  REQUIRE(res);
  CHECK(res->status == 401);
  CHECK(res->get_header_value("WWW-Authenticate") == "JWT");
  CHECK(res->body == "unauthorized\n");
}

}  // namespace

TEST_CASE("httplib: a signed GET reaches its handler with the verified user", "[http][httplib]") {
  protected_server s;
  ajwt::http::signing_client client(s.origin, ajwt::token_builder(alice_key(), "alice"));
  const auto res = client.Get("/whoami");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "hello alice");
  const auto o = s.outcome(1);
  CHECK(o.state == ajwt::http::httplib_outcome::status::accepted);
  CHECK(o.username == "alice");
}

TEST_CASE("httplib: a request without Authorization gets 401 and is logged as having no header",
          "[http][httplib]") {
  protected_server s;
  httplib::Client plain(s.origin);
  require_unauthorized(plain.Get("/whoami"));
  CHECK(s.outcome(1).state == ajwt::http::httplib_outcome::status::no_header);
  require_unauthorized(plain.Post("/items", "x", "text/plain"));
  CHECK(s.stored == 0);
}

TEST_CASE("httplib: a token bound to another method, URL or query gets 401 (request_mismatch)",
          "[http][httplib]") {
  protected_server s;
  httplib::Client plain(s.origin);
  std::size_t sent = 0;
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/whoami"}, {"GET", "/admin"}, {"GET", "/whoami?x=1"}}) {
    INFO(method << " " << target);
    require_unauthorized(plain.Get("/whoami", {{"Authorization", s.header(method, target)}}));
    const auto o = s.outcome(++sent);
    CHECK(o.state == ajwt::http::httplib_outcome::status::rejected);
    CHECK(o.why == ajwt::reason::request_mismatch);
  }
  // The same kind of header, made for this very request, is accepted: the refusals were the binding's.
  const auto res = plain.Get("/whoami", {{"Authorization", s.header("GET", "/whoami")}});
  REQUIRE(res);
  CHECK(res->status == 200);
}

TEST_CASE("httplib: a POST is bound to its body; another body gets 401 before the handler acts",
          "[http][httplib]") {
  protected_server s;
  httplib::Client plain(s.origin);
  require_unauthorized(plain.Post("/items", {{"Authorization", s.header("POST", "/items", "{\"n\":1}")}},
                                  "{\"n\":2}", "application/json"));
  CHECK(s.stored == 0);
  CHECK(s.outcome(1).why == ajwt::reason::request_mismatch);
  const auto ok = plain.Post("/items", {{"Authorization", s.header("POST", "/items", "{\"n\":1}")}},
                             "{\"n\":1}", "application/json");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->body == "stored alice");
  CHECK(s.stored == 1);
}

TEST_CASE("httplib: a handler that never asks for the token cannot send its answer to a refused request",
          "[http][httplib]") {
  protected_server s;
  httplib::Client plain(s.origin);
  const auto res =
      plain.Post("/careless", {{"Authorization", s.header("POST", "/careless", "a")}}, "b", "text/plain");
  require_unauthorized(res);
  CHECK(res->body.find("secret") == std::string::npos);
  ajwt::http::signing_client client(s.origin, ajwt::token_builder(alice_key(), "alice"));
  const auto ok = client.Post("/careless", "b", "text/plain");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->body == "secret");
}

TEST_CASE("httplib: a replayed header gets 401 (nonce_replayed)", "[http][httplib]") {
  protected_server s;
  httplib::Client plain(s.origin);
  const httplib::Headers h{{"Authorization", s.header("GET", "/whoami")}};
  const auto first = plain.Get("/whoami", h);
  REQUIRE(first);
  CHECK(first->status == 200);
  require_unauthorized(plain.Get("/whoami", h));
  // Each request has its own connection and worker thread, so the logger may see them in either order.
  const auto a = s.outcome(1), b = s.outcome(2);
  const auto& replay = a.state == ajwt::http::httplib_outcome::status::accepted ? b : a;
  const auto& accepted = a.state == ajwt::http::httplib_outcome::status::accepted ? a : b;
  CHECK(accepted.username == "alice");
  CHECK(replay.state == ajwt::http::httplib_outcome::status::rejected);
  CHECK(replay.why == ajwt::reason::nonce_replayed);
}

TEST_CASE("httplib: unprotected paths answer without a token", "[http][httplib]") {
  protected_server s;
  httplib::Client plain(s.origin);
  const auto res = plain.Get("/healthz");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(s.outcome(1).state == ajwt::http::httplib_outcome::status::not_protected);
}

TEST_CASE("httplib: signing_client signs every method with a fresh token bound to it", "[http][httplib]") {
  protected_server s;
  s.http.Put("/items", [&s](const httplib::Request& req, httplib::Response& res) {
    if (const auto* t = s.auth->require(req, res))
      res.set_content("put " + t->username() + " " + req.body, "text/plain");
  });
  s.http.Patch("/items", [&s](const httplib::Request& req, httplib::Response& res) {
    if (s.auth->require(req, res)) res.set_content("patch " + req.body, "text/plain");
  });
  s.http.Delete("/items/7", [&s](const httplib::Request& req, httplib::Response& res) {
    if (s.auth->require(req, res)) res.set_content("deleted", "text/plain");
  });
  ajwt::http::signing_client client(s.origin + "/", ajwt::token_builder(alice_key(), "alice"));
  for (int i = 0; i < 3; ++i) {  // a new nonce each time: no replay
    const auto get = client.Get("/whoami?i=" + std::to_string(i));
    REQUIRE(get);
    CHECK(get->status == 200);
  }
  const auto put = client.Put("/items", "v1", "text/plain");
  REQUIRE(put);
  CHECK(put->body == "put alice v1");
  const auto patch = client.Patch("/items", "v2", "text/plain");
  REQUIRE(patch);
  CHECK(patch->body == "patch v2");
  const auto del = client.Delete("/items/7");
  REQUIRE(del);
  CHECK(del->body == "deleted");
}

TEST_CASE("httplib: requests on several connections at once are each verified on their own thread",
          "[http][httplib]") {
  protected_server s;
  const ajwt::token_builder builder(alice_key(), "alice");
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client plain(s.origin);
      for (int i = 0; i < 10; ++i) {
        const std::string body = std::to_string(c) + ":" + std::to_string(i);
        const auto good = builder.header({"POST", s.origin + "/items", body, std::nullopt});
        const auto res = plain.Post("/items", {{"Authorization", good}}, body, "text/plain");
        if (res && res->status == 200) ++ok;
        const auto bad = plain.Post("/items", {{"Authorization", good}}, body + "!", "text/plain");
        if (bad && bad->status == 401) ++refused;
      }
    });
  }
  for (auto& t : clients) t.join();
  CHECK(ok == 40);
  CHECK(refused == 40);
  CHECK(s.stored == 40);
}

TEST_CASE(
    "httplib: install_verification and signing_client refuse an origin that is not scheme://host[:port]",
    "[http][httplib]") {
  httplib::Server http;
  const test_verifier v(ajwt::static_key_repository<>{});
  for (const char* bad : {"", "127.0.0.1:8080", "http://h/path", "ftp://h"}) {
    INFO(bad);
    ajwt::http::httplib_options o;
    o.origin = bad;
    CHECK_THROWS_AS(ajwt::http::install_verification(http, v, o), ajwt::config_error);
    CHECK_THROWS_AS(ajwt::http::signing_client(bad, ajwt::token_builder(alice_key(), "alice")),
                    ajwt::config_error);
  }
}
