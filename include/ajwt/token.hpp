// SPDX-License-Identifier: ISC
// The client side: token_builder signs the {"username", "time", "nonce"} claims (plus audience, request
// binding and custom claims) for one private key and makes the Authorization header value. Also makes
// generate_nonce. Includes verified_token.hpp so that code written against one header keeps compiling.
#ifndef AJWT_TOKEN_HPP
#define AJWT_TOKEN_HPP

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "algorithm.hpp"
#include "clock.hpp"
#include "detail/base64.hpp"
#include "detail/json.hpp"
#include "detail/openssl.hpp"
#include "error.hpp"
#include "jws_sign.hpp"
#include "private_key.hpp"
#include "request.hpp"
#include "verified_token.hpp"
#include "version.hpp"
#include "wire.hpp"

AJWT_NAMESPACE_BEGIN

/// Bytes of CSPRNG output in a default nonce: 8 bytes = 64 bits, 11 base64url characters, exactly
/// like the Python library's secrets.token_urlsafe(8).
inline constexpr std::size_t default_nonce_bytes = 8;

/// A fresh nonce: `bytes` bytes from the OS CSPRNG, base64url without padding.
inline std::string generate_nonce(std::size_t bytes = default_nonce_bytes) {
  if (bytes < 8 || bytes > 64) throw config_error("ajwt: a nonce needs 8 to 64 random bytes");
  unsigned char buf[64];
  detail::random_bytes(buf, bytes);
  return detail::base64url_encode(std::string_view(reinterpret_cast<const char*>(buf), bytes));
}

namespace detail {
/// Appends `s` as a JSON string literal.
inline void append_json_string(std::string& out, std::string_view s) {
  out += nlohmann::json(std::string(s)).dump();
}
}  // namespace detail

/// Builds signed tokens for one client identity (client side). Each call to token() or header()
/// makes a new token with the current time and a fresh nonce, unless time() or nonce() fixed them.
///
///     ajwt::token_builder b(key, "svc-billing");
///     request.set_header("Authorization", b.header());   // "JWT eyJ..."
///
/// The header is {"alg", "kid", "typ": "JWT"} with kid the key's fingerprint; the claims are
/// {"username", "time", "nonce"} plus any extra claims (audience, request binding, custom).
///
/// Thread safety: the const members (token(), header(), their request-bound overloads and the
/// accessors) may run on many threads at once; the setters (time(), bind(), claim(), ...) change the
/// builder and must not run while another thread uses it. Sign requests with header(request), not
/// bind() then header(), when a builder is shared.
class token_builder {
 public:
  /// A builder signing for `username` with `key`, with the key's default algorithm and the JWT scheme.
  token_builder(private_key key, std::string username)
      : key_(std::move(key)), username_(std::move(username)) {
    if (username_.empty()) throw config_error("ajwt: token_builder needs a non-empty username");
    alg_ = key_.default_algorithm();
  }

  /// Signs with `a` instead of the key's default; throws key_error when the key cannot.
  token_builder& algorithm(ajwt::algorithm a) {
    if (!key_.allows(a))
      throw key_error("ajwt: a " + std::string(to_string(key_.type())) + " key cannot sign " +
                      std::string(to_string(a)));
    alg_ = a;
    return *this;
  }
  /// Fixes the `time` claim (Unix seconds) instead of the clock at signing.
  token_builder& time(std::int64_t unix_seconds) {
    time_ = unix_seconds;
    return *this;
  }
  /// Fixes the nonce (tests only: a fixed nonce makes every token after the first a replay).
  token_builder& nonce(std::string value) {
    if (value.empty()) throw config_error("ajwt: a nonce must not be empty");
    nonce_ = std::move(value);
    return *this;
  }
  /// Adds the `aud` claim (one audience: a string).
  token_builder& audience(std::string aud) { return claim("aud", nlohmann::json(std::move(aud))); }
  /// Adds the `aud` claim (several audiences: an array).
  token_builder& audiences(const std::vector<std::string>& auds) {
    return claim("aud", nlohmann::json(auds));
  }
  /// Adds a claim. The protocol's own claims (username, time, nonce) cannot be overridden.
  token_builder& claim(const std::string& name, nlohmann::json value) {
    if (name == "username" || name == "time" || name == "nonce")
      throw config_error("ajwt: claim \"" + name + "\" is set by the token builder itself");
    extra_[name] = std::move(value);
    return *this;
  }
  /// Binds the token to one HTTP request (the request-binding extension): adds htm, htu, htq and htb.
  /// Throws config_error when the URL is not an absolute http(s) URL.
  token_builder& bind(const http_request& request) {
    auto b = binding_claims::of(request);
    extra_[std::string(claim::method)] = std::move(b.htm);
    extra_[std::string(claim::uri)] = std::move(b.htu);
    extra_[std::string(claim::query_hash)] = std::move(b.htq);
    extra_[std::string(claim::body_hash)] = std::move(b.htb);
    return *this;
  }
  /// Removes a claim added with claim().
  token_builder& remove_claim(const std::string& name) {
    extra_.erase(name);
    return *this;
  }
  /// The authorization scheme word used by header() (default "JWT").
  token_builder& scheme(std::string word) {
    if (word.empty() || word.find_first_of(" \t\r\n") != std::string::npos)
      throw config_error("ajwt: the scheme must be one word");
    scheme_ = std::move(word);
    return *this;
  }

  /// A new compact token (header.payload.signature).
  [[nodiscard]] std::string token() const { return make_token(nullptr); }

  /// A new compact token bound to `request` (htm, htu, htq, htb), leaving the builder unchanged: one
  /// builder can sign every request of many threads at once. Claims set with bind() are replaced by
  /// this request's. Throws config_error when the URL is not an absolute http(s) URL.
  [[nodiscard]] std::string token(const http_request& request) const {
    const auto b = binding_claims::of(request);
    return make_token(&b);
  }

  /// A new Authorization header value: "<scheme> <token>".
  [[nodiscard]] std::string header() const { return scheme_ + ' ' + token(); }

  /// A new Authorization header value bound to `request`, leaving the builder unchanged (see
  /// token(const http_request&)).
  [[nodiscard]] std::string header(const http_request& request) const {
    return scheme_ + ' ' + token(request);
  }

  /// The signing key.
  [[nodiscard]] const private_key& key() const noexcept { return key_; }
  /// The `username` claim of every token.
  [[nodiscard]] const std::string& username() const noexcept { return username_; }
  /// The algorithm tokens are signed with.
  [[nodiscard]] ajwt::algorithm algorithm() const noexcept { return alg_; }

 private:
  std::string make_token(const binding_claims* binding) const {
    std::string header = "{\"alg\":\"";
    header += to_string(alg_);
    header += "\",\"kid\":\"";
    header += key_.kid();
    header += "\",\"typ\":\"JWT\"}";
    std::string payload = "{\"username\":";
    detail::append_json_string(payload, username_);
    payload += ",\"time\":";
    payload += std::to_string(time_ ? *time_ : system_clock().now());
    payload += ",\"nonce\":";
    detail::append_json_string(payload, nonce_ ? *nonce_ : generate_nonce());
    const std::string_view bound[] = {claim::method, claim::uri, claim::query_hash, claim::body_hash};
    for (const auto& [name, value] : extra_.items()) {
      if (binding && std::find(std::begin(bound), std::end(bound), name) != std::end(bound)) continue;
      payload += ',';
      detail::append_json_string(payload, name);
      payload += ':';
      payload += value.dump();
    }
    if (binding) {
      const std::string* values[] = {&binding->htm, &binding->htu, &binding->htq, &binding->htb};
      for (int i = 0; i < 4; ++i) {
        payload += ',';
        detail::append_json_string(payload, bound[i]);
        payload += ':';
        detail::append_json_string(payload, *values[i]);
      }
    }
    payload += '}';
    std::string out = detail::base64url_encode(header);
    out += '.';
    detail::base64_append(out, payload, detail::b64_alphabet::url);
    const std::string sig = jws::sign(key_, alg_, out);
    out += '.';
    detail::base64_append(out, sig, detail::b64_alphabet::url);
    return out;
  }

  private_key key_;
  std::string username_;
  ajwt::algorithm alg_;
  std::optional<std::int64_t> time_;
  std::optional<std::string> nonce_;
  nlohmann::json extra_ = nlohmann::json::object();
  std::string scheme_{default_scheme};
};

AJWT_NAMESPACE_END

#endif  // AJWT_TOKEN_HPP
