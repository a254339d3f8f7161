// SPDX-License-Identifier: ISC
// cpp-httplib integration (the optional component ajwt::httplib): one call makes a httplib::Server
// verify the Authorization header of every request it protects, bound to the request it received, and a
// client that signs each request it sends.
//
//     ajwt::verifier<ajwt::static_key_repository<>> verifier(keys, options);
//     httplib::Server server;
//     ajwt::http::httplib_options o;
//     o.origin = "https://api.example.com";   // what clients call; never the Host header
//     auto auth = ajwt::http::install_verification(server, verifier, o);
//     server.Post("/items", [&](const httplib::Request& req, httplib::Response& res) {
//       const auto* token = auth.require(req, res);   // nullptr: res is the 401 already
//       if (!token) return;
//       res.set_content("hello " + token->username(), "text/plain");
//     });
//
//     ajwt::http::signing_client client("https://api.example.com", ajwt::token_builder(key, "svc-billing"));
//     auto res = client.Post("/items", R"({"n":1})", "application/json");
//
// Why require() in handlers of requests with a body: cpp-httplib runs its pre-routing handler before it
// reads the body, so a request with a body can be verified (its htb claim checked) only once the body is
// there. Such a request is verified by the first require()/token() call on the handler's thread, before
// the handler acts on it; should a handler never ask, the post-routing handler verifies it after the
// handler and replaces the response by the 401 when it is refused, so it is never sent. Requests without
// a body are refused before any handler runs.
#ifndef AJWT_HTTP_HTTPLIB_HPP
#define AJWT_HTTP_HTTPLIB_HPP

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <httplib.h>

#include "../error.hpp"
#include "../request.hpp"
#include "../token.hpp"
#include "../version.hpp"
#include "../wire.hpp"

AJWT_NAMESPACE_BEGIN
namespace http {

/// How install_verification protects a httplib::Server.
struct httplib_options {
  /// scheme://host[:port] the clients call the server at (required). The URL a bound token must name is
  /// this origin followed by the request target as received ("/items?id=7"); the Host header, which the
  /// client chooses, is never used.
  std::string origin;
  /// Which requests need a token; empty: every request. To leave a health check open:
  ///     o.protect = [](const httplib::Request& r) { return r.path != "/healthz"; };
  std::function<bool(const ::httplib::Request&)> protect;
};

/// What happened to one request so far, for access logs and metrics.
struct httplib_outcome {
  /// Where the request stands.
  enum class status {
    unknown,        ///< not a request this installation has seen (another thread's, or none)
    not_protected,  ///< httplib_options::protect said no token is needed
    no_header,      ///< no Authorization header: refused with 401
    pending,        ///< has a body, not verified yet (see the file comment)
    accepted,       ///< verified; `username` is the authenticated user
    rejected,       ///< refused with 401; `why` and `detail` say why (for logs only, never for the client)
  };
  /// Where the request stands.
  status state = status::unknown;
  /// The rejection reason (state rejected).
  std::optional<ajwt::reason> why;
  std::string detail;
  /// The authenticated user (state accepted).
  std::string username;
};

/// Sets `res` to the answer every refused request gets: 401, "WWW-Authenticate: <scheme>", the body
/// "unauthorized\n". The client learns nothing about why.
inline void set_unauthorized(::httplib::Response& res,
                             const std::string& scheme = std::string(default_scheme)) {
  res = ::httplib::Response();
  res.status = 401;
  res.set_header("WWW-Authenticate", scheme);
  res.set_content("unauthorized\n", "text/plain");
}

template <class Verifier>
class httplib_verification;

/// Installs verification on `server` as its pre-routing handler (and its post-routing handler, for
/// requests with a body): a protected request without a valid Authorization header, bound to the
/// request received (method, origin + request target, body), gets set_unauthorized()'s 401 and no
/// handler sees it. Replaces any pre- or post-routing handler set before. `verifier` must outlive the
/// server. Throws config_error when options.origin is not scheme://host[:port].
template <class Verifier>
httplib_verification<Verifier> install_verification(::httplib::Server& server, const Verifier& verifier,
                                                    httplib_options options);

/// The handle install_verification returns, for handlers and loggers: which token verified a request.
/// Copies share one state. Its members are thread-safe; each answers for a request only on the thread
/// handling it (httplib runs the routing handlers, the handler and the logger of one request on one
/// thread), from the pre-routing handler until the next request on that thread.
template <class Verifier>
class httplib_verification {
 public:
  /// The verified token type of the verifier.
  using token_type = typename Verifier::token_type;

  /// The verified token of `req`, or nullptr when it was refused or is not protected. A request with a
  /// body is verified by the first call (the body is read by then).
  [[nodiscard]] const token_type* token(const ::httplib::Request& req) const {
    slot& s = current();
    if (s.req != &req || s.owner != state_.get()) return nullptr;
    if (s.outcome.state == httplib_outcome::status::pending) verify_into(s, req);
    return s.token ? &*s.token : nullptr;
  }

  /// As token(); when it is nullptr for a protected request, also sets `res` to the 401.
  [[nodiscard]] const token_type* require(const ::httplib::Request& req, ::httplib::Response& res) const {
    const auto* t = token(req);
    if (!t && outcome(req).state != httplib_outcome::status::not_protected)
      set_unauthorized(res, state_->verifier->options().scheme);
    return t;
  }

  /// What happened to `req` so far (valid in the logger too).
  [[nodiscard]] httplib_outcome outcome(const ::httplib::Request& req) const {
    const slot& s = current();
    if (s.req != &req || s.owner != state_.get()) return {};
    return s.outcome;
  }

  /// The origin bound URLs start with.
  [[nodiscard]] const std::string& origin() const noexcept { return state_->origin; }

 private:
  template <class V>
  friend httplib_verification<V> install_verification(::httplib::Server&, const V&, httplib_options);

  struct state {
    const Verifier* verifier;
    std::string origin;
    std::function<bool(const ::httplib::Request&)> protect;
  };
  /// The request this thread handles: set by the pre-routing handler, read by the rest.
  struct slot {
    const ::httplib::Request* req = nullptr;
    const state* owner = nullptr;
    httplib_outcome outcome;
    std::optional<token_type> token;
  };
  static slot& current() {
    static thread_local slot s;
    return s;
  }

  explicit httplib_verification(std::shared_ptr<const state> s) : state_(std::move(s)) {}

  /// Whether httplib reads a body for `req` (a Content-Length other than 0, or a Transfer-Encoding).
  static bool has_body(const ::httplib::Request& req) {
    if (req.has_header("Transfer-Encoding")) return true;
    const auto n = req.get_header_value("Content-Length");
    return !n.empty() && n.find_first_not_of('0') != std::string::npos;
  }

  void verify_into(slot& s, const ::httplib::Request& req) const {
    http_request received;
    received.method = req.method;
    received.url = state_->origin + req.target;
    received.body = req.body;
    auto r = state_->verifier->verify_header(req.get_header_value("Authorization"), received);
    if (r) {
      s.outcome.state = httplib_outcome::status::accepted;
      s.outcome.username = r->username();
      s.token.emplace(std::move(*r));
    } else {
      s.outcome.state = httplib_outcome::status::rejected;
      s.outcome.why = r.reason();
      s.outcome.detail = r.detail();
    }
  }

  ::httplib::Server::HandlerResponse pre_routing(const ::httplib::Request& req,
                                                 ::httplib::Response& res) const {
    slot& s = current();
    s = slot{};
    s.req = &req;
    s.owner = state_.get();
    if (state_->protect && !state_->protect(req)) {
      s.outcome.state = httplib_outcome::status::not_protected;
      return ::httplib::Server::HandlerResponse::Unhandled;
    }
    if (!req.has_header("Authorization")) {
      s.outcome.state = httplib_outcome::status::no_header;
      s.outcome.detail = "no Authorization header";
      set_unauthorized(res, state_->verifier->options().scheme);
      return ::httplib::Server::HandlerResponse::Handled;
    }
    if (has_body(req)) {
      s.outcome.state = httplib_outcome::status::pending;
      return ::httplib::Server::HandlerResponse::Unhandled;
    }
    verify_into(s, req);
    if (s.token) return ::httplib::Server::HandlerResponse::Unhandled;
    set_unauthorized(res, state_->verifier->options().scheme);
    return ::httplib::Server::HandlerResponse::Handled;
  }

  void post_routing(const ::httplib::Request& req, ::httplib::Response& res) const {
    slot& s = current();
    if (s.req != &req || s.owner != state_.get()) return;
    if (s.outcome.state == httplib_outcome::status::pending) verify_into(s, req);
    if (s.outcome.state == httplib_outcome::status::rejected && res.status != 401)
      set_unauthorized(res, state_->verifier->options().scheme);
  }

  std::shared_ptr<const state> state_;
};

template <class Verifier>
httplib_verification<Verifier> install_verification(::httplib::Server& server, const Verifier& verifier,
                                                    httplib_options options) {
  std::string origin = std::move(options.origin);
  if (!origin.empty() && origin.back() == '/') origin.pop_back();
  if (!ajwt::detail::is_origin(origin))
    throw config_error("httplib_options.origin",
                       "needs scheme://host[:port], like https://api.example.com, "
                       "not \"" +
                           origin.substr(0, 200) + "\"");
  using handle = httplib_verification<Verifier>;
  handle h(std::make_shared<const typename handle::state>(
      typename handle::state{&verifier, std::move(origin), std::move(options.protect)}));
  server.set_pre_routing_handler(
      [h](const ::httplib::Request& req, ::httplib::Response& res) { return h.pre_routing(req, res); });
  server.set_post_routing_handler(
      [h](const ::httplib::Request& req, ::httplib::Response& res) { h.post_routing(req, res); });
  return h;
}

/// A httplib::Client that signs each request it sends: a fresh token (new nonce) bound to the method,
/// origin + target and body of that request. Like httplib::Client, one request at a time per object;
/// the token_builder is only read (header(request) is const), so clients on other threads may share a
/// copy of it.
class signing_client {
 public:
  /// `origin`: scheme://host[:port] the server is called at (the URL it binds to). Throws config_error
  /// when it is not.
  signing_client(std::string origin, token_builder builder)
      : origin_(std::move(origin)), builder_(std::move(builder)) {
    if (!origin_.empty() && origin_.back() == '/') origin_.pop_back();
    if (!ajwt::detail::is_origin(origin_))
      throw config_error("signing_client",
                         "needs an origin scheme://host[:port], not \"" + origin_.substr(0, 200) + "\"");
    client_ = std::make_unique<::httplib::Client>(origin_);
  }

  /// The Authorization header value for one request (the other methods use it).
  [[nodiscard]] std::string header_for(const std::string& method, const std::string& target,
                                       const std::string& body = {}) const {
    return builder_.header(http_request{method, origin_ + target, body, std::nullopt});
  }

  /// GET `target` (path and query), with a header bound to this request.
  ::httplib::Result Get(const std::string& target, ::httplib::Headers headers = {}) {
    sign(headers, "GET", target, {});
    return client_->Get(target, headers);
  }
  /// DELETE `target`, with a header bound to this request.
  ::httplib::Result Delete(const std::string& target, ::httplib::Headers headers = {}) {
    sign(headers, "DELETE", target, {});
    return client_->Delete(target, headers);
  }
  /// POST `body` to `target`, with a header bound to this request and its body.
  ::httplib::Result Post(const std::string& target, const std::string& body, const std::string& content_type,
                         ::httplib::Headers headers = {}) {
    sign(headers, "POST", target, body);
    return client_->Post(target, headers, body, content_type);
  }
  /// PUT `body` to `target`, with a header bound to this request and its body.
  ::httplib::Result Put(const std::string& target, const std::string& body, const std::string& content_type,
                        ::httplib::Headers headers = {}) {
    sign(headers, "PUT", target, body);
    return client_->Put(target, headers, body, content_type);
  }
  /// PATCH `body` to `target`, with a header bound to this request and its body.
  ::httplib::Result Patch(const std::string& target, const std::string& body, const std::string& content_type,
                          ::httplib::Headers headers = {}) {
    sign(headers, "PATCH", target, body);
    return client_->Patch(target, headers, body, content_type);
  }

  /// The underlying client, for timeouts, TLS settings and proxies. Requests sent through it directly
  /// are not signed.
  [[nodiscard]] ::httplib::Client& client() noexcept { return *client_; }
  /// The builder that signs each request.
  [[nodiscard]] const token_builder& builder() const noexcept { return builder_; }
  /// The scheme://host[:port] requests are bound to.
  [[nodiscard]] const std::string& origin() const noexcept { return origin_; }

 private:
  void sign(::httplib::Headers& headers, const std::string& method, const std::string& target,
            const std::string& body) const {
    headers.erase("Authorization");
    headers.emplace("Authorization", header_for(method, target, body));
  }

  std::string origin_;
  token_builder builder_;
  std::unique_ptr<::httplib::Client> client_;
};

}  // namespace http
AJWT_NAMESPACE_END

#endif  // AJWT_HTTP_HTTPLIB_HPP
