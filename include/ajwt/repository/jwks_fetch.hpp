// SPDX-License-Identifier: ISC
// The JWKS fetcher contract and the HTTP rules around it: what a fetcher is asked (fetch_request) and answers
// (fetch_result, with its Cache-Control and Age handling), the traits a fetcher type must satisfy, and which
// URLs may be fetched. jwks_url.hpp's repository builds on it; curl_fetcher.hpp implements it with libcurl.
// Needs no HTTP library.
#ifndef AJWT_REPOSITORY_JWKS_FETCH_HPP
#define AJWT_REPOSITORY_JWKS_FETCH_HPP

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "../detail/text.hpp"
#include "../detail/url.hpp"
#include "../error.hpp"
#include "../version.hpp"

AJWT_NAMESPACE_BEGIN

/// What a fetcher is asked to do: one HTTP GET of `url`.
struct fetch_request {
  std::string url;  ///< the absolute http(s) URL to GET
  /// The ETag of the cached document, to send as If-None-Match (empty: send none).
  std::string if_none_match;
  /// Bound on establishing the connection (TCP and TLS).
  std::chrono::milliseconds connect_timeout{0};
  /// Bound on the whole transfer, connection included.
  std::chrono::milliseconds timeout{0};
  /// Abort the transfer once the body would exceed this many bytes.
  std::size_t max_bytes = 0;
  /// Whether plain http:// may be used (https:// always may); a fetcher must refuse other schemes.
  bool allow_http = false;
};

/// What a fetcher reports. A transport failure sets `error` (and leaves `status` 0); otherwise
/// `status` is the HTTP status of the final response, with its body and caching headers.
struct fetch_result {
  int status = 0;    ///< the HTTP status of the final response; 0 after a transport failure
  std::string body;  ///< the response body (at most fetch_request::max_bytes)
  /// The response's ETag header, verbatim (quotes and W/ included); empty when absent.
  std::string etag;
  /// Cache-Control max-age in seconds, when the response had a valid one.
  std::optional<std::int64_t> max_age;
  /// Cache-Control said no-store or no-cache (or held an invalid max-age): keep for the minimum.
  bool no_cache = false;
  /// The response's Age header in seconds (time already spent in caches on the way), 0 when absent.
  std::int64_t age = 0;
  /// Why no HTTP response was received (connection refused, timeout, body too large, TLS failure...).
  std::string error;

  /// Reads one Cache-Control header value into max_age and no_cache. Call it once per Cache-Control
  /// line: directives accumulate (the smallest max-age wins; no-store/no-cache stick).
  void add_cache_control(std::string_view value);
  /// Reads an Age header value (delta-seconds); an invalid one is ignored.
  void set_age(std::string_view value);
};

/// True when T has `fetch_result fetch(const fetch_request&)`.
template <class T, class = void>
struct has_fetch_member : std::false_type {};
template <class T>
struct has_fetch_member<T,
                        std::void_t<decltype(std::declval<T&>().fetch(std::declval<const fetch_request&>()))>>
    : std::is_convertible<decltype(std::declval<T&>().fetch(std::declval<const fetch_request&>())),
                          fetch_result> {};

/// The fetcher customisation point: an object with `fetch_result fetch(const fetch_request&)`, or a
/// callable `fetch_result(const fetch_request&)`. It is called without any lock held, possibly from
/// several threads at once (for different URLs), so it must be thread-safe; it must honour the
/// request's timeouts, size limit and scheme rule. It may throw: that counts as a failed fetch.
template <class T>
struct is_jwks_fetcher : std::bool_constant<has_fetch_member<T>::value ||
                                            std::is_invocable_r_v<fetch_result, T&, const fetch_request&>> {};

namespace detail::jwks {

/// RFC 9111 section 1.2.2 delta-seconds: one or more digits; values past 2^31 - 1 saturate there.
[[nodiscard]] inline std::optional<std::int64_t> parse_delta_seconds(std::string_view s) noexcept {
  constexpr std::int64_t cap = 2147483647;
  if (s.empty()) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = std::min<std::int64_t>(cap, v * 10 + (c - '0'));
  }
  return v;
}

inline std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept {
  if (b > 0 && a > std::numeric_limits<std::int64_t>::max() - b)
    return std::numeric_limits<std::int64_t>::max();
  if (b < 0 && a < std::numeric_limits<std::int64_t>::min() - b)
    return std::numeric_limits<std::int64_t>::min();
  return a + b;
}

/// Throws config_error unless `url` is an absolute https:// URL (or http:// when allowed) with a host,
/// made of printable ASCII only.
inline void check_jwks_url(std::string_view url, bool allow_http) {
  auto fail = [&](const std::string& why) {
    throw config_error("JWKS URL \"" + printable(url, 256) + "\"", why);
  };
  if (url.empty()) fail("empty URL");
  if (url.size() > 2048) fail("longer than 2048 characters");
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      fail("holds a space, a control character or a non-ASCII byte (percent-encode it)");
  const auto parts = split_url(url);
  if (!parts) fail("the scheme must be https");
  if (iequals_ascii(parts->scheme, "http")) {
    if (!allow_http)
      fail(
          "plain http is refused (anyone on the path could swap the keys); use https, or set "
          "jwks_url_options::allow_http for tests on loopback");
  } else if (!iequals_ascii(parts->scheme, "https")) {
    fail("the scheme must be https");
  }
  const auto split = split_host_port(parts->host_port);
  const auto* hp = std::get_if<host_port>(&split);
  if (hp == nullptr) fail("the IPv6 address in brackets is malformed");
  if (hp->host.empty()) fail("no host");
}

}  // namespace detail::jwks

inline void fetch_result::add_cache_control(std::string_view value) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    auto directive = detail::trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    const auto eq = directive.find('=');
    const auto name = detail::trim(directive.substr(0, eq));
    auto arg = eq == std::string_view::npos ? std::string_view() : detail::trim(directive.substr(eq + 1));
    if (detail::iequals_ascii(name, "no-store") || detail::iequals_ascii(name, "no-cache")) {
      no_cache = true;
    } else if (detail::iequals_ascii(name, "max-age")) {
      if (arg.size() >= 2 && arg.front() == '"' && arg.back() == '"') arg = arg.substr(1, arg.size() - 2);
      const auto seconds = detail::jwks::parse_delta_seconds(arg);
      if (!seconds)
        no_cache = true;  // RFC 9111 section 4.2.1: an invalid max-age makes the response stale
      else
        max_age = max_age ? std::min(*max_age, *seconds) : *seconds;
    }
  }
}

inline void fetch_result::set_age(std::string_view value) {
  if (const auto seconds = detail::jwks::parse_delta_seconds(detail::trim(value))) age = *seconds;
}

AJWT_NAMESPACE_END

#endif  // AJWT_REPOSITORY_JWKS_FETCH_HPP
