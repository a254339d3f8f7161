// SPDX-License-Identifier: ISC
// The KeyRepository contract (what a verifier asks: the keys of a username, and optionally a user object)
// with its C++17 detection traits and C++20 concept, and user_keys, what a repository answers.
#ifndef AJWT_KEY_REPOSITORY_HPP
#define AJWT_KEY_REPOSITORY_HPP

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "public_key.hpp"
#include "version.hpp"

AJWT_NAMESPACE_BEGIN

/// No user object: the default for repositories that only map names to keys.
using no_user = std::monostate;

/// One user's entry in a key repository: the public keys that may sign for the username, and an
/// application object handed back in the verified token (a user id, roles, ...).
template <class User = no_user>
struct user_keys {
  std::vector<public_key> keys;  ///< the keys that may sign for the user
  User user{};                   ///< handed back as verified_token::user()
};

namespace detail {
/// Adds `key` to `keys` unless the same key material is there already; then never widens what that
/// key allows: of two copies the one pinned to an algorithm (a JWK "alg") is kept, and copies pinned
/// to different algorithms allow nothing, so the key is dropped. For merging key sets at lookup time.
AJWT_DECL void merge_key(std::vector<public_key>& keys, const public_key& key);
}  // namespace detail

/// The KeyRepository customisation point:
///
///     using user_type = ...;   // the object handed back in verified_token::user()
///     std::shared_ptr<const user_keys<user_type>> find(std::string_view user, std::string_view kid) const;
///
/// `find` returns nullptr (or an entry with no keys) for an unknown user. `kid` is the token's key id
/// (possibly empty, possibly naming no key: the verifier then tries every key of the user); a
/// repository may use it to refresh a key set. `find` must be thread-safe. When it cannot answer (its
/// source is down and nothing usable is cached) it throws, preferably ajwt::repository_unavailable;
/// the verifier then rejects the token as key_repository_unavailable (fail closed), with the
/// exception's message in the detail. An unknown user is nullptr, never an exception.
template <class T, class = void>
struct is_key_repository : std::false_type {};
template <class T>
struct is_key_repository<T, std::void_t<typename T::user_type,
                                        decltype(std::declval<T&>().find(std::declval<std::string_view>(),
                                                                         std::declval<std::string_view>()))>>
    : std::is_convertible<decltype(std::declval<T&>().find(std::declval<std::string_view>(),
                                                           std::declval<std::string_view>())),
                          std::shared_ptr<const user_keys<typename T::user_type>>> {};

#if defined(__cpp_concepts) && __cpp_concepts >= 201907L
/// C++20: the KeyRepository customisation point as a concept, the same rule as is_key_repository (which
/// stays for C++17).
template <class T>
concept key_repository = is_key_repository<T>::value;
#endif

/// True when T has `void on_verified(std::string_view username, const public_key& key)`: the verifier then
/// calls it after each accepted token with the key that verified it (e.g. to record when a key was last
/// used: sql_key_repository); it must not block, and exceptions from it are swallowed.
template <class T, class = void>
struct has_on_verified : std::false_type {};
template <class T>
struct has_on_verified<T, std::void_t<decltype(std::declval<T&>().on_verified(
                              std::declval<std::string_view>(), std::declval<const public_key&>()))>>
    : std::true_type {};

AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "impl/key_repository.ipp"
#endif

#endif  // AJWT_KEY_REPOSITORY_HPP
