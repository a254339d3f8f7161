// SPDX-License-Identifier: ISC
// The error model's vocabulary: reason, one value per way a token is rejected (docs/reasons.md), and the
// exceptions ajwt throws for programming and configuration mistakes (key_error, config_error, ...), never
// for untrusted input.
#ifndef AJWT_ERROR_HPP
#define AJWT_ERROR_HPP

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "version.hpp"

AJWT_NAMESPACE_BEGIN

/// Why a token was rejected. The names are stable: logs, metrics and the `ajwt verify` output use them.
/// This enum is the one place the list lives; docs/reasons.md explains each.
enum class reason {
  malformed_header,  ///< the Authorization value is not "<scheme> <token>"
  wrong_scheme,      ///< the scheme word is not the configured one (case-insensitive)
  token_too_large,   ///< the token is longer than the configured maximum; nothing was decoded
  malformed_token,   ///< not three canonical base64url segments of strict JSON objects, or a forbidden header
  unsupported_algorithm,  ///< `alg` is unknown, forbidden (none, HS*), or not allowed for any key of the user
  unknown_user,           ///< the key repository knows no keys for the claimed username
  bad_signature,          ///< no key of the user verifies the signature
  missing_claim,          ///< a required claim (username, time, nonce, or aud when required) is absent
  invalid_claim,          ///< a claim has the wrong type, is empty, or is out of range
  time_out_of_window,     ///< `time` (or `nbf`) is further from the server clock than the tolerance
  nonce_replayed,         ///< the nonce store has seen (username, time, nonce) before
  token_expired,          ///< `exp` is in the past by more than the tolerance
  audience_mismatch,      ///< `aud` holds none of the verifier's expected audiences, or none were expected
  nonce_store_unavailable,  ///< the nonce store could not answer; the verifier fails closed
  request_mismatch,         ///< a binding claim (htm/htu/htq/htb) differs from the request received, is not
                            ///< a string, or is missing while binding is required
  key_repository_unavailable,  ///< the key repository could not answer (a JWKS URL or database is down and
                               ///< nothing usable is cached); the verifier fails closed
};

/// Every reason, in declaration order (for tests, docs and metrics labels).
inline constexpr reason all_reasons[] = {
    reason::malformed_header,      reason::wrong_scheme,
    reason::token_too_large,       reason::malformed_token,
    reason::unsupported_algorithm, reason::unknown_user,
    reason::bad_signature,         reason::missing_claim,
    reason::invalid_claim,         reason::time_out_of_window,
    reason::nonce_replayed,        reason::token_expired,
    reason::audience_mismatch,     reason::nonce_store_unavailable,
    reason::request_mismatch,      reason::key_repository_unavailable,
};

/// The snake_case name of a reason, exactly as spelled in the enum.
constexpr std::string_view to_string(reason r) noexcept {
  switch (r) {
    case reason::malformed_header: return "malformed_header";
    case reason::wrong_scheme: return "wrong_scheme";
    case reason::token_too_large: return "token_too_large";
    case reason::malformed_token: return "malformed_token";
    case reason::unsupported_algorithm: return "unsupported_algorithm";
    case reason::unknown_user: return "unknown_user";
    case reason::bad_signature: return "bad_signature";
    case reason::missing_claim: return "missing_claim";
    case reason::invalid_claim: return "invalid_claim";
    case reason::time_out_of_window: return "time_out_of_window";
    case reason::nonce_replayed: return "nonce_replayed";
    case reason::token_expired: return "token_expired";
    case reason::audience_mismatch: return "audience_mismatch";
    case reason::nonce_store_unavailable: return "nonce_store_unavailable";
    case reason::request_mismatch: return "request_mismatch";
    case reason::key_repository_unavailable: return "key_repository_unavailable";
  }
  return "unknown_reason";
}

/// Base of every exception ajwt throws. Only configuration and programming mistakes throw
/// (bad key files, bad options); verifying untrusted input never does.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An error about something with a location: a key (its file, "JWK", "JWKS key #2", ...) or a piece of
/// configuration (a file and line, an option). Besides what(), it carries the parts separately, so that a
/// program formats its own message without taking what() apart:
///   source()   where: a file name, a field or a label the caller gave; empty when the thrower gave none
///   line()     the 1-based line in that file, 0 when there is none
///   problem()  what is wrong, without the location
/// what() is "<source>:<line>: <problem>", "<source>: <problem>" or, with no source, the message as given.
/// Every key_error and config_error ajwt throws has a source: an option ("verifier_options.tolerance"), an
/// argument ("username", "scheme", "RSA key size"), a URL ("JWKS URL \"...\""), a key ("signing key", a
/// file name, "JWK") or a file and line. So what() leads with where, and a program can name the field
/// without reading the message. (ajwt's other errors, which have no location, begin with "ajwt: ".)
class located_error : public error {
 public:
  /// A message without separate parts: source() is empty, problem() is the message.
  explicit located_error(const std::string& message)
      : error(message), parts_(std::make_shared<const parts>(parts{{}, 0, message})) {}
  /// The parts; what() is composed from them.
  located_error(std::string source, std::string problem, std::size_t line = 0)
      : error(compose(source, line, problem)),
        parts_(std::make_shared<const parts>(parts{std::move(source), line, std::move(problem)})) {}

  /// Where (a file name, a field, a label); empty when the thrower gave only a message.
  [[nodiscard]] const std::string& source() const noexcept { return parts_->source; }
  /// The 1-based line in source(), or 0.
  [[nodiscard]] std::size_t line() const noexcept { return parts_->line; }
  /// What is wrong, without the location.
  [[nodiscard]] const std::string& problem() const noexcept { return parts_->problem; }

 private:
  struct parts {
    std::string source;
    std::size_t line;
    std::string problem;
  };
  static std::string compose(const std::string& source, std::size_t line, const std::string& problem) {
    if (source.empty()) return problem;
    return source + (line != 0 ? ":" + std::to_string(line) : std::string()) + ": " + problem;
  }
  std::shared_ptr<const parts> parts_;  // shared: copying an exception must not throw
};

/// Key material that cannot be used: unreadable file, unknown format, wrong passphrase, weak or
/// unsupported key. source() names the file or field, problem() what is wrong.
class key_error : public located_error {
 public:
  using located_error::located_error;
};

/// A configuration value that makes no sense (an option, a URL, an authorized-keys line: then source() is
/// the file and line() the line).
class config_error : public located_error {
 public:
  using located_error::located_error;
};

/// Thrown by a key repository's `find` when it cannot answer for a user right now (its source is down
/// and nothing usable is cached). The verifier maps it, and any other exception from `find`, to
/// reason::key_repository_unavailable: an outage is never reported as an unknown user.
class repository_unavailable : public error {
 public:
  using error::error;
};

/// Signing failed inside the crypto library (should not happen with a valid key).
class crypto_error : public error {
 public:
  using error::error;
};

AJWT_NAMESPACE_END

#endif  // AJWT_ERROR_HPP
