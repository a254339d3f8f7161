// SPDX-License-Identifier: ISC
// The one URL splitter (RFC 3986 section 3) behind every URL ajwt reads: normalize_url (request binding),
// the JWKS URL check and the Redis URL parser. It only cuts a URL into its parts, as views into the text,
// without decoding or judging them; each caller applies its own rules to the parts. One splitter, so the
// three cannot disagree about where a host ends. Internal: namespace ajwt::detail.
#ifndef AJWT_DETAIL_URL_HPP
#define AJWT_DETAIL_URL_HPP

#include <optional>
#include <string_view>
#include <variant>

#include "../version.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

/// An absolute URL "scheme://authority path [?query] [#fragment]" cut into its parts.
struct url_parts {
  std::string_view scheme;                   ///< as written: compare it with iequals_ascii
  std::optional<std::string_view> userinfo;  ///< before the authority's last '@', when there is one
  std::string_view host_port;                ///< the rest of the authority (split_host_port cuts it)
  std::string_view path;                     ///< from the '/' that ends the authority; may be empty
  std::optional<std::string_view> query;     ///< after the first '?' (before any '#')
  std::optional<std::string_view> fragment;  ///< after the first '#'
};

/// RFC 3986 section 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
[[nodiscard]] constexpr bool is_url_scheme(std::string_view s) noexcept {
  if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) return false;
  for (const char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '-' || c == '.'))
      return false;
  return true;
}

/// Cuts `url` into its parts; nothing when it does not start with "scheme://". The authority ends at the
/// first '/', '?' or '#' (RFC 3986 section 3.2), the path at the first '?' or '#', the query at the '#'.
[[nodiscard]] constexpr std::optional<url_parts> split_url(std::string_view url) noexcept {
  const auto colon = url.find(':');
  if (colon == std::string_view::npos || !is_url_scheme(url.substr(0, colon)) ||
      url.substr(colon + 1, 2) != "//")
    return std::nullopt;
  url_parts out;
  out.scheme = url.substr(0, colon);
  std::string_view rest = url.substr(colon + 3);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) {
    out.fragment = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
  }
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    out.query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  out.path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    out.userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
  }
  out.host_port = authority;
  return out;
}

/// A host and an optional port, as split_host_port cuts them.
struct host_port {
  std::string_view host;                 ///< an IP literal without its brackets
  bool ip_literal = false;               ///< the host was written in brackets ("[::1]")
  std::optional<std::string_view> port;  ///< after the ':' that follows the host; may be empty or odd
};

/// Why split_host_port could not cut its input.
enum class host_port_error {
  unclosed_ip_literal,    ///< '[' without its ']'
  text_after_ip_literal,  ///< "]" followed by something other than ":port"
};

/// Cuts "host", "host:port", "[v6]" or "[v6]:port". A reg-name or IPv4 host ends at the first ':', so
/// "a:b:c" gives the port "b:c" (for the caller to refuse). The parts are not checked.
[[nodiscard]] constexpr std::variant<host_port, host_port_error> split_host_port(
    std::string_view s) noexcept {
  host_port out;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos) return host_port_error::unclosed_ip_literal;
    out.host = s.substr(1, close - 1);
    out.ip_literal = true;
    const std::string_view after = s.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return host_port_error::text_after_ip_literal;
      out.port = after.substr(1);
    }
    return out;
  }
  const auto colon = s.find(':');
  out.host = s.substr(0, colon);
  if (colon != std::string_view::npos) out.port = s.substr(colon + 1);
  return out;
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_DETAIL_URL_HPP
