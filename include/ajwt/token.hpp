// SPDX-License-Identifier: ISC
// The client side: token_builder signs the {"username", "time", "nonce"} claims (plus audience, request
// binding and custom claims) for one private key and makes the Authorization header value. Also makes
// generate_nonce. Includes verified_token.hpp so that code written against one header keeps compiling.
#ifndef AJWT_TOKEN_HPP
#define AJWT_TOKEN_HPP

#include <algorithm>
#include <atomic>
#include <cstddef>
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
#include "detail/json_write.hpp"
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
AJWT_DECL std::string generate_nonce(std::size_t bytes = default_nonce_bytes);

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
  token_builder(private_key key, std::string username);
  // Copies, moves and destruction are out of line: a file that only holds a builder need not instantiate
  // nlohmann::json's copy and destruction for the custom claims.
  /// A builder with the same key, username, settings and custom claims.
  token_builder(const token_builder& other);
  /// Takes over `other`'s key, username, settings and custom claims.
  token_builder(token_builder&& other) noexcept;
  /// Becomes a copy of `other`.
  token_builder& operator=(const token_builder& other);
  /// Takes over `other`'s state.
  token_builder& operator=(token_builder&& other) noexcept;
  /// Releases the key reference and the custom claims.
  ~token_builder();

  /// Signs with `a` instead of the key's default; throws key_error when the key cannot.
  token_builder& algorithm(ajwt::algorithm a);
  /// Fixes the `time` claim (Unix seconds) instead of the clock at signing.
  token_builder& time(std::int64_t unix_seconds);
  /// Fixes the nonce (tests only: a fixed nonce makes every token after the first a replay).
  token_builder& nonce(std::string value);
  /// Adds the `aud` claim (one audience: a string).
  token_builder& audience(std::string aud) { return claim("aud", nlohmann::json(std::move(aud))); }
  /// Adds the `aud` claim (several audiences: an array).
  token_builder& audiences(const std::vector<std::string>& auds);
  /// Adds a claim. The protocol's own claims (username, time, nonce) cannot be overridden.
  token_builder& claim(const std::string& name, nlohmann::json value);
  /// Binds the token to one HTTP request (the request-binding extension): adds htm, htu, htq and htb.
  /// Throws config_error when the URL is not an absolute http(s) URL.
  token_builder& bind(const http_request& request);
  /// Removes a claim added with claim().
  token_builder& remove_claim(const std::string& name);
  /// The authorization scheme word used by header() (default "JWT").
  token_builder& scheme(std::string word);

  /// A new compact token (header.payload.signature).
  [[nodiscard]] std::string token() const { return make_token(nullptr); }

  /// A new compact token bound to `request` (htm, htu, htq, htb), leaving the builder unchanged: one
  /// builder can sign every request of many threads at once. Claims set with bind() are replaced by
  /// this request's. Throws config_error when the URL is not an absolute http(s) URL.
  [[nodiscard]] std::string token(const http_request& request) const;

  /// A new Authorization header value: "<scheme> <token>".
  [[nodiscard]] std::string header() const { return scheme_ + ' ' + token(); }

  /// A new Authorization header value bound to `request`, leaving the builder unchanged (see
  /// token(const http_request&)).
  [[nodiscard]] std::string header(const http_request& request) const;

  /// The signing key.
  [[nodiscard]] const private_key& key() const noexcept { return key_; }
  /// The `username` claim of every token.
  [[nodiscard]] const std::string& username() const noexcept { return username_; }
  /// The algorithm tokens are signed with.
  [[nodiscard]] ajwt::algorithm algorithm() const noexcept { return alg_; }

 private:
  std::string make_token(const binding_claims* binding) const;

  private_key key_;
  std::string username_;
  ajwt::algorithm alg_;
  std::optional<std::int64_t> time_;
  std::optional<std::string> nonce_;
  nlohmann::json extra_ = nlohmann::json::object();
  std::string scheme_{default_scheme};
};

AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "impl/token.ipp"
#endif

#endif  // AJWT_TOKEN_HPP
