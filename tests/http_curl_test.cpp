// SPDX-License-Identifier: ISC
// Tests of the libcurl helper (include/ajwt/http/curl.hpp) against a real httplib::Server on loopback
// protected by ajwt::http::install_verification with binding required: GET, POST, PUT, DELETE and HEAD
// requests set up and signed by prepare_signed_request are accepted; a handle whose body or URL is
// changed after signing is refused; sign_prepared_request reads the URL from the handle.
#include "ajwt/http/curl.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "ajwt/http/httplib.hpp"
#include "ajwt/keys.hpp"
#include "ajwt/repository/static.hpp"
#include "ajwt/verifier.hpp"
#include "support.hpp"

namespace {

using test_verifier = ajwt::verifier<ajwt::static_key_repository<>>;

const ajwt::private_key& bob_key() { return ajwt_test::cached_key("http_curl/bob", ajwt::key_type::ec_p256); }

/// Answers every method on /echo with "METHOD USER BODY" once verified.
struct echo_server {
  test_verifier verifier{make_keys(), make_options()};
  httplib::Server http;
  std::string origin;
  std::thread thread;

  echo_server() {
    const int port = http.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    origin = "http://127.0.0.1:" + std::to_string(port);
    ajwt::http::httplib_options o;
    o.origin = origin;
    auto auth = ajwt::http::install_verification(http, verifier, o);
    const auto echo = [auth](const httplib::Request& req, httplib::Response& res) {
      if (const auto* t = auth.require(req, res))
        res.set_content(req.method + " " + t->username() + " " + req.body, "text/plain");
    };
    http.Get("/echo", echo);
    http.Post("/echo", echo);
    http.Put("/echo", echo);
    http.Delete("/echo", echo);
    http.Get("/other", echo);
    thread = std::thread([this] { http.listen_after_bind(); });
    for (int i = 0; i < 500 && !http.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    REQUIRE(http.is_running());
  }
  ~echo_server() {
    http.stop();
    thread.join();
  }
  static ajwt::static_key_repository<> make_keys() {
    ajwt::static_key_repository<> keys;
    keys.add("bob", bob_key().public_part());
    return keys;
  }
  static ajwt::verifier_options make_options() {
    ajwt::verifier_options o;
    o.require_binding = true;
    return o;
  }
};

std::size_t append(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

struct easy {
  CURL* h = curl_easy_init();
  std::string body;
  easy() {
    REQUIRE(h);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &append);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
  }
  ~easy() { curl_easy_cleanup(h); }
  long perform() {
    body.clear();
    REQUIRE(curl_easy_perform(h) == CURLE_OK);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }
};

}  // namespace

TEST_CASE("curl: requests set up and signed by prepare_signed_request are accepted, each method",
          "[http][curl]") {
  echo_server s;
  const ajwt::token_builder signer(bob_key(), "bob");
  easy e;  // one handle, reused: each call resets the method and the body
  ajwt::http::curl_header_list headers;
  headers.append("Content-Type: text/plain");
  struct call {
    const char* method;
    std::optional<std::string> body;
    const char* want;
  };
  for (const call& c :
       {call{"GET", std::nullopt, "GET bob "}, call{"POST", std::string("a\0b", 3), nullptr},
        call{"PUT", std::string("v=1"), "PUT bob v=1"}, call{"DELETE", std::nullopt, "DELETE bob "},
        call{"POST", std::string(), "POST bob "}, call{"GET", std::nullopt, "GET bob "}}) {
    INFO(c.method);
    ajwt::http::prepare_signed_request(e.h, signer, {c.method, s.origin + "/echo", c.body, std::nullopt},
                                       headers);
    CHECK(e.perform() == 200);
    CHECK(e.body == (c.want ? std::string(c.want) : std::string("POST bob a\0b", 12)));
  }
  // HEAD: httplib answers it with the GET handler, the method seen is HEAD, as signed.
  ajwt::http::prepare_signed_request(e.h, signer, {"HEAD", s.origin + "/echo", std::nullopt, std::nullopt},
                                     headers);
  CHECK(e.perform() == 200);
  CHECK(e.body.empty());
}

TEST_CASE("curl: a handle changed after signing (body, URL, method) is refused with 401", "[http][curl]") {
  echo_server s;
  const ajwt::token_builder signer(bob_key(), "bob");
  ajwt::http::curl_header_list headers;
  {
    easy e;
    ajwt::http::prepare_signed_request(
        e.h, signer, {"POST", s.origin + "/echo", std::string("mine"), std::nullopt}, headers);
    curl_easy_setopt(e.h, CURLOPT_COPYPOSTFIELDS, "theirs");
    CHECK(e.perform() == 401);
    CHECK(e.body == "unauthorized\n");
  }
  {
    easy e;
    ajwt::http::prepare_signed_request(e.h, signer, {"GET", s.origin + "/echo", std::nullopt, std::nullopt},
                                       headers);
    curl_easy_setopt(e.h, CURLOPT_URL, (s.origin + "/other").c_str());
    CHECK(e.perform() == 401);
  }
  {
    easy e;
    ajwt::http::prepare_signed_request(e.h, signer,
                                       {"PUT", s.origin + "/echo", std::string("x"), std::nullopt}, headers);
    curl_easy_setopt(e.h, CURLOPT_CUSTOMREQUEST, "POST");
    CHECK(e.perform() == 401);
  }
}

TEST_CASE("curl: sign_prepared_request takes the URL from the handle; the method and body from the caller",
          "[http][curl]") {
  echo_server s;
  const ajwt::token_builder signer(bob_key(), "bob");
  ajwt::http::curl_header_list headers;
  headers.append("authorization: JWT stale");  // replaced, never sent twice
  easy e;
  curl_easy_setopt(e.h, CURLOPT_URL, (s.origin + "/echo?q=1").c_str());
  curl_easy_setopt(e.h, CURLOPT_POSTFIELDS, "payload");
  ajwt::http::sign_prepared_request(e.h, signer, "POST", std::string("payload"), headers);
  CHECK(e.perform() == 200);
  CHECK(e.body == "POST bob payload");
  std::size_t lines = 0;
  for (curl_slist* p = headers.get(); p; p = p->next) ++lines;
  CHECK(lines == 1);
  // A handle with no URL cannot be signed.
  easy fresh;
  CHECK_THROWS_AS(ajwt::http::sign_prepared_request(fresh.h, signer, "GET", std::nullopt, headers),
                  ajwt::error);
}
