// SPDX-License-Identifier: ISC
// Where a Redis server is: redis_url parses redis:// and unix:// URLs strictly (credentials never quoted in
// messages). Part of the Redis nonce store (nonce/redis.hpp), apart so that URL rules are read in one place;
// needs no hiredis.
#ifndef AJWT_NONCE_REDIS_URL_HPP
#define AJWT_NONCE_REDIS_URL_HPP

#include <sys/un.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "../detail/text.hpp"
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
  const auto scheme_end = s.find("://");
  if (scheme_end != std::string::npos) {
    const auto start = scheme_end + 3;
    auto end = s.find_first_of("/?#", start);
    if (end == std::string::npos) end = s.size();
    const auto at = s.rfind('@', end - 1);
    if (at != std::string::npos && at >= start) s.replace(start, at - start, "***");
  }
  return printable(s, 256);
}

inline bool is_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Parses decimal digits into [lo, hi]; false when not digits or out of range.
inline bool parse_bounded_int(std::string_view s, long lo, long hi, int& out) noexcept {
  if (!is_digits(s) || s.size() > 10) return false;
  long v = 0;
  for (const char c : s) v = v * 10 + (c - '0');
  if (v < lo || v > hi) return false;
  out = static_cast<int>(v);
  return true;
}

}  // namespace detail

inline redis_url redis_url::parse(std::string_view url) {
  auto fail = [&](const std::string& what) {
    return config_error("ajwt: bad Redis URL \"" + detail::redact_redis_url(url) + "\": " + what);
  };
  const char* const forms =
      "expected redis://[[user]:password@]host[:port][/db] or unix:///path/to/socket[?db=N]";
  for (const char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      throw fail("it contains a space, a control character or a non-ASCII byte (percent-encode them)");
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) throw fail(std::string("no scheme; ") + forms);
  std::string scheme(url.substr(0, scheme_end));
  for (char& c : scheme)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (scheme == "rediss")
    throw fail(
        "TLS (rediss://) is not supported: put a TLS proxy (e.g. stunnel) next to the server, or use a "
        "unix socket");
  if (scheme != "redis" && scheme != "unix") throw fail("unsupported scheme \"" + scheme + "\"; " + forms);
  if (url.find('#') != std::string_view::npos)
    throw fail("a fragment (#) is not allowed (percent-encode '#' as %23)");

  const std::string_view rest = url.substr(scheme_end + 3);
  const auto authority_end = std::min(rest.find_first_of("/?"), rest.size());
  const std::string_view authority = rest.substr(0, authority_end);
  std::string_view path = rest.substr(authority_end);
  std::string_view query;
  if (const auto q = path.find('?'); q != std::string_view::npos) {
    query = path.substr(q + 1);
    path = path.substr(0, q);
  }

  redis_url out;
  auto parse_db = [&](std::string_view digits) {
    if (!detail::parse_bounded_int(digits, 0, 2147483647L, out.db))
      throw fail("the database number \"" + std::string(digits) + "\" is not a non-negative integer");
  };

  if (scheme == "unix") {
    if (!authority.empty())
      throw fail("a unix:// URL has no host or credentials: write unix:///absolute/path (three slashes)");
    if (path.size() < 2 || path.front() != '/')
      throw fail("the socket path must be absolute, e.g. unix:///run/redis.sock");
    if (!detail::percent_decode(path, out.socket_path)) throw fail("bad percent-escape in the socket path");
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

  if (url.find('?') != std::string_view::npos)
    throw fail(
        "query parameters are not supported in redis:// URLs (the database number goes in the path: /N)");
  std::string_view hostport = authority;
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    hostport = authority.substr(at + 1);
    if (userinfo.find('@') != std::string_view::npos)
      throw fail("more than one '@': percent-encode '@' in the user name or password as %40");
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos)
      throw fail("a user name without a password: write user:password@, or :password@ for a password alone");
    if (!detail::percent_decode(userinfo.substr(0, colon), out.username) ||
        !detail::percent_decode(userinfo.substr(colon + 1), out.password))
      throw fail("bad percent-escape in the user name or password");
    if (out.password.empty()) throw fail("the password is empty");
  }
  std::string_view port;
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) throw fail("an IPv6 address lacks its closing ']'");
    const std::string_view ip = hostport.substr(1, close - 1);
    if (ip.empty() || ip.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos)
      throw fail("\"" + std::string(ip) + "\" is not an IPv6 address");
    out.host = std::string(ip);
    const std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw fail("unexpected text after the IPv6 address");
      port = after.substr(1);
      if (port.empty()) throw fail("the port after ':' is empty");
    }
  } else {
    const auto colon = hostport.find(':');
    out.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = hostport.substr(colon + 1);
      if (port.find(':') != std::string_view::npos)
        throw fail("more than one ':' after the host (IPv6 addresses go in brackets)");
      if (port.empty()) throw fail("the port after ':' is empty");
    }
    if (out.host.empty()) throw fail("no host");
    if (out.host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") !=
        std::string::npos)
      throw fail("the host \"" + out.host + "\" holds a character not allowed in a host name");
  }
  if (!port.empty() && !detail::parse_bounded_int(port, 1, 65535, out.port))
    throw fail("the port \"" + std::string(port) + "\" is not a number from 1 to 65535");
  if (path.size() > 1) {
    if (path.find('/', 1) != std::string_view::npos) throw fail("the path must be /N, a database number");
    parse_db(path.substr(1));
  }
  return out;
}

AJWT_NAMESPACE_END

#endif  // AJWT_NONCE_REDIS_URL_HPP
