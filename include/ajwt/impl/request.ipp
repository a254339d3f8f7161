// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/request.hpp> declares: included at the end of that header (header-only,
// the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_REQUEST_IPP
#define AJWT_IMPL_REQUEST_IPP

#include "../request.hpp"

#include <openssl/evp.h>

#include <cstddef>
#include <utility>

AJWT_NAMESPACE_BEGIN
namespace detail {

AJWT_DECL bool is_unreserved(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

AJWT_DECL std::optional<std::string> normalize_percent(std::string_view in) {
  std::string out;
  static constexpr char hex[] = "0123456789ABCDEF";
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      const char decoded = static_cast<char>(hi * 16 + lo);
      if (is_unreserved(decoded)) {
        out += decoded;
      } else {
        out += '%';
        out += hex[hi];
        out += hex[lo];
      }
      i += 2;
    } else if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f || c == '"' ||
               c == '<' || c == '>' || c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' ||
               c == '}') {
      return std::nullopt;
    } else {
      out += c;
    }
  }
  return out;
}

AJWT_DECL std::string remove_dot_segments(std::string_view path) {
  std::string out;
  while (!path.empty()) {
    if (path.substr(0, 3) == "../") {
      path.remove_prefix(3);
    } else if (path.substr(0, 2) == "./" || path.substr(0, 3) == "/./") {
      path.remove_prefix(2);  // "./x" -> "x", "/./x" -> "/x"
    } else if (path == "/.") {
      path = "/";
    } else if (path.substr(0, 4) == "/../" || path == "/..") {
      path = path.size() == 3 ? std::string_view("/") : path.substr(3);
      const auto slash = out.rfind('/');
      out.erase(slash == std::string::npos ? 0 : slash);
    } else if (path == "." || path == "..") {
      path = {};
    } else {
      const auto next = path.find('/', path.front() == '/' ? 1 : 0);
      out += path.substr(0, next);
      path = next == std::string_view::npos ? std::string_view() : path.substr(next);
    }
  }
  return out;
}

AJWT_DECL std::string sha256_b64(std::string_view data) {
  // Per bound request on the verify path: the digest stays on the stack (sha256_bytes would allocate it).
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, digests::get().sha256.get(), nullptr) != 1 || len != 32)
    throw crypto_error("ajwt: SHA-256 failed: " + drain_openssl_errors());
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(md), len));
}

AJWT_DECL bool is_origin(std::string_view url) {
  const auto parts = split_url(url);
  return parts && parts->path.empty() && !parts->query && !parts->fragment && normalize_url(url);
}

}  // namespace detail
AJWT_NAMESPACE_END

AJWT_NAMESPACE_BEGIN

AJWT_DECL std::optional<normalized_url> normalize_url(std::string_view url) {
  const auto parts = detail::split_url(url);
  if (!parts || parts->userinfo) return std::nullopt;
  std::string scheme;
  for (char c : parts->scheme) scheme += detail::ascii_lower(c);
  if (scheme != "http" && scheme != "https") return std::nullopt;
  const auto split = detail::split_host_port(parts->host_port);
  const auto* hp = std::get_if<detail::host_port>(&split);
  if (hp == nullptr) return std::nullopt;
  if (hp->host.empty()) return std::nullopt;
  std::string host_lower;
  for (char c : hp->host) host_lower += detail::ascii_lower(c);
  normalized_url out;
  out.target = scheme + "://";
  // RFC 3986 section 3.2.2: an IP literal holds hex digits, ':' and '.'; a reg-name or IPv4 address
  // holds unreserved, sub-delims and percent-encodings.
  if (hp->ip_literal) {
    for (char c : host_lower)
      if (detail::hex_value(c) < 0 && c != ':' && c != '.') return std::nullopt;
    out.target += '[' + host_lower + ']';
  } else {
    for (char c : host_lower)
      if (!detail::is_unreserved(c) && c != '%' &&
          std::string_view("!$&'()*+,;=").find(c) == std::string_view::npos)
        return std::nullopt;
    const auto normalized_host = detail::normalize_percent(host_lower);
    if (!normalized_host) return std::nullopt;
    const std::string& host_norm = *normalized_host;
    // Decoding may have produced upper-case letters (%41 is "A"): lower-case again, except the two
    // hex digits of each remaining percent-encoding.
    for (std::size_t i = 0; i < host_norm.size(); ++i) {
      if (host_norm[i] == '%') {
        out.target.append(host_norm, i, 3);
        i += 2;
      } else {
        out.target += detail::ascii_lower(host_norm[i]);
      }
    }
  }
  const std::string_view port = hp->port.value_or(std::string_view());
  if (!port.empty()) {
    unsigned long value = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + static_cast<unsigned long>(c - '0');
      if (value > 65535) return std::nullopt;
    }
    const bool is_default = (scheme == "http" && value == 80) || (scheme == "https" && value == 443);
    if (!is_default) out.target += ':' + std::to_string(value);
  }
  const auto normalized_path = detail::normalize_percent(parts->path);
  if (!normalized_path) return std::nullopt;
  const std::string path_norm = detail::remove_dot_segments(*normalized_path);
  out.target += path_norm.empty() ? std::string("/") : path_norm;
  if (parts->query) {
    auto query = detail::normalize_percent(*parts->query);
    if (!query) return std::nullopt;
    out.query = std::move(*query);
  }
  return out;
}

AJWT_DECL std::string body_sha256(std::string_view body) { return detail::sha256_b64(body); }

AJWT_NAMESPACE_END

AJWT_NAMESPACE_BEGIN

AJWT_DECL binding_claims binding_claims::of(const http_request& req) {
  if (req.method.empty()) throw config_error("request binding", "needs the HTTP method");
  auto u = normalize_url(req.url);
  if (!u)
    throw config_error("request binding", "needs an absolute http(s) URL without user info, not \"" +
                                              req.url.substr(0, 200) + "\"");
  binding_claims b;
  b.htm = req.method;
  b.htu = std::move(u->target);
  b.htq = detail::sha256_b64(u->query);
  b.htb = req.body_sha256 ? *req.body_sha256 : detail::sha256_b64(req.body ? *req.body : std::string());
  return b;
}

AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_REQUEST_IPP
