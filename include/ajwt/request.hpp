// SPDX-License-Identifier: ISC
// Request binding (an ajwt extension modelled on RFC 9449 DPoP's proof claims): a token can carry
// the HTTP method, the target URI and hashes of the query and body of the one request it was made
// for, so a stolen header cannot be replayed against another endpoint, method, query or body.
#ifndef AJWT_REQUEST_HPP
#define AJWT_REQUEST_HPP

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "detail/base64.hpp"
#include "detail/openssl.hpp"
#include "detail/text.hpp"
#include "detail/url.hpp"
#include "error.hpp"
#include "version.hpp"

AJWT_NAMESPACE_BEGIN

/// The binding claims. Short names, as JWT claims should be: htm and htu are RFC 9449's; htq and htb
/// are ajwt's own (a query hash and a body hash).
namespace claim {
inline constexpr std::string_view method = "htm";  ///< HTTP method, case-sensitive ("GET")
inline constexpr std::string_view uri = "htu";     ///< target URI, normalised, no query or fragment
inline constexpr std::string_view query_hash =
    "htq";  ///< base64url SHA-256 of the normalised query ("" when none)
inline constexpr std::string_view body_hash =
    "htb";  ///< base64url SHA-256 of the body octets ("" body when none)
}  // namespace claim

/// A description of one HTTP request, as the client sends it or the server received it.
struct http_request {
  std::string method;               ///< "GET", "POST", ... (compared exactly: methods are case-sensitive)
  std::string url;                  ///< absolute URL: "https://api.example.com/v1/items?id=7"
  std::optional<std::string> body;  ///< the body octets (absent or empty: an empty body)
  std::optional<std::string> body_sha256;  ///< or its precomputed base64url SHA-256, for streamed bodies
};

/// A URL split and normalised for binding.
struct normalized_url {
  std::string target;  ///< scheme://host[:port]/path, normalised (the htu value)
  std::string query;   ///< the query, percent-normalised, without '?' (empty when none)
};

namespace detail {

AJWT_DECL bool is_unreserved(char c) noexcept;

/// RFC 3986 section 6.2.2.1-2: percent-encodings in upper case, unreserved characters decoded.
/// Nothing on a malformed percent-encoding or a character that may not appear in a URI.
[[nodiscard]] AJWT_DECL std::optional<std::string> normalize_percent(std::string_view in);

/// RFC 3986 section 5.2.4: remove "." and ".." segments.
AJWT_DECL std::string remove_dot_segments(std::string_view path);

AJWT_DECL std::string sha256_b64(std::string_view data);

/// True when `url` is an origin, "scheme://host[:port]" with nothing after (what the HTTP integrations
/// bind requests to): normalize_url accepts it, and it has no path, query or fragment.
[[nodiscard]] AJWT_DECL bool is_origin(std::string_view url);

}  // namespace detail

/// Normalises an absolute http(s) URL as RFC 9449 section 4.3 asks (RFC 3986 sections 6.2.2 and
/// 6.2.3): scheme and host in lower case, the default port (80 for http, 443 for https) removed,
/// percent-encodings in upper case and unreserved characters decoded, dot segments removed, an empty
/// path made "/", the fragment dropped. The query is split off (normalised the same way).
/// Returns nullopt for anything that is not an absolute http or https URL (or has user info).
AJWT_DECL std::optional<normalized_url> normalize_url(std::string_view url);

/// The four binding claims' values for a request. Throws config_error for a URL that is not an
/// absolute http(s) URL or an empty method (a client-side mistake).
struct binding_claims {
  std::string htm;  ///< the method, as given
  std::string htu;  ///< the normalised URL without query and fragment
  std::string htq;  ///< base64url SHA-256 of the query string (without '?')
  std::string htb;  ///< base64url SHA-256 of the body

  /// The claims for `req`.
  static binding_claims of(const http_request& req);
};

/// base64url SHA-256 of a body (for http_request::body_sha256 when the body is streamed: hash it
/// incrementally with your own SHA-256 and base64url-encode the digest, or call this on the bytes).
AJWT_DECL std::string body_sha256(std::string_view body);

AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "impl/request.ipp"
#endif

#endif  // AJWT_REQUEST_HPP
