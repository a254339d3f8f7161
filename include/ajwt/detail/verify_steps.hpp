// SPDX-License-Identifier: ISC
// The verifier's checks that depend on neither the key repository, the nonce store nor the clock
// type: strict decoding and header rules before the signature (parse_token), and after it the claims:
// the time window, the nonce's shape, exp and nbf, the audience and the request binding (check_claims).
// Non-template on purpose: the verifier template (verifier.hpp) keeps only the key lookup, the
// signature loop and the nonce store. Each step returns its failure as a value (std::optional<failure>
// or result<T>), never a flag with an out-parameter or a string to map back to a reason.
// Internal: namespace ajwt::detail.
#ifndef AJWT_DETAIL_VERIFY_STEPS_HPP
#define AJWT_DETAIL_VERIFY_STEPS_HPP

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "../algorithm.hpp"
#include "../error.hpp"
#include "../jws.hpp"
#include "../nonce_store.hpp"
#include "../request.hpp"
#include "../result.hpp"
#include "../verified_token.hpp"
#include "../verifier_options.hpp"
#include "../version.hpp"
#include "json.hpp"
#include "json_lex.hpp"
#include "json_scan.hpp"
#include "text.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

/// Reads a NumericDate (RFC 7519 section 2): an integer or a finite float, as seconds.
[[nodiscard]] AJWT_DECL std::optional<double> numeric_date(const json_field& v) noexcept;

/// The claims the verifier reads (every other member is validated, then left to claims()).
inline constexpr std::array<std::string_view, 10> verified_claims = {
    "username",    "time",     "nonce",           "exp",           "nbf", "aud",
    claim::method, claim::uri, claim::query_hash, claim::body_hash};
enum verified_claim : std::size_t { c_username, c_time, c_nonce, c_exp, c_nbf, c_aud, c_htm };

/// A token decoded and checked up to its signature. Holds views into the token and into itself, so
/// it is not movable: the verifier fills one on its stack (no allocation for the common token).
struct parsed_token {
  decoded_jws jws;
  picked_members<verified_claims.size()> claims;
  std::string_view username;  ///< the "username" claim, once it passed its checks (else empty)

  parsed_token() = default;
  parsed_token(const parsed_token&) = delete;
  parsed_token& operator=(const parsed_token&) = delete;
  AJWT_DECL ~parsed_token();  // out of line: the verifier template need not instantiate its members'
                              // destructors

  [[nodiscard]] const json_field& claim(verified_claim c) const noexcept { return claims.fields[c]; }
};

/// The claims check_claims accepted: what the nonce store records.
struct accepted_claims {
  std::int64_t time = 0;
  std::string_view nonce;  ///< a view into the parsed_token
};

/// A required string claim ("username", "nonce"): present, a string, 1 to `max_bytes` bytes. `name` is
/// the claim's name for the detail.
[[nodiscard]] AJWT_DECL result<std::string_view> check_string_claim(const json_field& f,
                                                                    std::string_view name,
                                                                    std::size_t max_bytes);

/// Step 1 of a verification: strict decoding (segments, base64url, JSON, header rules, alg name, a flat
/// scan that builds no DOM), the algorithm policy, "typ", the payload's shape and the username. The
/// failure, or nothing when `out` is ready for the key lookup. `out.jws.kid` is set only when the
/// token decoded, `out.username` only when it passed.
[[nodiscard]] AJWT_DECL std::optional<failure> parse_token(std::string_view token,
                                                           const verifier_options& opt, parsed_token& out);

/// The "time" claim: an integer within now ± tolerance (inclusive), with saturating arithmetic so a
/// clock near the limits of int64 cannot overflow the window's ends.
[[nodiscard]] AJWT_DECL result<std::int64_t> check_time(const json_field& f, const verifier_options& opt,
                                                        std::int64_t now);

/// "exp" and "nbf", when present: NumericDates, with the tolerance as leeway.
[[nodiscard]] AJWT_DECL std::optional<failure> check_exp_nbf(const json_field& exp, const json_field& nbf,
                                                             const verifier_options& opt, std::int64_t now);

/// "aud": absent (allowed unless require_audience), or a string or an array of strings naming one of
/// the verifier's audiences. An array is read with parse_json_strict (it already passed the scanner, which
/// shares its lexer; arrays are rare, strings the common case).
[[nodiscard]] AJWT_DECL std::optional<failure> check_audience(const json_field& aud,
                                                              const verifier_options& opt);

/// The request a verification is for (null when none was given) and how its binding claims are computed.
/// Only the verifier's request overloads set `claims_of` (to binding_claims::of), so a program that never
/// passes a request does not compile the URL normalisation and body hashing in at all.
struct received_request {
  const http_request* request = nullptr;
  binding_claims (*claims_of)(const http_request&) = nullptr;
};

/// The binding claims (htm, htu, htq, htb, at `binding`): each present one a string; all present when
/// require_binding; and each equal to that of the request received, when one is given.
[[nodiscard]] AJWT_DECL std::optional<failure> check_binding(const json_field* binding,
                                                             const verifier_options& opt,
                                                             const received_request& received);

/// Step 3, after the signature: the time window, the nonce, exp and nbf, the audience, the binding.
/// The verifier's constructor checks: throws config_error when an option makes no sense or a handle is a
/// null std::shared_ptr.
AJWT_DECL void check_options(const verifier_options& opt, bool null_repository, bool null_store);

/// Throws config_error when `opt.tolerance` is wider than the nonce store keeps nonces for (`kept`): a
/// wider verifier could accept a token again after the store forgot it.
AJWT_DECL void check_store_tolerance(const verifier_options& opt, std::int64_t kept);

/// Checks an Authorization header value "<scheme> <token>" (the scheme, then the size before any scanning,
/// then one token without blanks) and sets `token` to the token; the failure otherwise.
[[nodiscard]] AJWT_DECL std::optional<failure> token_of_header(std::string_view header,
                                                               const verifier_options& opt,
                                                               std::string_view& token);

/// The failure for an exception escaping verification (`e` null for one not derived from std::exception).
[[nodiscard]] AJWT_DECL failure internal_error(const std::exception* e);

/// The failure for a key repository whose find() threw (`e` as for internal_error).
[[nodiscard]] AJWT_DECL failure repository_failure(const std::exception* e);

/// The failure for a user without keys.
[[nodiscard]] AJWT_DECL failure unknown_user(std::string_view username);

/// The failure for a nonce the store did not record as fresh (replayed, or the store failed with
/// `store_error`).
[[nodiscard]] AJWT_DECL failure nonce_failure(nonce_status st, const std::string& store_error);

/// The failure when no key verified the signature: none of the user's keys (or not the one the kid
/// names) allows `alg`, or `tried` of the `allowing` keys were checked in vain.
[[nodiscard]] AJWT_DECL failure signature_failure(std::string_view username, algorithm alg,
                                                  bool kid_names_a_key, std::size_t allowing,
                                                  std::size_t tried);

/// Calls opt.observer, which must be set, with the outcome (`f` null when accepted); an exception from
/// the observer is swallowed: an observer must not change the outcome.
AJWT_DECL void notify_observer(const verifier_options& opt, const failure* f, std::string_view username,
                               std::string_view kid) noexcept;

/// The verified token's claims: the payload text, and its DOM when the scan had to build one. Moves both
/// out of `t`.
[[nodiscard]] AJWT_DECL lazy_json take_claims(parsed_token& t);

[[nodiscard]] AJWT_DECL result<accepted_claims> check_claims(const parsed_token& t,
                                                             const verifier_options& opt, std::int64_t now,
                                                             const received_request& received);

}  // namespace detail
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/detail/verify_steps.ipp"
#endif

#endif  // AJWT_DETAIL_VERIFY_STEPS_HPP
