// SPDX-License-Identifier: ISC
// How the verifier reaches its key repository and nonce store: held by value (ajwt's own repositories and
// stores are cheap handles whose copies share state), or through std::reference_wrapper or std::shared_ptr
// for a user's type that is not a handle (not copyable, or meant to be shared with other code).
// Internal: namespace ajwt::detail.
#ifndef AJWT_DETAIL_HANDLE_HPP
#define AJWT_DETAIL_HANDLE_HPP

#include <functional>
#include <memory>

#include "../version.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

/// T held by value: the object itself, reached as const (a handle: its copies share state, so its
/// find() / record() are const; the one constness rule of the customisation points).
template <class T>
struct handle_traits {
  using target = T;
  using access = const T;
  static const T& get(const T& held) noexcept { return held; }
  static constexpr bool is_null(const T& /*held*/) noexcept { return false; }
};

/// std::reference_wrapper<T>: the referenced object, which must outlive the verifier.
template <class T>
struct handle_traits<std::reference_wrapper<T>> {
  using target = T;
  using access = T;
  static T& get(const std::reference_wrapper<T>& held) noexcept { return held.get(); }
  static constexpr bool is_null(const std::reference_wrapper<T>& /*held*/) noexcept { return false; }
};

/// std::shared_ptr<T>: the pointed-to object, kept alive by the verifier; null is a configuration error.
template <class T>
struct handle_traits<std::shared_ptr<T>> {
  using target = T;
  using access = T;
  static T& get(const std::shared_ptr<T>& held) noexcept { return *held; }
  static bool is_null(const std::shared_ptr<T>& held) noexcept { return !held; }
};

/// The type a repository or store handle reaches (T for T, std::reference_wrapper<T> and std::shared_ptr<T>).
template <class Handle>
using handle_target_t = typename handle_traits<Handle>::target;
/// How the verifier reaches it: const T for T held by value, T through std::reference_wrapper or
/// std::shared_ptr.
template <class Handle>
using handle_access_t = typename handle_traits<Handle>::access;

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_DETAIL_HANDLE_HPP
