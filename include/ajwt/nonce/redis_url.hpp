// SPDX-License-Identifier: ISC
// Where a Redis server is: redis_url parses redis:// and unix:// URLs strictly (credentials never quoted in
// messages). Part of the Redis nonce store (nonce/redis.hpp), apart so that URL rules are read in one place;
// needs no hiredis.
#ifndef AJWT_NONCE_REDIS_URL_HPP
#define AJWT_NONCE_REDIS_URL_HPP

#include <sys/un.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "../detail/text.hpp"
#include "../detail/url.hpp"
#include "../error.hpp"
#include "../version.hpp"

AJWT_NAMESPACE_BEGIN

/// Where a Redis server is and how to log in, parsed from a URL:
///   redis://[[user]:password@]host[:port][/db]   TCP; IPv6 hosts in brackets; port 6379 and db 0 by default
///   unix:///absolute/path/to/socket[?db=N]       a unix-domain socket
/// Userinfo and path are percent-decoded ("%40" for '@' in a password); anything else is a config_error.
struct redis_url {
  std::string host;         ///< TCP host (brackets of an IPv6 literal removed); empty for a unix socket
  int port = 6379;          ///< TCP port
  std::string socket_path;  ///< unix socket path; empty for TCP
  std::string username;     ///< ACL user for AUTH; empty means the default user
  std::string password;     ///< AUTH password; empty means no AUTH
  int db = 0;               ///< database number, sent with SELECT when not 0

  /// Parses `url` strictly; throws config_error naming the problem (never quoting a password).
  static redis_url parse(std::string_view url);

  /// "host:port/db" or "unix:/path/db": where the server is, without credentials (for messages).
  [[nodiscard]] std::string describe() const {
    std::string s = socket_path.empty() ? (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
                                              ":" + std::to_string(port)
                                        : "unix:" + socket_path;
    if (db != 0) s += "/" + std::to_string(db);
    return s;
  }
};

namespace detail {

/// `url` with any userinfo replaced by "***", quoted by detail::printable, for error messages.
inline std::string redact_redis_url(std::string_view url) {
  std::string s(url);
  if (const auto parts = split_url(url); parts && parts->userinfo)
    s.replace(static_cast<std::size_t>(parts->userinfo->data() - url.data()), parts->userinfo->size(), "***");
  return printable(s, 256);
}

inline bool is_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Decimal digits as a number in [lo, hi]; nothing when they are not digits or out of range.
[[nodiscard]] inline std::optional<int> parse_bounded_int(std::string_view s, long lo, long hi) noexcept {
  if (!is_digits(s) || s.size() > 10) return std::nullopt;
  long v = 0;
  for (const char c : s) v = v * 10 + (c - '0');
  if (v < lo || v > hi) return std::nullopt;
  return static_cast<int>(v);
}

}  // namespace detail

inline redis_url redis_url::parse(std::string_view url) {
  auto fail = [&](const std::string& what) {
    return config_error("Redis URL \"" + detail::redact_redis_url(url) + "\"", what);
  };
  const char* const forms =
      "expected redis://[[user]:password@]host[:port][/db] or unix:///path/to/socket[?db=N]";
  for (const char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      throw fail("it contains a space, a control character or a non-ASCII byte (percent-encode them)");
  const auto parts = detail::split_url(url);
  if (!parts) throw fail(std::string("no scheme; ") + forms);
  std::string scheme;
  for (const char c : parts->scheme) scheme += detail::ascii_lower(c);
  if (scheme == "rediss")
    throw fail(
        "TLS (rediss://) is not supported: put a TLS proxy (e.g. stunnel) next to the server, or use a "
        "unix socket");
  if (scheme != "redis" && scheme != "unix") throw fail("unsupported scheme \"" + scheme + "\"; " + forms);
  if (parts->fragment) throw fail("a fragment (#) is not allowed (percent-encode '#' as %23)");
  const std::string_view path = parts->path;
  std::string_view query = parts->query.value_or(std::string_view());

  redis_url out;
  auto parse_db = [&](std::string_view digits) {
    const auto db = detail::parse_bounded_int(digits, 0, 2147483647L);
    if (!db) throw fail("the database number \"" + std::string(digits) + "\" is not a non-negative integer");
    out.db = *db;
  };

  if (scheme == "unix") {
    if (parts->userinfo || !parts->host_port.empty())
      throw fail("a unix:// URL has no host or credentials: write unix:///absolute/path (three slashes)");
    if (path.size() < 2 || path.front() != '/')
      throw fail("the socket path must be absolute, e.g. unix:///run/redis.sock");
    auto socket_path = detail::percent_decode(path);
    if (!socket_path) throw fail("bad percent-escape in the socket path");
    out.socket_path = std::move(*socket_path);
    if (out.socket_path.find('\0') != std::string::npos) throw fail("the socket path contains a NUL byte");
    if (out.socket_path.size() >= sizeof(sockaddr_un{}.sun_path))
      throw fail("the socket path is longer than " + std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
                 " bytes");
    bool have_db = false;
    while (!query.empty()) {
      const auto amp = std::min(query.find('&'), query.size());
      const std::string_view param = query.substr(0, amp);
      query = amp < query.size() ? query.substr(amp + 1) : std::string_view();
      if (param.substr(0, 3) != "db=")
        throw fail("unknown query parameter \"" + std::string(param) + "\" (only db=N)");
      if (have_db) throw fail("db= is given twice");
      have_db = true;
      parse_db(param.substr(3));
    }
    out.port = 0;
    return out;
  }

  if (parts->query)
    throw fail(
        "query parameters are not supported in redis:// URLs (the database number goes in the path: /N)");
  if (const auto& userinfo = parts->userinfo) {
    if (userinfo->find('@') != std::string_view::npos)
      throw fail("more than one '@': percent-encode '@' in the user name or password as %40");
    const auto colon = userinfo->find(':');
    if (colon == std::string_view::npos)
      throw fail("a user name without a password: write user:password@, or :password@ for a password alone");
    auto username = detail::percent_decode(userinfo->substr(0, colon));
    auto password = detail::percent_decode(userinfo->substr(colon + 1));
    if (!username || !password) throw fail("bad percent-escape in the user name or password");
    out.username = std::move(*username);
    out.password = std::move(*password);
    if (out.password.empty()) throw fail("the password is empty");
  }
  const auto split = detail::split_host_port(parts->host_port);
  if (const auto* error = std::get_if<detail::host_port_error>(&split))
    throw fail(*error == detail::host_port_error::unclosed_ip_literal
                   ? "an IPv6 address lacks its closing ']'"
                   : "unexpected text after the IPv6 address");
  const auto& hp = std::get<detail::host_port>(split);
  out.host = std::string(hp.host);
  if (hp.ip_literal) {
    if (hp.host.empty() || hp.host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos)
      throw fail("\"" + out.host + "\" is not an IPv6 address");
  } else {
    if (hp.port && hp.port->find(':') != std::string_view::npos)
      throw fail("more than one ':' after the host (IPv6 addresses go in brackets)");
    if (hp.port && hp.port->empty()) throw fail("the port after ':' is empty");
    if (out.host.empty()) throw fail("no host");
    if (out.host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") !=
        std::string::npos)
      throw fail("the host \"" + out.host + "\" holds a character not allowed in a host name");
  }
  if (hp.port) {
    if (hp.port->empty()) throw fail("the port after ':' is empty");
    const auto port = detail::parse_bounded_int(*hp.port, 1, 65535);
    if (!port) throw fail("the port \"" + std::string(*hp.port) + "\" is not a number from 1 to 65535");
    out.port = *port;
  }
  if (path.size() > 1) {
    if (path.find('/', 1) != std::string_view::npos) throw fail("the path must be /N, a database number");
    parse_db(path.substr(1));
  }
  return out;
}

AJWT_NAMESPACE_END

#endif  // AJWT_NONCE_REDIS_URL_HPP
