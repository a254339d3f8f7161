// SPDX-License-Identifier: ISC
// static_key_repository: users' public keys held in memory (added from PEM, OpenSSH, JWK or JWKS text, or
// files), replaceable atomically while a verifier uses it (key rotation without a restart).
#ifndef AJWT_REPOSITORY_STATIC_HPP
#define AJWT_REPOSITORY_STATIC_HPP

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../algorithm.hpp"
#include "../detail/key_state.hpp"
#include "../error.hpp"
#include "../jwks.hpp"
#include "../key_repository.hpp"
#include "../public_key.hpp"
#include "../version.hpp"
#include "authorized_keys.hpp"

AJWT_NAMESPACE_BEGIN

/// An in-memory key repository: usernames to public keys (several per user, of mixed types) and an
/// optional user object. Lookups may run on many threads while keys are added or removed (key
/// rotation without restart): each change publishes a new immutable entry for that user, and a
/// lookup holds a shared lock only long enough to copy one shared pointer. Copies share one map.
template <class User = no_user>
class static_key_repository {
 public:
  using user_type = User;         ///< the user object handed back with each user's keys
  using entry = user_keys<User>;  ///< what keys_for answers for a known user

  static_key_repository() : s_(std::make_shared<state>()) {}

  /// Adds a key for `username`, kept once. Adding a key the user already has never widens what it
  /// allows: when one copy is pinned to an algorithm (a JWK "alg") and the other is not, the pinned
  /// copy is kept; copies pinned to different algorithms throw key_error.
  void add(const std::string& username, const public_key& key) {
    update(username, [&](entry& e) {
      for (auto& k : e.keys) {
        if (k != key) continue;
        const auto keep_old = detail::first_is_narrower(k.pinned_algorithm(), key.pinned_algorithm());
        if (!keep_old)
          throw key_error("user \"" + username + "\"", "the key " + k.kid() + " is pinned to " +
                                                           std::string(to_string(*k.pinned_algorithm())) +
                                                           "; it cannot be added again pinned to " +
                                                           std::string(to_string(*key.pinned_algorithm())));
        if (!*keep_old) k = key;
        return;
      }
      e.keys.push_back(key);
    });
  }

  /// Adds every key of a JWKS document to `username` (each key's JWK "kid" is kept for matching).
  void add_jwks(const std::string& username, std::string_view jwks_text, std::string_view source = "JWKS") {
    for (const auto& k : load_jwks(jwks_text, nullptr, source)) add(username, k);
  }

  /// Adds every line of an authorized-keys file ("USERNAME KEYTYPE BASE64 [COMMENT]").
  void add_authorized_keys_file(const std::filesystem::path& path) {
    for (auto& [user, key] : parse_authorized_keys_file(path)) add(user, key);
  }

  /// Adds every line of authorized-keys text; `source` names it in error messages.
  void add_authorized_keys(std::string_view text, std::string_view source = "authorized keys") {
    for (auto& [user, key] : parse_authorized_keys(text, source)) add(user, key);
  }

  /// Replaces all of a user's keys at once (an atomic rotation).
  void set_keys(const std::string& username, std::vector<public_key> keys) {
    update(username, [k = std::move(keys)](entry& e) mutable { e.keys = std::move(k); });
  }

  /// Sets the user object handed back with tokens of `username`.
  void set_user(const std::string& username, User user) {
    update(username, [&](entry& e) { e.user = std::move(user); });
  }

  /// Removes the key of `username` that matches `kid` (fingerprint, thumbprint or JWK kid).
  /// Returns whether a key was removed.
  bool remove_key(const std::string& username, std::string_view kid) {
    if (!find(username, kid)) return false;  // never create an entry for an unknown user
    bool removed = false;
    update(username, [&](entry& e) {
      const auto before = e.keys.size();
      e.keys.erase(std::remove_if(e.keys.begin(), e.keys.end(),
                                  [&](const public_key& k) { return k.matches_kid(kid); }),
                   e.keys.end());
      removed = e.keys.size() != before;
    });
    return removed;
  }

  /// Removes a user and all their keys. Returns whether the user existed.
  bool remove_user(const std::string& username) {
    std::unique_lock<std::shared_mutex> lock(s_->mu);
    return s_->users.erase(username) > 0;
  }

  /// The user's keys, or nullptr for an unknown user. Thread-safe.
  std::shared_ptr<const entry> find(std::string_view username, std::string_view /*kid*/) const {
    std::shared_lock<std::shared_mutex> lock(s_->mu);
    auto it = s_->users.find(username);
    if (it == s_->users.end()) return nullptr;
    return it->second;
  }

  /// Number of users.
  [[nodiscard]] std::size_t size() const {
    std::shared_lock<std::shared_mutex> lock(s_->mu);
    return s_->users.size();
  }

 private:
  struct state {
    mutable std::shared_mutex mu;
    std::map<std::string, std::shared_ptr<const entry>, std::less<>> users;
  };

  template <class F>
  void update(const std::string& username, F&& change) {
    if (username.empty()) throw config_error("username", "must not be empty");
    std::unique_lock<std::shared_mutex> lock(s_->mu);
    auto it = s_->users.find(username);
    auto next = std::make_shared<entry>(it == s_->users.end() ? entry{} : *it->second);
    change(*next);
    s_->users[username] = std::move(next);
  }

  std::shared_ptr<state> s_;
};

AJWT_NAMESPACE_END

#endif  // AJWT_REPOSITORY_STATIC_HPP
