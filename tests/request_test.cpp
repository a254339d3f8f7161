// SPDX-License-Identifier: ISC
// Tests of request binding (include/ajwt/request.hpp, an ajwt extension modelled on RFC 9449 DPoP): URL
// normalisation (RFC 3986 sections 6.2.2 and 6.2.3, as RFC 9449 section 4.3 asks), the four binding
// claims htm/htu/htq/htb with their exact values, token_builder::bind, and every accept and reject rule of
// ajwt::verifier with a request: request_mismatch for a missing or different method, URL, query or body,
// acceptance of equivalent URLs and of precomputed body hashes, wire compatibility with verifiers that
// are given no request, and that a rejected binding never records a nonce.
#include "ajwt/request.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ajwt/clock.hpp"
#include "ajwt/detail/base64.hpp"
#include "ajwt/error.hpp"
#include "ajwt/jws.hpp"
#include "ajwt/keys.hpp"
#include "ajwt/nonce/memory.hpp"
#include "ajwt/nonce_store.hpp"
#include "ajwt/repository/static.hpp"
#include "ajwt/token.hpp"
#include "ajwt/verifier.hpp"
#include "support.hpp"

namespace {

using ajwt::reason;

constexpr std::int64_t t0 = 1'700'000'000;

// Known answers (FIPS 180-2 appendix B.1 and the digest of the empty string), base64url without padding.
constexpr std::string_view sha256_of_empty = "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU";
constexpr std::string_view sha256_of_abc = "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0";

const ajwt::private_key& client_key() {
  return ajwt_test::cached_key("request/client_key", ajwt::key_type::ed25519);
}

/// The normalised target of `url`, or "<rejected>" when normalize_url refuses it.
std::string target_of(std::string_view url) {
  const auto u = ajwt::normalize_url(url);
  return u ? u->target : "<rejected>";
}

/// The normalised query of `url` (which must be accepted).
std::string query_of(std::string_view url) {
  const auto u = ajwt::normalize_url(url);
  REQUIRE(u.has_value());
  return u->query;
}

ajwt::http_request request(std::string method, std::string url,
                           std::optional<std::string> body = std::nullopt) {
  ajwt::http_request r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.body = std::move(body);
  return r;
}

using ajwt_test::counting_nonce_store;

using test_verifier = ajwt::verifier<ajwt::static_key_repository<>, counting_nonce_store, ajwt::fixed_clock>;

/// alice's key registered, the clock at t0, a counting store shared with every verifier made here.
struct world {
  ajwt::static_key_repository<> keys;
  counting_nonce_store nonces;
  ajwt::fixed_clock clock{t0};

  world() { keys.add("alice", client_key().public_part()); }

  [[nodiscard]] test_verifier make(bool require_binding) const {
    ajwt::verifier_options o;
    o.require_binding = require_binding;
    return test_verifier(keys, o, nonces, clock);
  }
};

/// A builder for alice at t0; each token() has a fresh nonce.
ajwt::token_builder alice() {
  ajwt::token_builder b(client_key(), "alice");
  b.time(t0);
  return b;
}

/// A token for alice bound to `req`.
std::string bound_to(const ajwt::http_request& req) { return alice().bind(req).token(); }

/// A token for alice with these extra claims and no others.
std::string with_claims(const nlohmann::json& extra) {
  auto b = alice();
  for (const auto& [name, value] : extra.items()) b.claim(name, value);
  return b.token();
}

/// The claims of a token, decoded without verifying it.
nlohmann::json claims_of(std::string_view token) {
  const auto d = ajwt::jws::decode(token);
  REQUIRE(d.ok());
  return nlohmann::json::parse(d->payload);
}

/// How a verification ended, printable as the reason's name or "accepted".
struct verdict {
  std::optional<reason> why;
  std::string detail;
  bool operator==(reason r) const { return why == r; }
  [[nodiscard]] bool accepted() const { return !why; }
};
std::ostream& operator<<(std::ostream& os, const verdict& v) {
  return os << (v.why ? std::string(ajwt::to_string(*v.why)) + ": " + v.detail : std::string("accepted"));
}

/// Verifies `token` (as "JWT <token>") on a fresh verifier, with `req` when given. Checks that a rejected
/// token never reached the nonce store and an accepted one reached it once.
verdict outcome(const std::string& token, const std::optional<ajwt::http_request>& req,
                bool require_binding) {
  const world w;
  const auto v = w.make(require_binding);
  const std::string header = "JWT " + token;
  const auto r = req ? v.verify_header(header, *req) : v.verify_header(header);
  if (r.ok()) {
    CHECK(w.nonces.records() == 1);
    return {};
  }
  CHECK(w.nonces.records() == 0);
  CHECK_FALSE(r.detail().empty());
  return {r.reason(), r.detail()};
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// normalize_url: accepted forms and their normal form.

TEST_CASE("normalize_url lower-cases the scheme and the host but not the path", "[request][url]") {
  CHECK(target_of("HTTP://API.Example.COM/Items/A") == "http://api.example.com/Items/A");
  CHECK(target_of("HtTpS://Example.com/") == "https://example.com/");
}

TEST_CASE("normalize_url removes the default port of the scheme and keeps any other", "[request][url]") {
  CHECK(target_of("http://example.com:80/a") == "http://example.com/a");
  CHECK(target_of("https://example.com:443/a") == "https://example.com/a");
  CHECK(target_of("http://example.com:0080/a") == "http://example.com/a");  // leading zeros: still port 80
  CHECK(target_of("http://example.com:443/a") == "http://example.com:443/a");
  CHECK(target_of("https://example.com:80/a") == "https://example.com:80/a");
  CHECK(target_of("http://127.0.0.1:8080/a") == "http://127.0.0.1:8080/a");
  CHECK(target_of("http://example.com:65535/") == "http://example.com:65535/");
  CHECK(target_of("http://example.com:08080/") == "http://example.com:8080/");
  // RFC 3986 section 6.2.3: an empty port is the default port.
  CHECK(target_of("http://example.com:/a") == "http://example.com/a");
}

TEST_CASE("normalize_url makes an empty path \"/\"", "[request][url]") {
  CHECK(target_of("http://example.com") == "http://example.com/");
  CHECK(target_of("https://example.com:8443") == "https://example.com:8443/");
  CHECK(target_of("http://example.com?x=1") == "http://example.com/");
  CHECK(target_of("http://example.com#top") == "http://example.com/");
}

TEST_CASE(
    "normalize_url decodes unreserved characters, upper-cases other percent-encodings and keeps them encoded",
    "[request][url]") {
  CHECK(target_of("http://example.com/%7euser/%41%62c") == "http://example.com/~user/Abc");
  CHECK(target_of("http://example.com/a%2fb") == "http://example.com/a%2Fb");  // an encoded '/' is not a '/'
  CHECK(target_of("http://example.com/a%2Fb") == "http://example.com/a%2Fb");
  CHECK(target_of("http://example.com/%e2%82%ac") == "http://example.com/%E2%82%AC");
  CHECK(target_of("http://example.com/%20") == "http://example.com/%20");
  CHECK(target_of("http://ex%61mple.com/") == "http://example.com/");
  CHECK(target_of("http://EX%41MPLE.com/") == "http://example.com/");
}

TEST_CASE("normalize_url removes dot segments, also percent-encoded ones", "[request][url]") {
  CHECK(target_of("http://example.com/a/./b/../c") == "http://example.com/a/c");
  CHECK(target_of("http://example.com/a/b/..") == "http://example.com/a/");
  CHECK(target_of("http://example.com/a/.") == "http://example.com/a/");
  CHECK(target_of("http://example.com/..") == "http://example.com/");
  CHECK(target_of("http://example.com/../../a") == "http://example.com/a");
  CHECK(target_of("http://example.com/a/b/../../../c") == "http://example.com/c");
  CHECK(target_of("http://example.com/%2e%2e/a/%2E/b") == "http://example.com/a/b");
  CHECK(target_of("http://example.com/a..b/.c/c.") == "http://example.com/a..b/.c/c.");  // not dot segments
}

TEST_CASE(
    "normalize_url splits off the query, drops the fragment, and normalises the query's percent-encodings",
    "[request][url]") {
  CHECK(target_of("http://example.com/a?x=1#frag") == "http://example.com/a");
  CHECK(query_of("http://example.com/a?x=1#frag") == "x=1");
  CHECK(query_of("http://example.com/a?b=%7e&c=%2f&d=%41") == "b=~&c=%2F&d=A");
  CHECK(query_of("http://example.com/a?x=1&y=/?z") == "x=1&y=/?z");
  CHECK(query_of("http://example.com/a") == "");
  CHECK(query_of("http://example.com/a?") == "");
  CHECK(query_of("http://example.com/a#x?y=1") == "");  // '?' after '#' is part of the fragment
  // The order of parameters is kept: the query is bound as sent, not as a set of parameters.
  CHECK(query_of("http://example.com/a?b=2&a=1") == "b=2&a=1");
}

TEST_CASE("normalize_url accepts bracketed IPv6 literals, lower-cased, with or without a port",
          "[request][url]") {
  CHECK(target_of("http://[::1]/a") == "http://[::1]/a");
  CHECK(target_of("http://[::1]:8080/a") == "http://[::1]:8080/a");
  CHECK(target_of("https://[2001:DB8::1]:443/") == "https://[2001:db8::1]/");
  CHECK(target_of("http://[::1]") == "http://[::1]/");
}

TEST_CASE("normalize_url keeps characters of the path that RFC 3986 allows unencoded", "[request][url]") {
  CHECK(target_of("http://example.com/a:b@c!$&'()*+,;=") == "http://example.com/a:b@c!$&'()*+,;=");
}

// ---------------------------------------------------------------------------------------------------------
// normalize_url: what it refuses.

TEST_CASE("normalize_url refuses anything that is not an absolute http or https URL", "[request][url]") {
  for (const char* url :
       {"", "/a/b", "example.com/a", "//example.com/a", "ftp://example.com/a", "ws://example.com/",
        "file:///etc/passwd", "mailto:alice@example.com", "http:/example.com/a", "http:example.com",
        "https:", ":http://example.com/", "httpx://example.com/", "http://", "http:///a", "http://:80/a",
        "http://?x=1", "javascript:alert(1)"}) {
    INFO(url);
    CHECK(target_of(url) == "<rejected>");
  }
}

TEST_CASE("normalize_url refuses user info in the authority", "[request][url]") {
  CHECK(target_of("http://alice@example.com/a") == "<rejected>");
  CHECK(target_of("http://alice:secret@example.com/a") == "<rejected>");
  CHECK(target_of("http://@example.com/a") == "<rejected>");
  // An '@' in the path or the query is not user info.
  CHECK(target_of("http://example.com/a@b") == "http://example.com/a@b");
  CHECK(query_of("http://example.com/a?mail=a@b") == "mail=a@b");
}

TEST_CASE("normalize_url refuses ports that are not a number from 0 to 65535", "[request][url]") {
  for (const char* url :
       {"http://example.com:65536/", "http://example.com:99999999999999999999/", "http://example.com:-1/",
        "http://example.com:+80/", "http://example.com:8a/", "http://example.com:80 /",
        "http://example.com: 80/", "http://[::1]:x/", "http://[::1]:65536/"}) {
    INFO(url);
    CHECK(target_of(url) == "<rejected>");
  }
}

TEST_CASE("normalize_url refuses malformed percent-encodings in the host, path and query", "[request][url]") {
  for (const char* url :
       {"http://example.com/%", "http://example.com/%4", "http://example.com/%zz", "http://example.com/%4g",
        "http://example.com/a%", "http://ex%zzample.com/", "http://example.com/?q=%",
        "http://example.com/?q=%2", "http://example.com/?q=%%41"}) {
    INFO(url);
    CHECK(target_of(url) == "<rejected>");
  }
}

TEST_CASE(
    "normalize_url refuses spaces, control characters, non-ASCII bytes and characters a URI cannot hold",
    "[request][url]") {
  using std::string_literals::operator""s;
  for (const std::string& url :
       {"http://example.com/a b"s, "http://example.com/a\tb"s, "http://example.com/a\nb"s,
        "http://example.com/a\rb"s, "http://example.com/a\0b"s, "http://example.com/a\x7f"s,
        "http://example.com/caf\xc3\xa9"s, "http://exa mple.com/"s, "http://example.com/?q=a b"s,
        "http://example.com/?q=\x01"s, "http://example.com/a\"b"s, "http://example.com/<a>"s,
        "http://example.com/a\\b"s, "http://example.com/a^b"s, "http://example.com/a`b"s,
        "http://example.com/{a}"s, "http://example.com/a|b"s, " http://example.com/"s,
        "http://example.com/ "s}) {
    INFO(nlohmann::json(url).dump(-1, ' ', true));
    CHECK(target_of(url) == "<rejected>");
  }
}

TEST_CASE("normalize_url refuses IPv6 literals without their closing bracket or with text after it",
          "[request][url]") {
  for (const char* url :
       {"http://[::1/a", "http://[::1", "http://[::1]x/a", "http://[::1]80/a", "http://[]x/"}) {
    INFO(url);
    CHECK(target_of(url) == "<rejected>");
  }
}

// ---------------------------------------------------------------------------------------------------------
// binding_claims::of and token_builder::bind.

TEST_CASE(
    "binding_claims::of gives the method as sent, the normalised URL and SHA-256 digests of query and body",
    "[request][claims]") {
  const auto b =
      ajwt::binding_claims::of(request("POST", "HTTPS://Api.Example.com:443/v1/./items?abc#frag", "abc"));
  CHECK(b.htm == "POST");
  CHECK(b.htu == "https://api.example.com/v1/items");
  CHECK(b.htq == sha256_of_abc);
  CHECK(b.htb == sha256_of_abc);
}

TEST_CASE("binding_claims::of hashes the empty string for no query and for an absent or empty body",
          "[request][claims]") {
  for (const char* url : {"http://example.com/a", "http://example.com/a?", "http://example.com/a#x"}) {
    INFO(url);
    const auto b = ajwt::binding_claims::of(request("GET", url));
    CHECK(b.htq == sha256_of_empty);
    CHECK(b.htb == sha256_of_empty);
  }
  CHECK(ajwt::binding_claims::of(request("GET", "http://example.com/", "")).htb == sha256_of_empty);
}

TEST_CASE("binding_claims::of hashes the percent-normalised query", "[request][claims]") {
  // %61 is 'a', an unreserved character: decoded before hashing.
  CHECK(ajwt::binding_claims::of(request("GET", "http://example.com/?%61bc")).htq == sha256_of_abc);
  CHECK(ajwt::binding_claims::of(request("GET", "http://example.com/?x=%2f")).htq ==
        ajwt::binding_claims::of(request("GET", "http://example.com/?x=%2F")).htq);
  CHECK(ajwt::binding_claims::of(request("GET", "http://example.com/?x=%2F")).htq !=
        ajwt::binding_claims::of(request("GET", "http://example.com/?x=/")).htq);
}

TEST_CASE("binding_claims::of keeps the method's case: methods are case-sensitive", "[request][claims]") {
  CHECK(ajwt::binding_claims::of(request("get", "http://example.com/")).htm == "get");
  CHECK(ajwt::binding_claims::of(request("PATCH", "http://example.com/")).htm == "PATCH");
}

TEST_CASE("binding_claims::of takes a precomputed body hash as it is, instead of the body",
          "[request][claims]") {
  auto req = request("PUT", "http://example.com/upload", "ignored when a hash is given");
  req.body_sha256 = ajwt::body_sha256("abc");
  CHECK(*req.body_sha256 == sha256_of_abc);
  CHECK(ajwt::binding_claims::of(req).htb == sha256_of_abc);
  CHECK(ajwt::body_sha256("") == sha256_of_empty);
}

TEST_CASE("binding_claims::of and token_builder::bind refuse an empty method or a URL normalize_url refuses",
          "[request][claims]") {
  CHECK_THROWS_AS(ajwt::binding_claims::of(request("", "http://example.com/")), ajwt::config_error);
  for (const char* url :
       {"", "example.com/a", "ftp://example.com/", "http://alice@example.com/", "http://x:99999/"}) {
    INFO(url);
    CHECK_THROWS_AS(ajwt::binding_claims::of(request("GET", url)), ajwt::config_error);
    auto b = alice();
    CHECK_THROWS_AS(b.bind(request("GET", url)), ajwt::config_error);
  }
  auto b = alice();
  CHECK_THROWS_AS(b.bind(request("", "http://example.com/")), ajwt::config_error);
}

TEST_CASE("token_builder::bind adds exactly htm, htu, htq and htb with binding_claims::of's values",
          "[request][claims]") {
  const auto req = request("DELETE", "http://Example.com:80/items/7?force=1", "{}");
  const auto want = ajwt::binding_claims::of(req);
  const auto claims = claims_of(bound_to(req));
  CHECK(claims.size() == 7);  // username, time, nonce and the four binding claims
  CHECK(claims.at("htm") == want.htm);
  CHECK(claims.at("htu") == want.htu);
  CHECK(claims.at("htq") == want.htq);
  CHECK(claims.at("htb") == want.htb);
  CHECK(claims.at("htu") == "http://example.com/items/7");
  CHECK(ajwt::claim::method == "htm");
  CHECK(ajwt::claim::uri == "htu");
  CHECK(ajwt::claim::query_hash == "htq");
  CHECK(ajwt::claim::body_hash == "htb");
}

TEST_CASE("binding again replaces the earlier binding claims", "[request][claims]") {
  auto b = alice();
  b.bind(request("POST", "http://example.com/a", "one")).bind(request("GET", "http://example.com/b"));
  const auto claims = claims_of(b.token());
  CHECK(claims.at("htm") == "GET");
  CHECK(claims.at("htu") == "http://example.com/b");
  CHECK(claims.at("htb") == sha256_of_empty);
}

// ---------------------------------------------------------------------------------------------------------
// The verifier with a request: what is accepted.

TEST_CASE("a token bound to a request is accepted for that request, binding required or not",
          "[request][verifier]") {
  const auto req = request("POST", "http://api.example.com/a?x=1", "{\"amount\":5}");
  CHECK(outcome(bound_to(req), req, true).accepted());
  CHECK(outcome(bound_to(req), req, false).accepted());
}

TEST_CASE("a bound token is accepted for a request whose URL normalises to the same target and query",
          "[request][verifier]") {
  const auto client_side = request("GET", "http://api.example.com/a/b?x=~&y=%2F");
  for (const char* received :
       {"HTTP://API.EXAMPLE.COM:80/a/b?x=~&y=%2F", "http://api.example.com/a/./c/../b?x=%7E&y=%2f",
        "http://api.example.com/%61/%62?%78=~&y=%2F", "http://api.example.com/a/b?x=~&y=%2F#fragment",
        "http://api.example.com:/a/b?x=~&y=%2F"}) {
    INFO(received);
    CHECK(outcome(bound_to(client_side), request("GET", received), true).accepted());
  }
}

TEST_CASE("a precomputed body hash and the body itself bind equally, on either side", "[request][verifier]") {
  const std::string body(100000, 'x');
  auto streamed = request("PUT", "http://example.com/blob");
  streamed.body_sha256 = ajwt::body_sha256(body);
  const auto whole = request("PUT", "http://example.com/blob", body);
  CHECK(outcome(bound_to(streamed), whole, true).accepted());
  CHECK(outcome(bound_to(whole), streamed, true).accepted());
  CHECK(outcome(bound_to(streamed), streamed, true).accepted());
}

TEST_CASE("an absent body and an empty body bind equally", "[request][verifier]") {
  CHECK(outcome(bound_to(request("GET", "http://example.com/a")), request("GET", "http://example.com/a", ""),
                true)
            .accepted());
  CHECK(outcome(bound_to(request("GET", "http://example.com/a", "")), request("GET", "http://example.com/a"),
                true)
            .accepted());
}

TEST_CASE(
    "wire compatibility: a bound token is accepted by a verifier given no request that does not require "
    "binding",
    "[request][verifier][compat]") {
  const auto token = bound_to(request("POST", "https://api.example.com/a", "body"));
  CHECK(outcome(token, std::nullopt, false).accepted());
  // verify_token without a request, likewise.
  const world w;
  CHECK(w.make(false).verify_token(bound_to(request("GET", "http://example.com/"))).ok());
}

TEST_CASE("an unbound token is accepted with a request when binding is not required",
          "[request][verifier][compat]") {
  CHECK(outcome(alice().token(), request("GET", "http://example.com/a"), false).accepted());
}

TEST_CASE("the verified token shows the binding claims", "[request][verifier]") {
  const auto req = request("GET", "http://example.com/a?q=1");
  const world w;
  const auto r = w.make(true).verify_header("JWT " + bound_to(req), req);
  REQUIRE(r.ok());
  CHECK(r->claims().at("htm") == "GET");
  CHECK(r->claims().at("htu") == "http://example.com/a");
  CHECK(r->claims().at("htq") == ajwt::binding_claims::of(req).htq);
  CHECK(r->claims().at("htb") == sha256_of_empty);
}

// ---------------------------------------------------------------------------------------------------------
// The verifier with a request: what is refused, with request_mismatch.

TEST_CASE("a token bound to GET /a is refused for GET /b, POST /a, GET /a?x=2 and GET /a with a body",
          "[request][verifier][mismatch]") {
  const auto bound = request("GET", "https://api.example.com/a");
  for (const bool required : {true, false}) {
    INFO("require_binding " << required);
    CHECK(outcome(bound_to(bound), request("GET", "https://api.example.com/b"), required) ==
          reason::request_mismatch);
    CHECK(outcome(bound_to(bound), request("POST", "https://api.example.com/a"), required) ==
          reason::request_mismatch);
    CHECK(outcome(bound_to(bound), request("GET", "https://api.example.com/a?x=2"), required) ==
          reason::request_mismatch);
    CHECK(outcome(bound_to(bound), request("GET", "https://api.example.com/a", "x"), required) ==
          reason::request_mismatch);
  }
}

TEST_CASE("each mismatch names what differs", "[request][verifier][mismatch]") {
  const auto bound = request("GET", "https://api.example.com/a?x=1", "b");
  const auto method = outcome(bound_to(bound), request("PUT", "https://api.example.com/a?x=1", "b"), true);
  const auto url = outcome(bound_to(bound), request("GET", "https://api.example.com/A?x=1", "b"), true);
  const auto query = outcome(bound_to(bound), request("GET", "https://api.example.com/a?x=2", "b"), true);
  const auto body = outcome(bound_to(bound), request("GET", "https://api.example.com/a?x=1", "c"), true);
  CHECK(method.detail.find("method") != std::string::npos);
  CHECK(url.detail.find("URL") != std::string::npos);
  CHECK(query.detail.find("query") != std::string::npos);
  CHECK(body.detail.find("body") != std::string::npos);
}

TEST_CASE("a bound token is refused for another scheme, host, port, method case, query order or body hash",
          "[request][verifier][mismatch]") {
  auto streamed = request("GET", "http://example.com/a?x=1&y=2");
  streamed.body_sha256 = ajwt::body_sha256("other");
  const auto bound = request("GET", "http://example.com/a?x=1&y=2");
  for (const auto& received :
       {request("GET", "https://example.com/a?x=1&y=2"), request("GET", "http://example.org/a?x=1&y=2"),
        request("GET", "http://example.com:8080/a?x=1&y=2"), request("get", "http://example.com/a?x=1&y=2"),
        request("GET", "http://example.com/a?y=2&x=1"), request("GET", "http://example.com/a/?x=1&y=2"),
        request("GET", "http://example.com/a?x=1&y=2&"), request("GET", "http://example.com/a%2F?x=1&y=2"),
        request("GET", "http://example.com/a"), streamed}) {
    INFO(received.method << " " << received.url);
    CHECK(outcome(bound_to(bound), received, false) == reason::request_mismatch);
  }
}

TEST_CASE("require_binding refuses a token that lacks any one of the four binding claims",
          "[request][verifier][mismatch]") {
  const auto req = request("GET", "http://example.com/a");
  const auto b = ajwt::binding_claims::of(req);
  const nlohmann::json all = {{"htm", b.htm}, {"htu", b.htu}, {"htq", b.htq}, {"htb", b.htb}};
  REQUIRE(outcome(with_claims(all), req, true).accepted());
  for (const char* name : {"htm", "htu", "htq", "htb"}) {
    INFO("without " << name);
    auto some = all;
    some.erase(name);
    const auto v = outcome(with_claims(some), req, true);
    CHECK(v == reason::request_mismatch);
    CHECK(v.detail.find(name) != std::string::npos);
    // Without require_binding, the claims present are checked and the absent one is not required.
    CHECK(outcome(with_claims(some), req, false).accepted());
  }
  CHECK(outcome(alice().token(), req, true) == reason::request_mismatch);
}

TEST_CASE("without require_binding, each binding claim a token carries is still checked against the request",
          "[request][verifier][mismatch]") {
  const auto req = request("GET", "http://example.com/a");
  CHECK(outcome(with_claims({{"htm", "POST"}}), req, false) == reason::request_mismatch);
  CHECK(outcome(with_claims({{"htu", "http://example.com/b"}}), req, false) == reason::request_mismatch);
  CHECK(outcome(with_claims({{"htq", std::string(sha256_of_abc)}}), req, false) == reason::request_mismatch);
  CHECK(outcome(with_claims({{"htb", std::string(sha256_of_abc)}}), req, false) == reason::request_mismatch);
  CHECK(outcome(with_claims({{"htm", "GET"}}), req, false).accepted());
  // A claim holding the URL as sent rather than normalised does not match.
  CHECK(outcome(with_claims({{"htu", "http://example.com:80/a"}}), req, false) == reason::request_mismatch);
}

TEST_CASE("require_binding refuses every token when verify_header or verify_token is given no request",
          "[request][verifier][mismatch]") {
  const auto req = request("GET", "http://example.com/a");
  const auto v = outcome(bound_to(req), std::nullopt, true);
  CHECK(v == reason::request_mismatch);
  CHECK(v.detail.find("no request") != std::string::npos);
  CHECK(outcome(alice().token(), std::nullopt, true) == reason::request_mismatch);
  const world w;
  const auto r = w.make(true).verify_token(bound_to(req));
  REQUIRE_FALSE(r.ok());
  CHECK(r.reason() == reason::request_mismatch);
  CHECK(w.nonces.records() == 0);
}

TEST_CASE("a binding claim that is not a string is refused, with or without a request or require_binding",
          "[request][verifier][mismatch]") {
  const auto req = request("GET", "http://example.com/a");
  for (const char* name : {"htm", "htu", "htq", "htb"}) {
    for (const nlohmann::json& value : {nlohmann::json(1), nlohmann::json(nullptr), nlohmann::json(true),
                                        nlohmann::json::array({"GET"}), nlohmann::json::object()}) {
      INFO(name << " = " << value.dump());
      auto claims = nlohmann::json::object();
      const auto b = ajwt::binding_claims::of(req);
      claims["htm"] = b.htm;
      claims["htu"] = b.htu;
      claims["htq"] = b.htq;
      claims["htb"] = b.htb;
      claims[name] = value;
      const auto token = with_claims(claims);
      const auto v = outcome(token, req, true);
      CHECK(v == reason::request_mismatch);
      CHECK(v.detail.find("not a string") != std::string::npos);
      CHECK(outcome(token, req, false) == reason::request_mismatch);
      CHECK(outcome(token, std::nullopt, false) == reason::request_mismatch);
    }
  }
}

TEST_CASE("a received request whose URL cannot be normalised refuses a bound token without throwing",
          "[request][verifier][mismatch]") {
  const auto token_for = [] { return bound_to(request("GET", "http://example.com/a")); };
  using std::string_literals::operator""s;
  for (const auto& url :
       {""s, "/a"s, "http://example.com/a b"s, "http://example.com/%zz"s, "ftp://example.com/a"s,
        "http://u@example.com/a"s, "http://example.com/\0"s, std::string(100000, '%')}) {
    INFO(url.substr(0, 40));
    CHECK(outcome(token_for(), request("GET", url), false) == reason::request_mismatch);
  }
  CHECK(outcome(token_for(), request("", "http://example.com/a"), false) == reason::request_mismatch);
  // Unbound tokens do not need the request's URL, so a server that is not requiring binding keeps working.
  CHECK(outcome(alice().token(), request("GET", "not a url"), false).accepted());
}

// ---------------------------------------------------------------------------------------------------------
// The order guarantee: binding is checked before the nonce store.

TEST_CASE(
    "a rejected binding never records a nonce, so the genuine request with the same token is still accepted",
    "[request][verifier][order]") {
  const world w;
  const auto v = w.make(true);
  const auto genuine = request("POST", "https://api.example.com/pay?to=bob", "{\"amount\":5}");
  const std::string header = "JWT " + bound_to(genuine);
  const std::vector<ajwt::http_request> others = {
      request("POST", "https://api.example.com/pay?to=mallory", "{\"amount\":5}"),
      request("POST", "https://api.example.com/pay?to=bob", "{\"amount\":5000}"),
      request("GET", "https://api.example.com/pay?to=bob", "{\"amount\":5}"),
      request("POST", "https://api.example.com/refund?to=bob", "{\"amount\":5}"),
  };
  for (const auto& other : others) {
    INFO(other.method << " " << other.url << " " << *other.body);
    const auto r = v.verify_header(header, other);
    REQUIRE_FALSE(r.ok());
    CHECK(r.reason() == reason::request_mismatch);
  }
  CHECK_FALSE(v.verify_header(header).ok());  // no request at all
  CHECK(w.nonces.records() == 0);
  CHECK(v.verify_header(header, genuine).ok());
  CHECK(w.nonces.records() == 1);
  // The accepted token is now spent, for the genuine request as for any other.
  const auto replay = v.verify_header(header, genuine);
  REQUIRE_FALSE(replay.ok());
  CHECK(replay.reason() == reason::nonce_replayed);
}

TEST_CASE(
    "a stolen bound header replayed to another endpoint is refused even before the genuine request arrives",
    "[request][verifier][order]") {
  const world w;
  const auto v = w.make(false);
  const std::string header = "JWT " + bound_to(request("GET", "https://api.example.com/balance"));
  const auto r =
      v.verify_header(header, request("POST", "https://api.example.com/transfer", "{\"to\":\"mallory\"}"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.reason() == reason::request_mismatch);
  CHECK(w.nonces.records() == 0);
}

TEST_CASE("normalize_url refuses hosts with characters RFC 3986 does not allow there", "[request][url]") {
  for (const char* url : {"http://a:b:80/x", "http://a[b]/x", "http://[zz]/", "http://[]/",
                          "http://exa mple.com/", "http://a\"b/", "http://a/b c"}) {
    INFO(url);
    CHECK(target_of(url) == "<rejected>");
  }
}

TEST_CASE("normalize_url keeps percent-encodings in the host in upper case after lower-casing it",
          "[request][url]") {
  CHECK(target_of("http://EXA%2fMPLE.com/") == "http://exa%2Fmple.com/");
  CHECK(target_of("http://%41pi.example.com/") == "http://api.example.com/");
}
