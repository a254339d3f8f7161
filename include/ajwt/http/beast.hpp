// SPDX-License-Identifier: ISC
// Boost.Beast adapter (the optional component ajwt::beast; header-only Boost): from a
// boost::beast::http::request to ajwt::http_request, verification bound to it, and the 401 answer.
//
//     namespace http = boost::beast::http;
//     http::request<http::string_body> req;
//     http::read(socket, buffer, req);
//     const auto r = ajwt::http::verify_request(verifier, req, "https://api.example.com");
//     if (!r) {
//       log(ajwt::to_string(r.reason()), r.detail());            // for the operator only
//       http::write(socket, ajwt::http::unauthorized_response(req, verifier.options().scheme));
//       return;
//     }
//     serve(req, r->username());
//
// Bodies: string_body, vector_body of char or unsigned char, span_body, empty_body and the dynamic
// buffer bodies (dynamic_body, basic_dynamic_body<flat_buffer>, ...) are read as they are; for another
// body type, build the http_request yourself (with http_request::body_sha256 for a streamed body).
// Everything here is a free function without state: thread-safe as the verifier is.
#ifndef AJWT_HTTP_BEAST_HPP
#define AJWT_HTTP_BEAST_HPP

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include "../request.hpp"
#include "../token.hpp"
#include "../version.hpp"
#include "../wire.hpp"

AJWT_NAMESPACE_BEGIN
namespace http {

namespace detail {
template <class T, class = void>
struct is_contiguous_bytes : std::false_type {};
/// A value whose data() is a pointer to bytes (std::string, std::vector<char>, span<unsigned char>...).
template <class T>
struct is_contiguous_bytes<T, std::enable_if_t<std::is_pointer_v<decltype(std::declval<const T&>().data())> &&
                                               sizeof(*std::declval<const T&>().data()) == 1 &&
                                               std::is_integral_v<decltype(std::declval<const T&>().size())>>>
    : std::true_type {};

template <class T, class = void>
struct is_dynamic_buffer : std::false_type {};
template <class T>
struct is_dynamic_buffer<
    T, std::void_t<decltype(boost::beast::buffers_to_string(std::declval<const T&>().data()))>>
    : std::true_type {};

template <class>
inline constexpr bool unsupported_body = false;

/// The body octets of a Beast message body value.
template <class Body, class Value>
std::optional<std::string> body_bytes(const Value& value) {
  if constexpr (std::is_same_v<Body, boost::beast::http::empty_body>) {
    return std::nullopt;
  } else if constexpr (is_contiguous_bytes<Value>::value) {
    return std::string(reinterpret_cast<const char*>(value.data()), value.size());
  } else if constexpr (is_dynamic_buffer<Value>::value) {
    return boost::beast::buffers_to_string(value.data());
  } else {
    static_assert(
        unsupported_body<Body>,
        "ajwt::http: this Beast body type cannot be read as bytes; build an ajwt::http_request yourself");
    return std::nullopt;
  }
}
}  // namespace detail

/// The request as the verifier binds it: its method, `origin` (scheme://host[:port] the clients call
/// this server at; never the Host header, which the client chooses) followed by its target as received,
/// and its body.
template <class Body, class Fields>
[[nodiscard]] http_request to_http_request(const boost::beast::http::request<Body, Fields>& req,
                                           std::string_view origin) {
  http_request out;
  const auto method = req.method_string();
  out.method.assign(method.data(), method.size());
  const auto target = req.target();
  out.url.reserve(origin.size() + target.size());
  out.url.append(origin.data(), origin.size());
  out.url.append(target.data(), target.size());
  out.body = detail::body_bytes<Body>(req.body());
  return out;
}

/// Verifies the request's Authorization header (a missing one is verified as "", malformed_header),
/// bound to the request. Never throws for what the client sent.
template <class Verifier, class Body, class Fields>
[[nodiscard]] typename Verifier::result_type verify_request(
    const Verifier& verifier, const boost::beast::http::request<Body, Fields>& req, std::string_view origin) {
  const auto header = req[boost::beast::http::field::authorization];
  return verifier.verify_header(std::string_view(header.data(), header.size()), to_http_request(req, origin));
}

/// The answer to a refused request: 401, "WWW-Authenticate: <scheme>", "unauthorized\n" as text/plain,
/// with the request's HTTP version and keep-alive. The client learns nothing about why.
template <class Body, class Fields>
[[nodiscard]] boost::beast::http::response<boost::beast::http::string_body> unauthorized_response(
    const boost::beast::http::request<Body, Fields>& req, std::string_view scheme = default_scheme) {
  namespace bh = boost::beast::http;
  bh::response<bh::string_body> res{bh::status::unauthorized, req.version()};
  res.set(bh::field::www_authenticate, boost::beast::string_view(scheme.data(), scheme.size()));
  res.set(bh::field::content_type, "text/plain");
  res.keep_alive(req.keep_alive());
  res.body() = "unauthorized\n";
  res.prepare_payload();
  return res;
}

}  // namespace http
AJWT_NAMESPACE_END

#endif  // AJWT_HTTP_BEAST_HPP
