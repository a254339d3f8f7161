// SPDX-License-Identifier: ISC
// The one URL splitter (detail/url.hpp) and the three readers built on it: normalize_url (request
// binding), the JWKS URL check and the Redis URL parser. Besides the splitter's own cases, one table of
// URLs goes through all three, so they are seen to agree about where the host is and what is refused.
#include "ajwt/detail/url.hpp"
#include "ajwt/error.hpp"
#include "ajwt/nonce/redis_url.hpp"
#include "ajwt/repository/jwks_fetch.hpp"
#include "ajwt/request.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

using ajwt::detail::host_port;
using ajwt::detail::host_port_error;
using ajwt::detail::split_host_port;
using ajwt::detail::split_url;

TEST_CASE("split_url cuts scheme, userinfo, authority, path, query and fragment", "[url]") {
  const auto p = split_url("HTTPS://u:pw@Host.example:8443/a/b?x=1&y#frag?not-query");
  REQUIRE(p);
  CHECK(p->scheme == "HTTPS");
  CHECK(p->userinfo == std::optional<std::string_view>("u:pw"));
  CHECK(p->host_port == "Host.example:8443");
  CHECK(p->path == "/a/b");
  CHECK(p->query == std::optional<std::string_view>("x=1&y"));
  CHECK(p->fragment == std::optional<std::string_view>("frag?not-query"));

  // The authority ends at the first '/', '?' or '#' (RFC 3986 section 3.2): an '@' after it is not userinfo.
  const auto q = split_url("https://host?next=a@b");
  REQUIRE(q);
  CHECK_FALSE(q->userinfo);
  CHECK(q->host_port == "host");
  CHECK(q->path.empty());
  CHECK(q->query == std::optional<std::string_view>("next=a@b"));
  const auto f = split_url("https://host#a@b/c");
  REQUIRE(f);
  CHECK(f->host_port == "host");
  CHECK_FALSE(f->query);
  CHECK(f->fragment == std::optional<std::string_view>("a@b/c"));
  // The last '@' of the authority ends the userinfo.
  const auto two_at = split_url("redis://a@b@host/1");
  REQUIRE(two_at);
  CHECK(two_at->userinfo == std::optional<std::string_view>("a@b"));
  CHECK(two_at->host_port == "host");
  // An empty query or fragment is present, not absent.
  const auto empty = split_url("unix:///run/x.sock?#");
  REQUIRE(empty);
  CHECK(empty->host_port.empty());
  CHECK(empty->path == "/run/x.sock");
  CHECK(empty->query == std::optional<std::string_view>(""));
  CHECK(empty->fragment == std::optional<std::string_view>(""));

  for (const char* bad : {"", "host:80", "//host/", "1http://host/", "ht tp://host/", "https:/host/",
                          "https:host", ":://host"}) {
    INFO(bad);
    CHECK_FALSE(split_url(bad));
  }
  static_assert(split_url("a+b.c-d://x")->scheme == "a+b.c-d");
}

TEST_CASE("split_host_port cuts host and port, IP literals without brackets", "[url]") {
  const auto get = [](std::string_view s) { return std::get<host_port>(split_host_port(s)); };
  CHECK(get("host").host == "host");
  CHECK_FALSE(get("host").port);
  CHECK(get("host:").port == std::optional<std::string_view>(""));
  CHECK(get("host:80").port == std::optional<std::string_view>("80"));
  // A reg-name host ends at the first ':', so the rest is one port for the caller to refuse.
  CHECK(get("a:b:c").host == "a");
  CHECK(get("a:b:c").port == std::optional<std::string_view>("b:c"));
  CHECK(get("[::1]").host == "::1");
  CHECK(get("[::1]").ip_literal);
  CHECK_FALSE(get("[::1]").port);
  CHECK(get("[::1]:6380").port == std::optional<std::string_view>("6380"));
  CHECK(get("").host.empty());
  CHECK(std::get<host_port_error>(split_host_port("[::1")) == host_port_error::unclosed_ip_literal);
  CHECK(std::get<host_port_error>(split_host_port("[::1]6380")) == host_port_error::text_after_ip_literal);
}

namespace {

// Whether each reader accepts the URL with its scheme swapped in, and the host it reads.
std::optional<std::string> normalized_host(const std::string& rest) {
  const auto u = ajwt::normalize_url("https://" + rest);
  if (!u) return std::nullopt;
  const auto host_end =
      u->target.find_first_of("/:", u->target.find(']') == std::string::npos ? 8 : u->target.find(']'));
  return u->target.substr(8, host_end - 8);
}

std::optional<std::string> redis_host(const std::string& rest) {
  try {
    const auto u = ajwt::redis_url::parse("redis://" + rest);
    return u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  } catch (const ajwt::config_error&) {
    return std::nullopt;
  }
}

bool jwks_accepts(const std::string& rest) {
  try {
    ajwt::detail::jwks::check_jwks_url("https://" + rest, false);
    return true;
  } catch (const ajwt::config_error&) {
    return false;
  }
}

}  // namespace

TEST_CASE("normalize_url, the JWKS URL check and the Redis URL parser agree on the host", "[url]") {
  struct row {
    const char* rest;  ///< the URL after "scheme://"
    const char* host;  ///< the host all three read, or nullptr when all three refuse
  };
  const row rows[] = {
      {"cache.internal", "cache.internal"},
      {"cache.internal:6380", "cache.internal"},
      {"cache.internal:6380/", "cache.internal"},
      {"10.0.0.5:7000", "10.0.0.5"},
      {"[::1]:6380", "[::1]"},
      {"[::1]", "[::1]"},
      {"[::1", nullptr},
      {"[::1]x", nullptr},
      {":6380", nullptr},
      {"", nullptr},
  };
  for (const auto& r : rows) {
    INFO(r.rest);
    if (r.host == nullptr) {
      CHECK_FALSE(normalized_host(r.rest));
      CHECK_FALSE(redis_host(r.rest));
      CHECK_FALSE(jwks_accepts(r.rest));
    } else {
      CHECK(normalized_host(r.rest) == std::optional<std::string>(r.host));
      CHECK(redis_host(r.rest) == std::optional<std::string>(r.host));
      CHECK(jwks_accepts(r.rest));
    }
  }
}

TEST_CASE("is_origin accepts scheme://host[:port] and nothing more", "[url]") {
  using ajwt::detail::is_origin;
  CHECK(is_origin("https://api.example"));
  CHECK(is_origin("http://127.0.0.1:8080"));
  CHECK(is_origin("https://[::1]:8443"));
  for (const char* bad :
       {"https://api.example/", "https://api.example/v1", "https://api.example?x", "https://api.example#x",
        "https://user@api.example", "api.example", "ftp://api.example", "https://", "https://[::1"}) {
    INFO(bad);
    CHECK_FALSE(is_origin(bad));
  }
}
