// SPDX-License-Identifier: ISC
// combined_key_repository: several key repositories (key files and JWKS URLs, say) behind one, for different
// users or the same ones, with the rule for a part that cannot answer.
#ifndef AJWT_REPOSITORY_COMBINED_HPP
#define AJWT_REPOSITORY_COMBINED_HPP

#include <algorithm>
#include <memory>
#include <string_view>
#include <type_traits>

#include "../key_repository.hpp"
#include "../public_key.hpp"
#include "../version.hpp"

AJWT_NAMESPACE_BEGIN

/// A KeyRepository over two others, e.g. keys from files (a static_key_repository) and keys from JWKS
/// URLs (a jwks_url_key_repository) at once, for different users or for the same ones:
///
///     ajwt::combined_key_repository<ajwt::static_key_repository<>, ajwt::jwks_url_key_repository<>>
///         users{files, urls};
///     ajwt::verifier<decltype(users)> v(users);
///
/// The KeyRepository whose keys for a user are those of `First` followed by those of `Second` (a key
/// in both counts once). Neither carries a user object.
///
/// `Second` may be slow or fail (a JWKS URL: a fetch, which may throw), so it is asked only when its
/// answer can matter: not when `First` already holds a key matching a non-empty `kid` (the verifier
/// then checks only that key). When `Second` throws, the user's `First` keys are served if the kid is
/// empty (the verifier tries every key anyway); otherwise the exception propagates and the verifier
/// rejects with key_repository_unavailable and its message — the rule jwks_url_key_repository applies to a
/// user's several URLs. Thread-safe when both are; copies share what copies of `First` and `Second` share.
template <class First, class Second>
struct combined_key_repository {
  static_assert(is_key_repository<First>::value && is_key_repository<Second>::value,
                "both parts must be key repositories (`user_type` and `find(username, kid)`)");
  static_assert(std::is_same_v<typename First::user_type, no_user> &&
                    std::is_same_v<typename Second::user_type, no_user>,
                "combined_key_repository merges keys only: both parts must have user_type no_user");

  using user_type = no_user;           ///< combined repositories merge keys only
  using entry = user_keys<user_type>;  ///< what keys_for answers for a known user

  First first;    ///< asked first; its keys come first
  Second second;  ///< asked for the same user; its keys follow

  /// The user's keys (nullptr when neither part knows the user); throws what `Second` throws when its
  /// keys are needed.
  std::shared_ptr<const entry> find(std::string_view username, std::string_view kid) const {
    std::shared_ptr<const entry> a = first.find(username, kid);
    const bool a_has_keys = a && !a->keys.empty();
    if (a_has_keys && !kid.empty() &&
        std::any_of(a->keys.begin(), a->keys.end(), [&](const public_key& k) { return k.matches_kid(kid); }))
      return a;
    std::shared_ptr<const entry> b;
    try {
      b = second.find(username, kid);
    } catch (...) {
      if (a_has_keys && kid.empty()) return a;
      throw;
    }
    if (!b || b->keys.empty()) return a ? a : b;
    if (!a_has_keys) return b;
    auto merged = std::make_shared<entry>(*a);
    for (const auto& k : b->keys) detail::merge_key(merged->keys, k);
    return merged;
  }

  /// Tells each part that has the hook (has_on_verified) that `key` of `username` verified a token.
  void on_verified(std::string_view username, const public_key& key) const {
    // The parts are reached as const here, as the verifier reaches a repository: a part whose hook is not
    // const is refused at compile time rather than skipped.
    static_assert(!has_on_verified<First>::value || has_on_verified<const First>::value,
                  "combined_key_repository: the first part's on_verified() must be const");
    static_assert(!has_on_verified<Second>::value || has_on_verified<const Second>::value,
                  "combined_key_repository: the second part's on_verified() must be const");
    if constexpr (has_on_verified<const First>::value) first.on_verified(username, key);
    if constexpr (has_on_verified<const Second>::value) second.on_verified(username, key);
  }
};

AJWT_NAMESPACE_END

#endif  // AJWT_REPOSITORY_COMBINED_HPP
