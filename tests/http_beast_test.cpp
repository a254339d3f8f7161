// SPDX-License-Identifier: ISC
// Tests of the Boost.Beast adapter (include/ajwt/http/beast.hpp): to_http_request for each supported body
// type, and a real Beast server on loopback, called by a real Beast client, that accepts a signed request
// and answers 401 with WWW-Authenticate: JWT (keeping the connection alive) for a missing header and for a
// token bound to another method, target or body.
#include "ajwt/http/beast.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/ostream.hpp>
#include <boost/beast/http.hpp>

#include "ajwt/keys.hpp"
#include "ajwt/repository/static.hpp"
#include "ajwt/token.hpp"
#include "ajwt/verifier.hpp"
#include "support.hpp"

namespace {

namespace asio = boost::asio;
namespace bh = boost::beast::http;
using tcp = asio::ip::tcp;
using test_verifier = ajwt::verifier<ajwt::static_key_repository<>>;

const ajwt::private_key& carol_key() {
  return ajwt_test::cached_key("http_beast/carol", ajwt::key_type::ed25519);
}

/// A Beast server on 127.0.0.1 serving one connection at a time (keep-alive honoured) until stop().
struct beast_server {
  test_verifier verifier{make_keys(), make_options()};
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::string origin = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  std::atomic<bool> stopping{false};
  std::vector<std::string> log;  // written by the server thread, read after stop()
  std::thread thread{[this] { run(); }};

  ~beast_server() { stop(); }
  void stop() {
    if (stopping.exchange(true)) return;
    tcp::socket wake(io);  // unblocks accept()
    boost::system::error_code ec;
    wake.connect(acceptor.local_endpoint(), ec);
    thread.join();
  }
  void run() {
    for (;;) {
      tcp::socket socket(io);
      boost::system::error_code ec;
      acceptor.accept(socket, ec);
      if (stopping || ec) return;
      boost::beast::flat_buffer buffer;
      for (;;) {
        bh::request<bh::string_body> req;
        bh::read(socket, buffer, req, ec);
        if (ec) break;
        const auto r = ajwt::http::verify_request(verifier, req, origin);
        if (!r) {
          log.push_back(std::string(ajwt::to_string(r.reason())));
          bh::write(socket, ajwt::http::unauthorized_response(req), ec);
        } else {
          log.push_back("accepted " + r->username());
          bh::response<bh::string_body> res{bh::status::ok, req.version()};
          res.keep_alive(req.keep_alive());
          res.body() = "hello " + r->username();
          res.prepare_payload();
          bh::write(socket, res, ec);
        }
        if (ec || !req.keep_alive()) break;
      }
    }
  }
  static ajwt::static_key_repository<> make_keys() {
    ajwt::static_key_repository<> keys;
    keys.add("carol", carol_key().public_part());
    return keys;
  }
  static ajwt::verifier_options make_options() {
    ajwt::verifier_options o;
    o.require_binding = true;
    return o;
  }
};

/// A Beast client on one keep-alive connection.
struct beast_client {
  asio::io_context io;
  tcp::socket socket{io};
  boost::beast::flat_buffer buffer;
  explicit beast_client(const beast_server& s) { socket.connect(s.acceptor.local_endpoint()); }
  bh::response<bh::string_body> send(bh::verb method, const std::string& target, const std::string& body,
                                     const std::string& authorization) {
    bh::request<bh::string_body> req{method, target, 11};
    req.set(bh::field::host, "127.0.0.1");
    if (!authorization.empty()) req.set(bh::field::authorization, authorization);
    req.body() = body;
    req.prepare_payload();
    bh::write(socket, req);
    bh::response<bh::string_body> res;
    bh::read(socket, buffer, res);
    return res;
  }
};

std::string header_for(const beast_server& s, const std::string& method, const std::string& target,
                       const std::string& body = {}) {
  return ajwt::token_builder(carol_key(), "carol").header({method, s.origin + target, body, std::nullopt});
}

}  // namespace

TEST_CASE("beast: to_http_request takes the method, origin + target and the body of each body type",
          "[http][beast]") {
  bh::request<bh::string_body> s{bh::verb::post, "/v1/items?id=7", 11};
  s.body() = "payload";
  auto r = ajwt::http::to_http_request(s, "https://api.example.com");
  CHECK(r.method == "POST");
  CHECK(r.url == "https://api.example.com/v1/items?id=7");
  CHECK(r.body == std::optional<std::string>("payload"));

  bh::request<bh::vector_body<unsigned char>> v{bh::verb::put, "/x", 11};
  v.body() = {'a', 0, 'b'};
  CHECK(ajwt::http::to_http_request(v, "http://h").body ==
        std::optional<std::string>(std::string("a\0b", 3)));

  bh::request<bh::dynamic_body> d{bh::verb::patch, "/y", 11};
  boost::beast::ostream(d.body()) << "dyn" << 42;
  r = ajwt::http::to_http_request(d, "http://h:8080");
  CHECK(r.method == "PATCH");
  CHECK(r.body == std::optional<std::string>("dyn42"));

  bh::request<bh::empty_body> e{bh::verb::get, "/", 11};
  r = ajwt::http::to_http_request(e, "http://h");
  CHECK(r.url == "http://h/");
  CHECK_FALSE(r.body.has_value());

  bh::request<bh::string_body> custom;
  custom.method_string("PROPFIND");
  custom.target("/dav");
  CHECK(ajwt::http::to_http_request(custom, "http://h").method == "PROPFIND");
}

TEST_CASE("beast: unauthorized_response is a 401 with WWW-Authenticate, the request's version and keep-alive",
          "[http][beast]") {
  bh::request<bh::empty_body> req{bh::verb::get, "/", 10};
  req.keep_alive(true);
  const auto res = ajwt::http::unauthorized_response(req);
  CHECK(res.result() == bh::status::unauthorized);
  CHECK(res[bh::field::www_authenticate] == "JWT");
  CHECK(res.version() == 10);
  CHECK(res.keep_alive());
  CHECK(res.body() == "unauthorized\n");
  CHECK(ajwt::http::unauthorized_response(req, "Custom")[bh::field::www_authenticate] == "Custom");
}

TEST_CASE("beast: a real server accepts a signed request and refuses the others with 401", "[http][beast]") {
  beast_server server;
  {
    beast_client c(server);
    auto res = c.send(bh::verb::post, "/items?q=1", "{\"n\":1}",
                      header_for(server, "POST", "/items?q=1", "{\"n\":1}"));
    CHECK(res.result() == bh::status::ok);
    CHECK(res.body() == "hello carol");
    res = c.send(bh::verb::get, "/whoami", "", "");
    CHECK(res.result() == bh::status::unauthorized);
    CHECK(res[bh::field::www_authenticate] == "JWT");
    res = c.send(bh::verb::get, "/whoami", "", header_for(server, "POST", "/whoami"));
    CHECK(res.result() == bh::status::unauthorized);
    res = c.send(bh::verb::get, "/whoami", "", header_for(server, "GET", "/admin"));
    CHECK(res.result() == bh::status::unauthorized);
    res = c.send(bh::verb::post, "/items", "{\"n\":2}", header_for(server, "POST", "/items", "{\"n\":1}"));
    CHECK(res.result() == bh::status::unauthorized);
    // The connection stayed usable through the refusals.
    res = c.send(bh::verb::get, "/whoami", "", header_for(server, "GET", "/whoami"));
    CHECK(res.result() == bh::status::ok);
  }
  server.stop();
  CHECK(server.log == std::vector<std::string>{"accepted carol", "malformed_header", "request_mismatch",
                                               "request_mismatch", "request_mismatch", "accepted carol"});
}
