// SPDX-License-Identifier: ISC
// The verifier's options and the event its observer receives: plain data, shared by the verifier
// template (verifier.hpp) and its non-template checks (detail/verify_steps.hpp).
#ifndef AJWT_VERIFIER_OPTIONS_HPP
#define AJWT_VERIFIER_OPTIONS_HPP

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "algorithm.hpp"
#include "error.hpp"
#include "jws.hpp"
#include "version.hpp"
#include "wire.hpp"

AJWT_NAMESPACE_BEGIN

/// What the verifier tells its observer after each verification (for logs and metrics).
struct verify_event {
  bool accepted = false;      ///< whether the token was accepted
  std::optional<reason> why;  ///< set when rejected
  std::string_view detail;    ///< the rejection detail (empty when accepted)
  std::string_view username;  ///< the claimed username when it could be read (unverified if rejected!)
  std::string_view kid;       ///< the token's kid when it could be read
};

/// Options of a verifier. Defaults match the Python library (scheme JWT, ±20 s), with strict limits.
struct verifier_options {
  /// The authorization scheme word, compared case-insensitively (the Python library's AUTH_METHOD).
  std::string scheme{default_scheme};
  /// Accept `time` within now ± tolerance seconds, inclusive; also the leeway for exp and nbf.
  std::int64_t tolerance = 20;
  /// Tokens (the part after the scheme) longer than this are rejected before any decoding.
  std::size_t max_token_bytes = default_max_token_bytes;
  /// Algorithms accepted at all; each key further allows only those of its type. PS256/384/512 are
  /// off by default (the Python library never sends them): insert them to opt in.
  algorithm_set algorithms = algorithm_set::defaults();
  /// Audiences this verifier answers to. A token with `aud` must name one of them; a token with
  /// `aud` is rejected when this is empty (as PyJWT does in the Python library).
  std::vector<std::string> audiences;
  /// Reject tokens without `aud` (missing_claim).
  bool require_audience = false;
  /// The most keys one token's signature is checked against when its kid names none of the user's
  /// keys (no kid, or a kid the user's keys do not carry). A kid that names a key (its fingerprint,
  /// RFC 7638 thumbprint or JWK kid) selects that key alone, so this bounds the work a forged token
  /// can cost: at most this many signature checks, whatever the number of keys a user holds. Tokens of
  /// the Python library and of ajwt always carry the fingerprint kid. From 1 to 64.
  std::size_t max_keys_per_token = 4;
  /// Longest accepted `username` and `nonce` claims.
  std::size_t max_username_bytes = 256;
  std::size_t max_nonce_bytes = 256;  ///< longest accepted `nonce` claim
  /// Request binding: reject tokens that do not carry all of htm, htu, htq and htb, or whose values
  /// differ from the request given to verify_header/verify_token (request_mismatch). When false,
  /// binding claims a token carries are still checked whenever a request is given.
  bool require_binding = false;
  /// Told of every result; must not throw (exceptions from it are swallowed).
  std::function<void(const verify_event&)> observer;
};

AJWT_NAMESPACE_END

#endif  // AJWT_VERIFIER_OPTIONS_HPP
