// SPDX-License-Identifier: ISC
// The verifier: checks an Authorization header or a bare token against a key repository, a nonce store and
// a clock, in one fixed order (ARCHITECTURE.md), and returns a verified_token or the failure. A template over
// the three; the checks that need none of them are detail/verify_steps.hpp's.
#ifndef AJWT_VERIFIER_HPP
#define AJWT_VERIFIER_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
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
#include "detail/handle.hpp"
#include "detail/json.hpp"
#include "detail/json_scan.hpp"
#include "detail/text.hpp"
#include "detail/verify_steps.hpp"
#include "error.hpp"
#include "jws.hpp"
#include "key_repository.hpp"
#include "nonce/memory.hpp"
#include "nonce_store.hpp"
#include "public_key.hpp"
#include "request.hpp"
#include "result.hpp"
#include "verified_token.hpp"
#include "verifier_options.hpp"
#include "version.hpp"

AJWT_NAMESPACE_BEGIN

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
///
/// The repository and the store are held by value: ajwt's own are cheap handles whose copies share
/// state. A type of your own that is not a handle (not copyable, or shared with other code) is passed as
/// `std::ref(repo)` (it must outlive the verifier) or as a `std::shared_ptr` (kept alive by the verifier;
/// null is a config_error): `ajwt::verifier v(std::ref(my_repo), options, std::ref(my_store));`.
template <class KeyRepository, class NonceStore = memory_nonce_store, class Clock = system_clock>
class verifier {
  /// The repository and store types behind their handles (KeyRepository itself, or the T of a
  /// std::reference_wrapper<T> or std::shared_ptr<T>).
  using repository_type = detail::handle_target_t<KeyRepository>;
  using store_type = detail::handle_target_t<NonceStore>;
  /// How verify reaches them: const when held by value (a handle, whose find() and record() are const:
  /// copies share state), as they are through std::ref or std::shared_ptr otherwise.
  using repository_access = detail::handle_access_t<KeyRepository>;
  using store_access = detail::handle_access_t<NonceStore>;
  static_assert(
      is_key_repository<repository_type>::value,
      "KeyRepository needs `using user_type = ...;` and `std::shared_ptr<const user_keys<user_type>> "
      "find(std::string_view username, std::string_view kid) const`");
  static_assert(
      is_key_repository<repository_access>::value,
      "a KeyRepository held by value is a handle whose copies share state: its find() must be const; "
      "pass a type whose find() is not const as std::ref(repo) or a std::shared_ptr");
  static_assert(is_nonce_store<store_type>::value,
                "NonceStore needs `ajwt::nonce_status record(const ajwt::nonce_record&) const`");
  static_assert(
      is_nonce_store<store_access>::value,
      "a NonceStore held by value is a handle whose copies share state: its record() must be const; "
      "pass a type whose record() is not const as std::ref(store) or a std::shared_ptr");
  // A hook that only a non-const object has would be skipped without a word (a repository that records
  // when each key was last used would stop recording): refuse it instead.
  static_assert(!has_on_verified<repository_type>::value || has_on_verified<repository_access>::value,
                "a KeyRepository held by value is reached as const: its on_verified() must be const; pass a "
                "type whose on_verified() is not const as std::ref(repo) or a std::shared_ptr");
  static_assert(is_clock<Clock>::value, "Clock needs `std::int64_t now() const` returning Unix seconds");

 public:
  using user_type = typename repository_type::user_type;  ///< the repository's user object type
  using token_type = verified_token<user_type>;           ///< what a successful verification gives
  using result_type = result<token_type>;                 ///< what verify_header and verify_token return

  /// Throws config_error when an option makes no sense.
  explicit verifier(KeyRepository keys, verifier_options options = {}, NonceStore nonces = NonceStore(),
                    Clock clock = Clock())
      : keys_(std::move(keys)),
        nonces_(std::move(nonces)),
        clock_(std::move(clock)),
        opt_(std::move(options)) {
    detail::check_options(opt_, detail::handle_traits<KeyRepository>::is_null(keys_),
                          detail::handle_traits<NonceStore>::is_null(nonces_));
    if constexpr (has_max_tolerance<store_type>::value)
      detail::check_store_tolerance(opt_, store().max_tolerance());
  }

  /// Verifies an Authorization header value "<scheme> <token>". Never throws. Without a request,
  /// binding claims cannot be checked: with require_binding set, every token is then rejected.
  [[nodiscard]] result_type verify_header(std::string_view header) const noexcept {
    return verify_header_impl(header, {});
  }

  /// Verifies an Authorization header value for the request the server actually received (the
  /// method, the URL the server is reached at, the body): the binding claims a token carries must
  /// match it. Never throws.
  [[nodiscard]] result_type verify_header(std::string_view header,
                                          const http_request& request) const noexcept {
    return verify_header_impl(header, {&request, &binding_claims::of});
  }

  /// Verifies a bare compact token (no scheme word). Never throws.
  [[nodiscard]] result_type verify_token(std::string_view token) const noexcept {
    return verify_token_impl(token, {});
  }

  /// Verifies a bare compact token for the request received. Never throws.
  [[nodiscard]] result_type verify_token(std::string_view token, const http_request& request) const noexcept {
    return verify_token_impl(token, {&request, &binding_claims::of});
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
  // `received`: the request and how to bind it, set only by the request overloads (see
  // detail::received_request).
  result_type verify_header_impl(std::string_view header,
                                 const detail::received_request& received) const noexcept {
    std::string_view token;
    if (auto f = detail::token_of_header(header, opt_, token)) return finish(std::move(*f), {}, {});
    return verify_token_impl(token, received);
  }

  result_type verify_token_impl(std::string_view token,
                                const detail::received_request& received) const noexcept {
    // The observer gets the claimed username and kid even on rejection; they are copied out of the
    // decoded token (which dies inside verify_impl) only when an observer is set.
    std::string username, kid;
    try {
      auto r = verify_impl(token, received, username, kid);  // first: it fills username and kid
      return finish(std::move(r), username, kid);
    } catch (const std::exception& e) {
      return finish(detail::internal_error(&e), username, kid);
    } catch (...) {
      return finish(detail::internal_error(nullptr), username, kid);
    }
  }

  result_type finish(result_type r, std::string_view username, std::string_view kid) const noexcept {
    if (opt_.observer) {
      if (r.ok())
        detail::notify_observer(opt_, nullptr, r->username(), kid);
      else
        detail::notify_observer(opt_, &r.error(), username, kid);
    }
    return r;
  }

  result_type verify_impl(std::string_view token, const detail::received_request& received,
                          std::string& username_out, std::string& kid_out) const {
    // 1. Size and strict decoding, header rules, the payload's shape, the username (non-template).
    detail::parsed_token t;
    auto parsed = detail::parse_token(token, opt_, t);
    if (opt_.observer) {
      kid_out = t.jws.kid;
      username_out = t.username;
    }
    if (parsed) return std::move(*parsed);

    // 2. The claimed user's keys.
    auto entry = find_keys(t.username, t.jws.kid);
    if (!entry) return entry.error();

    // 3. The signature, with a bounded number of keys (verifier_options::max_keys_per_token).
    auto verified_by = check_signature(**entry, t.jws, t.username);
    if (!verified_by) return verified_by.error();

    // 4. Claims and the time window (non-template).
    const std::int64_t now = clock_.now();
    auto claims = detail::check_claims(t, opt_, now, received);
    if (!claims) return claims.error();

    // 5. Only now the nonce store: one atomic "record if new".
    if (auto f = record_nonce(t.username, *claims, now)) return std::move(*f);
    if constexpr (has_on_verified<repository_access>::value) {
      try {
        repository().on_verified(t.username, **verified_by);
      } catch (...) {
        // A repository's bookkeeping (e.g. last-used times) must not change the outcome.
      }
    }
    return make_token(t, *claims, **entry, **verified_by);
  }

  /// The claimed user's keys from the repository; a repository that throws is unavailable (fail closed).
  result<std::shared_ptr<const user_keys<user_type>>> find_keys(std::string_view username,
                                                                std::string_view kid) const {
    std::shared_ptr<const user_keys<user_type>> entry;
    try {
      entry = repository().find(username, kid);
    } catch (const std::exception& e) {
      return detail::repository_failure(&e);
    } catch (...) {
      return detail::repository_failure(nullptr);
    }
    if (!entry || entry->keys.empty()) return detail::unknown_user(username);
    return entry;
  }

  /// Records the nonce: nothing when it is new, else nonce_replayed or nonce_store_unavailable.
  std::optional<failure> record_nonce(std::string_view username, const detail::accepted_claims& c,
                                      std::int64_t now) const {
    nonce_status st = nonce_status::unavailable;
    std::string store_error;
    try {
      st = store().record(nonce_record{username, c.time, c.nonce, now, opt_.tolerance});
    } catch (const std::exception& e) {
      store_error = e.what();
    } catch (...) {
      store_error = "unknown error";
    }
    if (st == nonce_status::fresh) return std::nullopt;
    return detail::nonce_failure(st, store_error);
  }

  /// The verified token. Strings are copied first: they may be views into the payload or the DOM,
  /// which move into the token.
  static token_type make_token(detail::parsed_token& t, const detail::accepted_claims& c,
                               const user_keys<user_type>& entry, const public_key& verified_by) {
    std::string username(t.username), nonce(c.nonce), kid(t.jws.kid);
    auto user = entry.user;
    return token_type(std::move(username), c.time, std::move(nonce), std::move(kid), t.jws.alg, verified_by,
                      std::move(user), detail::take_claims(t));
  }

  /// Finds the key that verifies the signature, checking at most max_keys_per_token keys: those the
  /// kid names when it names any (then no other key is tried), else the user's keys in order. The key
  /// (one of `entry`'s) or the failure.
  result<const public_key*> check_signature(const user_keys<user_type>& entry, const detail::decoded_jws& d,
                                            std::string_view username) const {
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
      if (jws::verify(k, d.alg, d.signing_input, signature)) return &k;
    }
    return detail::signature_failure(username, d.alg, kid_names_a_key, allowing, tried);
  }

  repository_access& repository() const noexcept { return detail::handle_traits<KeyRepository>::get(keys_); }
  store_access& store() const noexcept { return detail::handle_traits<NonceStore>::get(nonces_); }

  KeyRepository keys_;
  NonceStore nonces_;
  Clock clock_;
  verifier_options opt_;
};

AJWT_NAMESPACE_END

#endif  // AJWT_VERIFIER_HPP
