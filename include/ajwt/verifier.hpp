// SPDX-License-Identifier: ISC
#ifndef AJWT_VERIFIER_HPP
#define AJWT_VERIFIER_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "algorithm.hpp"
#include "clock.hpp"
#include "detail/json.hpp"
#include "detail/json_scan.hpp"
#include "error.hpp"
#include "jws.hpp"
#include "key_repository.hpp"
#include "keys.hpp"
#include "nonce/memory.hpp"
#include "nonce_store.hpp"
#include "request.hpp"
#include "result.hpp"
#include "token.hpp"

namespace ajwt {

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

namespace detail {
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

/// Reads a NumericDate (RFC 7519 section 2): an integer or a finite float, as seconds.
inline bool numeric_date(const json_field& v, double& out) noexcept {
  switch (v.kind) {
    case json_kind::unsigned_integer: out = static_cast<double>(v.unsigned_integer); return true;
    case json_kind::integer: out = static_cast<double>(v.integer); return true;
    case json_kind::floating: out = v.floating; return std::isfinite(out);
    default: return false;
  }
}

/// The claims the verifier reads (every other member is validated, then left to claims()).
inline constexpr std::array<std::string_view, 10> verified_claims = {
    "username",    "time",     "nonce",           "exp",           "nbf", "aud",
    claim::method, claim::uri, claim::query_hash, claim::body_hash};
enum verified_claim : std::size_t { c_username, c_time, c_nonce, c_exp, c_nbf, c_aud, c_htm };
}  // namespace detail

/// Verifies Authorization headers (server side).
///
///     ajwt::static_key_repository<> keys;
///     keys.add_authorized_keys_file("/etc/myservice/authorized_keys");
///     ajwt::verifier v(keys);                       // memory nonce store, system clock
///     auto r = v.verify_header(request.header("Authorization"));
///     if (!r) { log(to_string(r.reason()), r.detail()); return http_401(); }
///     serve(r->username());
///
/// Checks, in order: scheme and size; strict decoding; the user's keys; the signature (with the key
/// the kid names alone, else with at most max_keys_per_token of the user's keys); the claims and the time
/// window; and only then the nonce store, so a forged, stale or malformed token never records a nonce. Never
/// throws.
///
/// Thread safety: verify_header() and verify_token() are const and may run on any number of threads at
/// once on one verifier (one per service is the intended use), given a repository whose find(), a nonce
/// store whose record() and a clock whose now() are thread-safe, as all of ajwt's are. The options are
/// fixed at construction. keys() and nonces() hand out the verifier's own repository and store: change
/// them while verifications run only through members those types document as thread-safe
/// (static_key_repository::add, say). The observer is called on the verifying thread, possibly from
/// several threads at once.
template <class KeyRepository, class NonceStore = memory_nonce_store, class Clock = system_clock>
class verifier {
  static_assert(
      is_key_repository<KeyRepository>::value,
      "KeyRepository needs `using user_type = ...;` and `std::shared_ptr<const user_keys<user_type>> "
      "find(std::string_view username, std::string_view kid)`");
  static_assert(is_nonce_store<NonceStore>::value,
                "NonceStore needs `ajwt::nonce_status record(const ajwt::nonce_record&)`");
  static_assert(is_clock<Clock>::value, "Clock needs `std::int64_t now() const` returning Unix seconds");

 public:
  using user_type = typename KeyRepository::user_type;  ///< the repository's user object type
  using token_type = verified_token<user_type>;         ///< what a successful verification gives
  using result_type = result<token_type>;               ///< what verify_header and verify_token return

  /// Throws config_error when an option makes no sense.
  explicit verifier(KeyRepository keys, verifier_options options = {}, NonceStore nonces = NonceStore(),
                    Clock clock = Clock())
      : keys_(std::move(keys)),
        nonces_(std::move(nonces)),
        clock_(std::move(clock)),
        opt_(std::move(options)) {
    if (opt_.scheme.empty() || opt_.scheme.find_first_of(" \t\r\n") != std::string::npos)
      throw config_error("ajwt: verifier_options.scheme must be one non-empty word");
    if (opt_.tolerance < 0 || opt_.tolerance > 86400)
      throw config_error("ajwt: verifier_options.tolerance must be between 0 and 86400 seconds");
    if (opt_.max_token_bytes < 16 || opt_.max_token_bytes > (1U << 24))
      throw config_error("ajwt: verifier_options.max_token_bytes must be between 16 and 16 MiB");
    if (opt_.algorithms.empty()) throw config_error("ajwt: verifier_options.algorithms is empty");
    for (const auto& a : opt_.audiences)
      if (a.empty()) throw config_error("ajwt: verifier_options.audiences holds an empty string");
    if (opt_.require_audience && opt_.audiences.empty())
      throw config_error("ajwt: verifier_options.require_audience needs at least one audience");
    if (opt_.max_keys_per_token < 1 || opt_.max_keys_per_token > 64)
      throw config_error("ajwt: verifier_options.max_keys_per_token must be between 1 and 64");
    if constexpr (has_max_tolerance<NonceStore>::value) {
      // The store keeps each nonce only as long as the widest window it serves: a wider verifier
      // could accept a token again after the store forgot it.
      const std::int64_t kept = nonces_.max_tolerance();
      if (opt_.tolerance > kept)
        throw config_error("ajwt: verifier_options.tolerance (" + std::to_string(opt_.tolerance) +
                           " s) is wider than the nonce store keeps nonces for (its max_tolerance, " +
                           std::to_string(kept) + " s): give the store a max_tolerance of at least " +
                           std::to_string(opt_.tolerance) + " s");
    }
  }

  /// Verifies an Authorization header value "<scheme> <token>". Never throws. Without a request,
  /// binding claims cannot be checked: with require_binding set, every token is then rejected.
  [[nodiscard]] result_type verify_header(std::string_view header) const noexcept {
    return verify_header_impl(header, nullptr);
  }

  /// Verifies an Authorization header value for the request the server actually received (the
  /// method, the URL the server is reached at, the body): the binding claims a token carries must
  /// match it. Never throws.
  [[nodiscard]] result_type verify_header(std::string_view header,
                                          const http_request& request) const noexcept {
    return verify_header_impl(header, &request);
  }

  /// Verifies a bare compact token (no scheme word). Never throws.
  [[nodiscard]] result_type verify_token(std::string_view token) const noexcept {
    return verify_token_impl(token, nullptr);
  }

  /// Verifies a bare compact token for the request received. Never throws.
  [[nodiscard]] result_type verify_token(std::string_view token, const http_request& request) const noexcept {
    return verify_token_impl(token, &request);
  }

  /// The options, fixed at construction.
  [[nodiscard]] const verifier_options& options() const noexcept { return opt_; }
  /// The verifier's copy of the key repository (copies of ajwt's repositories share their keys, so
  /// changing the original changes this one too).
  [[nodiscard]] KeyRepository& keys() noexcept { return keys_; }
  /// The verifier's copy of the nonce store (copies of ajwt's stores share their state).
  [[nodiscard]] NonceStore& nonces() noexcept { return nonces_; }
  /// The clock.
  [[nodiscard]] const Clock& clock() const noexcept { return clock_; }

 private:
  result_type verify_header_impl(std::string_view header, const http_request* request) const noexcept {
    // Scheme and size first: cheap, before any decoding. Surrounding whitespace is tolerated once.
    const auto t = detail::trim(header);
    const auto sp = t.find_first_of(" \t");
    if (t.empty() || sp == std::string_view::npos)
      return finish(failure{reason::malformed_header, "expected \"<scheme> <token>\""}, {}, {});
    const auto scheme = t.substr(0, sp);
    auto token = t.substr(sp);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
    if (!detail::iequals(scheme, opt_.scheme))
      return finish(failure{reason::wrong_scheme, "scheme is not " + opt_.scheme}, {}, {});
    if (token.size() >
        opt_.max_token_bytes)  // before scanning it: a 1 MB header costs no more than a short one
      return finish(
          failure{reason::token_too_large, "token is " + std::to_string(token.size()) + " bytes (maximum " +
                                               std::to_string(opt_.max_token_bytes) + ")"},
          {}, {});
    // Two vectorised memchr scans (find_first_of(" \t") would call memchr once per character, and a
    // byte loop costs ~10 instructions per character: 5k per token, more than all of the JSON).
    const bool blank_inside =
        token.find(' ') != std::string_view::npos || token.find('\t') != std::string_view::npos;
    if (token.empty() || blank_inside)
      return finish(failure{reason::malformed_header, "expected exactly one token after the scheme"}, {}, {});
    return verify_token_impl(token, request);
  }

  result_type verify_token_impl(std::string_view token, const http_request* request) const noexcept {
    // The observer gets the claimed username and kid even on rejection; they are copied out of the
    // decoded token (which dies inside verify_impl) only when an observer is set.
    std::string username, kid;
    try {
      auto r = verify_impl(token, request, username, kid);  // first: it fills username and kid
      return finish(std::move(r), username, kid);
    } catch (const std::exception& e) {
      return finish(failure{reason::malformed_token, std::string("internal error: ") + e.what()}, username,
                    kid);
    } catch (...) {
      return finish(failure{reason::malformed_token, "internal error"}, username, kid);
    }
  }

  result_type finish(result_type r, std::string_view username, std::string_view kid) const noexcept {
    if (opt_.observer) {
      try {
        verify_event ev;
        ev.accepted = r.ok();
        if (!r.ok()) {
          ev.why = r.reason();
          ev.detail = r.detail();
        }
        ev.username = r.ok() ? std::string_view(r->username()) : username;
        ev.kid = kid;
        opt_.observer(ev);
      } catch (...) {
        // An observer must not change the outcome.
      }
    }
    return r;
  }

  result_type verify_impl(std::string_view token, const http_request* request, std::string& username_out,
                          std::string& kid_out) const {
    // 1. Size and strict decoding (segments, base64url, JSON, header rules, alg name): a flat scan
    // that builds no DOM (detail/json_scan.hpp); claims() parses the payload later, if asked.
    detail::decoded_jws d;
    failure why{};
    if (!detail::decode_jws(token, opt_.max_token_bytes, d, why)) return why;
    if (opt_.observer) kid_out = d.kid;
    if (!opt_.algorithms.contains(d.alg))
      return failure{reason::unsupported_algorithm,
                     "algorithm " + std::string(to_string(d.alg)) + " is not enabled on this verifier"};
    if (const auto& typ = d.header.fields[detail::hdr_typ];
        typ.present() && (!typ.is_string() || !detail::iequals(typ.text, "JWT")))
      return failure{reason::malformed_token, "header \"typ\" is not \"JWT\""};
    detail::picked_members<detail::verified_claims.size()> claims;
    std::string err;
    if (!detail::pick_members(d.payload, detail::verified_claims, claims, err))
      return failure{reason::malformed_token, "payload: " + err};
    if (!claims.is_object) return failure{reason::malformed_token, "payload is not a JSON object"};
    const auto& c = claims.fields;

    // 2. The claimed user's keys.
    if (!c[detail::c_username].present())
      return failure{reason::missing_claim, "claim \"username\" is missing"};
    if (!c[detail::c_username].is_string())
      return failure{reason::invalid_claim, "claim \"username\" is not a string"};
    const std::string_view username = c[detail::c_username].text;
    if (username.empty()) return failure{reason::invalid_claim, "claim \"username\" is empty"};
    if (username.size() > opt_.max_username_bytes)
      return failure{reason::invalid_claim, "claim \"username\" is longer than " +
                                                std::to_string(opt_.max_username_bytes) + " bytes"};
    if (opt_.observer) username_out = username;
    std::shared_ptr<const user_keys<user_type>> entry;
    try {
      entry = keys_.find(username, d.kid);
    } catch (const std::exception& e) {
      return failure{reason::key_repository_unavailable, "key repository failed: " + std::string(e.what())};
    } catch (...) {
      return failure{reason::key_repository_unavailable, "key repository failed"};
    }
    if (!entry || entry->keys.empty())
      return failure{reason::unknown_user,
                     "no keys for user \"" + detail::strict_json_builder::printable(username) + "\""};

    // 3. The signature, with a bounded number of keys (verifier_options::max_keys_per_token).
    const public_key* verified_by = nullptr;
    if (auto f = check_signature(*entry, d, username, verified_by)) return std::move(*f);

    // 4. Claims and the time window.
    const std::int64_t now = clock_.now();
    const auto& tc = c[detail::c_time];
    if (!tc.present()) return failure{reason::missing_claim, "claim \"time\" is missing"};
    if (!tc.is_integer()) return failure{reason::invalid_claim, "claim \"time\" is not an integer"};
    if (tc.kind == detail::json_kind::unsigned_integer &&
        tc.unsigned_integer > static_cast<std::uint64_t>(INT64_MAX))
      return failure{reason::invalid_claim, "claim \"time\" is out of range"};
    const std::int64_t time = tc.kind == detail::json_kind::unsigned_integer
                                  ? static_cast<std::int64_t>(tc.unsigned_integer)
                                  : tc.integer;
    // Saturating: a clock near the limits of int64 must not overflow the window's ends.
    const std::int64_t earliest = now < INT64_MIN + opt_.tolerance ? INT64_MIN : now - opt_.tolerance;
    const std::int64_t latest = now > INT64_MAX - opt_.tolerance ? INT64_MAX : now + opt_.tolerance;
    if (time < earliest || time > latest)
      return failure{
          reason::time_out_of_window,
          "time " + std::to_string(time) + " is " +
              // unsigned: the distance may not fit in int64
              std::to_string(time < now
                                 ? static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(time)
                                 : static_cast<std::uint64_t>(time) - static_cast<std::uint64_t>(now)) +
              " s from the server clock (tolerance " + std::to_string(opt_.tolerance) + " s)"};
    const auto& nc = c[detail::c_nonce];
    if (!nc.present()) return failure{reason::missing_claim, "claim \"nonce\" is missing"};
    if (!nc.is_string()) return failure{reason::invalid_claim, "claim \"nonce\" is not a string"};
    const std::string_view nonce = nc.text;
    if (nonce.empty()) return failure{reason::invalid_claim, "claim \"nonce\" is empty"};
    if (nonce.size() > opt_.max_nonce_bytes)
      return failure{reason::invalid_claim,
                     "claim \"nonce\" is longer than " + std::to_string(opt_.max_nonce_bytes) + " bytes"};
    if (const auto& ec = c[detail::c_exp]; ec.present()) {
      double exp = 0;
      if (!detail::numeric_date(ec, exp))
        return failure{reason::invalid_claim, "claim \"exp\" is not a number"};
      if (static_cast<double>(now) > exp + static_cast<double>(opt_.tolerance))
        return failure{reason::token_expired, "token expired (exp " + ec.dump_number() + ")"};
    }
    if (const auto& bc = c[detail::c_nbf]; bc.present()) {
      double nbf = 0;
      if (!detail::numeric_date(bc, nbf))
        return failure{reason::invalid_claim, "claim \"nbf\" is not a number"};
      if (static_cast<double>(now) < nbf - static_cast<double>(opt_.tolerance))
        return failure{reason::time_out_of_window, "token not valid before nbf " + bc.dump_number()};
    }
    if (auto r = check_audience(c[detail::c_aud]); !r.empty())
      return failure{r == "missing"   ? reason::missing_claim
                     : r == "invalid" ? reason::invalid_claim
                                      : reason::audience_mismatch,
                     audience_detail(r)};

    if (auto r = check_binding(c.data() + detail::c_htm, request); !r.empty())
      return failure{reason::request_mismatch, r};

    // 5. Only now the nonce store: one atomic "record if new".
    nonce_status st = nonce_status::unavailable;
    std::string store_error;
    try {
      st = nonces_.record(nonce_record{username, time, nonce, now, opt_.tolerance});
    } catch (const std::exception& e) {
      store_error = e.what();
    } catch (...) {
      store_error = "unknown error";
    }
    if (st == nonce_status::replayed) return failure{reason::nonce_replayed, "nonce already used"};
    if (st != nonce_status::fresh)
      return failure{reason::nonce_store_unavailable,
                     "nonce store unavailable" + (store_error.empty() ? std::string() : ": " + store_error)};

    if constexpr (has_on_verified<KeyRepository>::value) {
      try {
        keys_.on_verified(username, *verified_by);
      } catch (...) {
        // A repository's bookkeeping (e.g. last-used times) must not change the outcome.
      }
    }

    // The strings first: they may be views into the payload or the DOM, which move into the token.
    std::string username_copy(username), nonce_copy(nonce), kid_copy(d.kid);
    std::unique_ptr<nlohmann::json> dom;
    if (claims.dom) dom = std::make_unique<nlohmann::json>(std::move(claims.dom->value));
    auto user = entry->user;
    return token_type(std::move(username_copy), time, std::move(nonce_copy), std::move(kid_copy), d.alg,
                      *verified_by, std::move(user), detail::lazy_json(std::move(d.payload), std::move(dom)));
  }

  /// Finds the key that verifies the signature, checking at most max_keys_per_token keys: those the
  /// kid names when it names any (then no other key is tried), else the user's keys in order. Returns
  /// the failure, or nothing (and `verified_by` set) when a key verifies it.
  std::optional<failure> check_signature(const user_keys<user_type>& entry, const detail::decoded_jws& d,
                                         std::string_view username, const public_key*& verified_by) const {
    const bool kid_names_a_key =
        !d.kid.empty() && std::any_of(entry.keys.begin(), entry.keys.end(),
                                      [&](const public_key& k) { return k.matches_kid(d.kid); });
    const std::string_view signature = d.signature.view();
    std::size_t allowing = 0, tried = 0;
    for (const auto& k : entry.keys) {
      if ((kid_names_a_key && !k.matches_kid(d.kid)) || !k.allows(d.alg)) continue;
      ++allowing;
      if (tried == opt_.max_keys_per_token) continue;  // counted for the message, never checked
      ++tried;
      if (jws::verify(k, d.alg, d.signing_input, signature)) {
        verified_by = &k;
        return std::nullopt;
      }
    }
    const std::string who = "user \"" + detail::strict_json_builder::printable(username) + "\"";
    if (allowing == 0)
      return failure{reason::unsupported_algorithm,
                     (kid_names_a_key ? "the key the kid names of " : "no key of ") + who + " allows " +
                         std::string(to_string(d.alg))};
    if (kid_names_a_key)
      return failure{reason::bad_signature, "the key the kid names does not verify the signature"};
    std::string detail = "no key of the user verifies the signature";
    if (tried < allowing)
      detail += " (checked " + std::to_string(tried) + " of " + std::to_string(allowing) +
                " keys: verifier_options.max_keys_per_token; a kid naming the key selects it)";
    return failure{reason::bad_signature, std::move(detail)};
  }

  /// "" when the audience rules pass; otherwise "missing", "invalid", "unexpected" or "mismatch".
  std::string check_audience(const detail::json_field& aud) const {
    if (!aud.present()) return opt_.require_audience ? "missing" : "";
    // One walk both checks the shape (a string, or an array of strings only) and looks for a match.
    bool found = false;
    auto match = [&](std::string_view a) {
      for (const auto& want : opt_.audiences) found = found || a == want;
    };
    bool well_formed = false;
    if (aud.is_string()) {
      match(aud.text);
      well_formed = true;
    } else if (aud.kind == detail::json_kind::array) {
      well_formed = detail::for_each_string_in_array(aud.raw, match);  // false at a non-string element
    }
    if (!well_formed) return "invalid";
    if (opt_.audiences.empty()) return "unexpected";
    return found ? "" : "mismatch";
  }

  /// "" when the binding rules pass; otherwise why not. `binding`: the htm, htu, htq, htb fields.
  std::string check_binding(const detail::json_field* binding, const http_request* request) const {
    const std::string_view names[] = {claim::method, claim::uri, claim::query_hash, claim::body_hash};
    bool any = false;
    for (int i = 0; i < 4; ++i) {
      if (!binding[i].present()) {
        if (opt_.require_binding)
          return "claim \"" + std::string(names[i]) + "\" is missing and binding is required";
        continue;
      }
      if (!binding[i].is_string()) return "claim \"" + std::string(names[i]) + "\" is not a string";
      any = true;
    }
    if (!any) return "";
    if (!request)
      return opt_.require_binding ? "binding is required but no request was given to the verifier" : "";
    binding_claims want;
    try {
      want = binding_claims::of(*request);
    } catch (const std::exception& e) {
      return std::string("the received request cannot be bound: ") + e.what();
    }
    const std::string* values[] = {&want.htm, &want.htu, &want.htq, &want.htb};
    const char* what[] = {"method", "URL", "query", "body"};
    for (int i = 0; i < 4; ++i) {
      if (!binding[i].present()) continue;
      if (binding[i].text != *values[i])
        return std::string("the token is bound to another ") + what[i] + " (claim " + std::string(names[i]) +
               ")";
    }
    return "";
  }

  static std::string audience_detail(const std::string& r) {
    if (r == "missing") return "claim \"aud\" is missing and this verifier requires one";
    if (r == "invalid") return "claim \"aud\" is not a string or an array of strings";
    if (r == "unexpected") return "token carries \"aud\" but this verifier expects no audience";
    return "claim \"aud\" names none of this verifier's audiences";
  }

  mutable KeyRepository keys_;  // find() may update caches (e.g. a JWKS URL repository)
  mutable NonceStore nonces_;
  Clock clock_;
  verifier_options opt_;
};

}  // namespace ajwt

#endif  // AJWT_VERIFIER_HPP
