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
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "../error.hpp"
#include "../jws.hpp"
#include "../request.hpp"
#include "../result.hpp"
#include "../verifier_options.hpp"
#include "../version.hpp"
#include "json.hpp"
#include "json_scan.hpp"
#include "text.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

/// Reads a NumericDate (RFC 7519 section 2): an integer or a finite float, as seconds.
[[nodiscard]] inline std::optional<double> numeric_date(const json_field& v) noexcept {
  switch (v.kind) {
    case json_kind::unsigned_integer: return static_cast<double>(v.unsigned_integer);
    case json_kind::integer: return static_cast<double>(v.integer);
    case json_kind::floating:
      if (std::isfinite(v.floating)) return v.floating;
      return std::nullopt;
    default: return std::nullopt;
  }
}

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

  [[nodiscard]] const json_field& claim(verified_claim c) const noexcept { return claims.fields[c]; }
};

/// The claims check_claims accepted: what the nonce store records.
struct accepted_claims {
  std::int64_t time = 0;
  std::string_view nonce;  ///< a view into the parsed_token
};

/// The "username" claim: a string of 1 to max_username_bytes bytes.
[[nodiscard]] inline result<std::string_view> check_username(const json_field& f,
                                                             const verifier_options& opt) {
  if (!f.present()) return failure{reason::missing_claim, "claim \"username\" is missing"};
  if (!f.is_string()) return failure{reason::invalid_claim, "claim \"username\" is not a string"};
  if (f.text.empty()) return failure{reason::invalid_claim, "claim \"username\" is empty"};
  if (f.text.size() > opt.max_username_bytes)
    return failure{reason::invalid_claim,
                   "claim \"username\" is longer than " + std::to_string(opt.max_username_bytes) + " bytes"};
  return f.text;
}

/// Step 1 of a verification: strict decoding (segments, base64url, JSON, header rules, alg name, a flat
/// scan that builds no DOM), the algorithm policy, "typ", the payload's shape and the username. The
/// failure, or nothing when `out` is ready for the key lookup. `out.jws.kid` is set only when the
/// token decoded, `out.username` only when it passed.
[[nodiscard]] inline std::optional<failure> parse_token(std::string_view token, const verifier_options& opt,
                                                        parsed_token& out) {
  if (auto why = decode_jws(token, opt.max_token_bytes, out.jws)) {
    out.jws.kid = {};
    return why;
  }
  const decoded_jws& d = out.jws;
  if (!opt.algorithms.contains(d.alg))
    return failure{reason::unsupported_algorithm,
                   "algorithm " + std::string(to_string(d.alg)) + " is not enabled on this verifier"};
  if (const auto& typ = d.header.fields[hdr_typ];
      typ.present() && (!typ.is_string() || !iequals_ascii(typ.text, "JWT")))
    return failure{reason::malformed_token, "header \"typ\" is not \"JWT\""};
  std::string err;
  if (!pick_members(d.payload, verified_claims, out.claims, err))
    return failure{reason::malformed_token, "payload: " + err};
  if (!out.claims.is_object) return failure{reason::malformed_token, "payload is not a JSON object"};
  auto username = check_username(out.claim(c_username), opt);
  if (!username) return username.error();
  out.username = *username;
  return std::nullopt;
}

/// The "time" claim: an integer within now ± tolerance (inclusive), with saturating arithmetic so a
/// clock near the limits of int64 cannot overflow the window's ends.
[[nodiscard]] inline result<std::int64_t> check_time(const json_field& f, const verifier_options& opt,
                                                     std::int64_t now) {
  if (!f.present()) return failure{reason::missing_claim, "claim \"time\" is missing"};
  if (!f.is_integer()) return failure{reason::invalid_claim, "claim \"time\" is not an integer"};
  if (f.kind == json_kind::unsigned_integer && f.unsigned_integer > static_cast<std::uint64_t>(INT64_MAX))
    return failure{reason::invalid_claim, "claim \"time\" is out of range"};
  const std::int64_t time =
      f.kind == json_kind::unsigned_integer ? static_cast<std::int64_t>(f.unsigned_integer) : f.integer;
  const std::int64_t earliest = now < INT64_MIN + opt.tolerance ? INT64_MIN : now - opt.tolerance;
  const std::int64_t latest = now > INT64_MAX - opt.tolerance ? INT64_MAX : now + opt.tolerance;
  if (time >= earliest && time <= latest) return time;
  // The distance as unsigned: it may not fit in int64.
  const std::uint64_t off = time < now ? static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(time)
                                       : static_cast<std::uint64_t>(time) - static_cast<std::uint64_t>(now);
  return failure{reason::time_out_of_window, "time " + std::to_string(time) + " is " + std::to_string(off) +
                                                 " s from the server clock (tolerance " +
                                                 std::to_string(opt.tolerance) + " s)"};
}

/// The "nonce" claim: a string of 1 to max_nonce_bytes bytes.
[[nodiscard]] inline result<std::string_view> check_nonce(const json_field& f, const verifier_options& opt) {
  if (!f.present()) return failure{reason::missing_claim, "claim \"nonce\" is missing"};
  if (!f.is_string()) return failure{reason::invalid_claim, "claim \"nonce\" is not a string"};
  if (f.text.empty()) return failure{reason::invalid_claim, "claim \"nonce\" is empty"};
  if (f.text.size() > opt.max_nonce_bytes)
    return failure{reason::invalid_claim,
                   "claim \"nonce\" is longer than " + std::to_string(opt.max_nonce_bytes) + " bytes"};
  return f.text;
}

/// "exp" and "nbf", when present: NumericDates, with the tolerance as leeway.
[[nodiscard]] inline std::optional<failure> check_exp_nbf(const json_field& exp, const json_field& nbf,
                                                          const verifier_options& opt, std::int64_t now) {
  const auto leeway = static_cast<double>(opt.tolerance);
  if (exp.present()) {
    const auto t = numeric_date(exp);
    if (!t) return failure{reason::invalid_claim, "claim \"exp\" is not a number"};
    if (static_cast<double>(now) > *t + leeway)
      return failure{reason::token_expired, "token expired (exp " + exp.dump_number() + ")"};
  }
  if (nbf.present()) {
    const auto t = numeric_date(nbf);
    if (!t) return failure{reason::invalid_claim, "claim \"nbf\" is not a number"};
    if (static_cast<double>(now) < *t - leeway)
      return failure{reason::time_out_of_window, "token not valid before nbf " + nbf.dump_number()};
  }
  return std::nullopt;
}

/// "aud": absent (allowed unless require_audience), or a string or an array of strings naming one of
/// the verifier's audiences. An array is read with parse_json_strict, the library's one JSON parser
/// besides the scanner (it already passed the scanner; arrays are rare, strings the common case).
[[nodiscard]] inline std::optional<failure> check_audience(const json_field& aud,
                                                           const verifier_options& opt) {
  if (!aud.present()) {
    if (!opt.require_audience) return std::nullopt;
    return failure{reason::missing_claim, "claim \"aud\" is missing and this verifier requires one"};
  }
  const failure invalid{reason::invalid_claim, "claim \"aud\" is not a string or an array of strings"};
  bool found = false;
  auto match = [&](std::string_view a) {
    for (const auto& want : opt.audiences) found = found || a == want;
  };
  if (aud.is_string()) {
    match(aud.text);
  } else if (aud.kind == json_kind::array) {
    nlohmann::json array;
    std::string err;
    if (!parse_json_strict(aud.raw, array, err) || !array.is_array()) return invalid;
    for (const auto& element : array) {
      if (!element.is_string()) return invalid;
      match(element.get_ref<const std::string&>());
    }
  } else {
    return invalid;
  }
  if (opt.audiences.empty())
    return failure{reason::audience_mismatch, "token carries \"aud\" but this verifier expects no audience"};
  if (!found)
    return failure{reason::audience_mismatch, "claim \"aud\" names none of this verifier's audiences"};
  return std::nullopt;
}

/// The binding claims (htm, htu, htq, htb, at `binding`): each present one a string; all present when
/// require_binding; and each equal to that of the request received, when one is given.
[[nodiscard]] inline std::optional<failure> check_binding(const json_field* binding,
                                                          const verifier_options& opt,
                                                          const http_request* request) {
  const std::string_view names[] = {claim::method, claim::uri, claim::query_hash, claim::body_hash};
  auto mismatch = [](std::string detail) { return failure{reason::request_mismatch, std::move(detail)}; };
  bool any = false;
  for (int i = 0; i < 4; ++i) {
    if (!binding[i].present()) {
      if (opt.require_binding)
        return mismatch("claim \"" + std::string(names[i]) + "\" is missing and binding is required");
      continue;
    }
    if (!binding[i].is_string()) return mismatch("claim \"" + std::string(names[i]) + "\" is not a string");
    any = true;
  }
  if (!any) return std::nullopt;
  if (!request) {
    if (!opt.require_binding) return std::nullopt;
    return mismatch("binding is required but no request was given to the verifier");
  }
  binding_claims want;
  try {
    want = binding_claims::of(*request);
  } catch (const std::exception& e) {
    return mismatch(std::string("the received request cannot be bound: ") + e.what());
  }
  const std::string* values[] = {&want.htm, &want.htu, &want.htq, &want.htb};
  const char* what[] = {"method", "URL", "query", "body"};
  for (int i = 0; i < 4; ++i)
    if (binding[i].present() && binding[i].text != *values[i])
      return mismatch(std::string("the token is bound to another ") + what[i] + " (claim " +
                      std::string(names[i]) + ")");
  return std::nullopt;
}

/// Step 3, after the signature: the time window, the nonce, exp and nbf, the audience, the binding.
[[nodiscard]] inline result<accepted_claims> check_claims(const parsed_token& t, const verifier_options& opt,
                                                          std::int64_t now, const http_request* request) {
  auto time = check_time(t.claim(c_time), opt, now);
  if (!time) return time.error();
  auto nonce = check_nonce(t.claim(c_nonce), opt);
  if (!nonce) return nonce.error();
  if (auto f = check_exp_nbf(t.claim(c_exp), t.claim(c_nbf), opt, now)) return std::move(*f);
  if (auto f = check_audience(t.claim(c_aud), opt)) return std::move(*f);
  if (auto f = check_binding(&t.claim(c_htm), opt, request)) return std::move(*f);
  return accepted_claims{*time, *nonce};
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_DETAIL_VERIFY_STEPS_HPP
