// SPDX-License-Identifier: ISC
// The NonceStore contract: record(username, time, nonce) answers fresh, replayed or unavailable, atomically;
// the C++17 detection traits and the C++20 concept a user's own store must satisfy.
#ifndef AJWT_NONCE_STORE_HPP
#define AJWT_NONCE_STORE_HPP

#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

#include "version.hpp"

AJWT_NAMESPACE_BEGIN

/// The answer of a nonce store to "record this (username, time, nonce) if it is new".
enum class nonce_status {
  fresh,        ///< not seen before; now recorded
  replayed,     ///< seen before: reject the token
  unavailable,  ///< the store could not answer (e.g. Redis down): the verifier fails closed
};

/// What the verifier asks a nonce store to record. Only tokens whose signature, claims and time
/// window have all been checked reach the store, so a forged or stale token never burns a nonce.
struct nonce_record {
  std::string_view username;  ///< the token's `username` claim
  std::int64_t time = 0;      ///< the token's `time` claim (already within now ± tolerance)
  std::string_view nonce;     ///< the token's `nonce` claim
  std::int64_t now = 0;       ///< the verifier's clock
  /// The verifier's window half-width, for information: a store decides itself how long an entry
  /// lives (see max_tolerance below) and must never keep it shorter because of this value.
  std::int64_t tolerance = 0;
};

/// The NonceStore customisation point: one atomic operation, so there is no check-then-insert race.
///
///     nonce_status record(const nonce_record&) const;   // thread-safe; may throw (treated as unavailable)
///     std::int64_t max_tolerance() const;          // optional: the widest window the store serves
///
/// The store, not the verifier, owns how long an entry lives. A (username, time, nonce) it answered
/// `fresh` for must be answered `replayed` for as long as `time` can fall inside the window of any
/// verifier sharing the store: the stores of ajwt keep an entry until their reference clock passes
/// time + 2 x max_tolerance + 1 (every verifier's window is at most max_tolerance wide and its clock
/// within max_tolerance of the reference), and answer `unavailable` for a record whose entry they may
/// have dropped, never `fresh`. A verifier refuses to construct (config_error) when its tolerance
/// exceeds the max_tolerance() of its store.
///
/// Thread safety: record() is called from every thread that verifies, at once; it must be thread-safe
/// and atomic ("record if new" as one step), as every store ajwt ships is. One store is one replay
/// domain: replicas serving the same users must share one.
///
/// Implementations: memory_nonce_store (one process), redis_nonce_store (shared by replicas),
/// insecure_null_nonce_store (tests only).
template <class T, class = void>
struct is_nonce_store : std::false_type {};
template <class T>
struct is_nonce_store<T,
                      std::void_t<decltype(std::declval<T&>().record(std::declval<const nonce_record&>()))>>
    : std::is_same<decltype(std::declval<T&>().record(std::declval<const nonce_record&>())), nonce_status> {};

/// True when T has `max_tolerance() const` returning the widest window (seconds) the store serves.
template <class T, class = void>
struct has_max_tolerance : std::false_type {};
template <class T>
struct has_max_tolerance<T, std::void_t<decltype(std::declval<const T&>().max_tolerance())>>
    : std::is_convertible<decltype(std::declval<const T&>().max_tolerance()), std::int64_t> {};

#if defined(__cpp_concepts) && __cpp_concepts >= 201907L
/// C++20: the NonceStore customisation point as a concept, the same rule as is_nonce_store (which stays
/// for C++17), e.g. `template <ajwt::nonce_store S> void warm_up(S& store);`.
template <class T>
concept nonce_store = is_nonce_store<T>::value;
#endif

/// Accepts every nonce: replays are NOT detected. For tests and benchmarks only; never in production.
/// Stateless, so thread-safe.
struct insecure_null_nonce_store {
  /// Always fresh.
  [[nodiscard]] nonce_status record(const nonce_record& /*r*/) const noexcept { return nonce_status::fresh; }
};

AJWT_NAMESPACE_END

#endif  // AJWT_NONCE_STORE_HPP
