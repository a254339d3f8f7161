// SPDX-License-Identifier: ISC
// What a verifier hands back: verified_token (the username, time, nonce, key and user of a token that
// passed every check) and the lazily parsed claims it carries. Server side; includes no private-key code.
#ifndef AJWT_VERIFIED_TOKEN_HPP
#define AJWT_VERIFIED_TOKEN_HPP

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "algorithm.hpp"
#include "detail/json.hpp"
#include "public_key.hpp"
#include "version.hpp"

AJWT_NAMESPACE_BEGIN

namespace detail {
/// A JSON document kept as its (already validated) text and parsed on first use: the verifier needs
/// no DOM, so a caller that never asks for one never pays for it. get() is thread-safe: concurrent
/// first calls may each parse, one result wins (a compare-and-swap) and the others are dropped.
class lazy_json {
 public:
  lazy_json() = default;
  /// `text` must be a JSON text parse_json_strict accepts; `parsed`, when given, is its DOM.
  explicit lazy_json(std::string text, std::unique_ptr<nlohmann::json> parsed = nullptr) noexcept
      : text_(std::move(text)), value_(parsed.release()) {}
  // Copies, assignments and destruction out of line: a file that only receives verified tokens need not
  // instantiate nlohmann::json's copy and destruction.
  lazy_json(const lazy_json& other);
  lazy_json(lazy_json&& other) noexcept
      : text_(std::move(other.text_)), value_(other.value_.exchange(nullptr, std::memory_order_acq_rel)) {}
  lazy_json& operator=(const lazy_json& other);
  lazy_json& operator=(lazy_json&& other) noexcept;
  ~lazy_json();

  /// The DOM, parsed on the first call. Throws std::bad_alloc when memory runs out: never a partial
  /// or empty document, which a caller checking that a claim is absent would read as "absent" (fail
  /// open). The text was validated when the token was verified, so it always parses; should it not,
  /// std::logic_error (a broken invariant, never an empty object either).
  [[nodiscard]] const nlohmann::json& get() const;
  /// The JSON text.
  [[nodiscard]] const std::string& text() const noexcept { return text_; }

 private:
  std::string text_;
  mutable std::atomic<nlohmann::json*> value_{nullptr};
};
}  // namespace detail

template <class KeyRepository, class NonceStore, class Clock>
class verifier;

/// A token that passed every check of a verifier. Only a verifier can make one, so holding a
/// verified_token is proof of verification; unverified data is jws::unverified, another type.
template <class User = std::monostate>
class verified_token {
 public:
  /// The authenticated username (the `username` claim).
  [[nodiscard]] const std::string& username() const noexcept { return username_; }
  /// The `time` claim, Unix seconds.
  [[nodiscard]] std::int64_t time() const noexcept { return time_; }
  /// The nonce, now recorded by the nonce store.
  [[nodiscard]] const std::string& nonce() const noexcept { return nonce_; }
  /// The kid the token carried (may be empty or name no key; see key() for the one that verified).
  [[nodiscard]] const std::string& kid() const noexcept { return kid_; }
  /// The algorithm of the signature.
  [[nodiscard]] ajwt::algorithm algorithm() const noexcept { return alg_; }
  /// The public key that verified the signature.
  [[nodiscard]] const public_key& key() const noexcept { return key_; }
  /// The user object the key repository handed back.
  [[nodiscard]] const User& user() const noexcept { return user_; }
  /// Every claim of the token (for extension claims); username/time/nonce are checked already.
  /// Parsed from the payload on the first call (thread-safe), so verifications that never ask pay
  /// nothing for it. Throws std::bad_alloc when memory runs out (never an empty or partial object).
  [[nodiscard]] const nlohmann::json& claims() const { return claims_.get(); }

 private:
  template <class, class, class>
  friend class verifier;
  verified_token(std::string username, std::int64_t time, std::string nonce, std::string kid,
                 ajwt::algorithm alg, public_key key, User user, detail::lazy_json claims)
      : username_(std::move(username)),
        time_(time),
        nonce_(std::move(nonce)),
        kid_(std::move(kid)),
        alg_(alg),
        key_(std::move(key)),
        user_(std::move(user)),
        claims_(std::move(claims)) {}

  std::string username_;
  std::int64_t time_;
  std::string nonce_;
  std::string kid_;
  ajwt::algorithm alg_;
  public_key key_;
  User user_;
  detail::lazy_json claims_;
};

AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "impl/verified_token.ipp"
#endif

#endif  // AJWT_VERIFIED_TOKEN_HPP
