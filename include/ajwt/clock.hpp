// SPDX-License-Identifier: ISC
// Where a verifier reads the time: system_clock (the default), fixed_clock (tests, replays of recorded
// traffic) and the Clock contract (is_clock, and a concept under C++20) a user's own clock must satisfy.
#ifndef AJWT_CLOCK_HPP
#define AJWT_CLOCK_HPP

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

#include "version.hpp"

AJWT_NAMESPACE_BEGIN

/// True when T is a Clock: `now() const` gives the current Unix time in seconds (convertible to int64).
template <class T, class = void>
struct is_clock : std::false_type {};
template <class T>
struct is_clock<T, std::void_t<decltype(std::declval<const T&>().now())>>
    : std::is_convertible<decltype(std::declval<const T&>().now()), std::int64_t> {};

#if defined(__cpp_concepts) && __cpp_concepts >= 201907L
/// C++20: the Clock customisation point as a concept, the same rule as is_clock.
template <class T>
concept verifier_clock = is_clock<T>::value;
#endif

/// The default Clock: the system's wall clock, in whole Unix seconds (what the `time` claim holds).
/// Stateless, so thread-safe.
struct system_clock {
  /// The current Unix time in seconds.
  [[nodiscard]] std::int64_t now() const noexcept {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

/// A clock that says what it is told: for tests and for replaying logs. Copies share one time, so a
/// test can move the clock of a verifier it handed a copy to. Thread-safe.
class fixed_clock {
 public:
  /// A clock that says `now` until set or advanced.
  explicit fixed_clock(std::int64_t now = 0) : t_(std::make_shared<std::atomic<std::int64_t>>(now)) {}
  /// The time it was set to, in Unix seconds.
  [[nodiscard]] std::int64_t now() const noexcept { return t_->load(std::memory_order_relaxed); }
  /// Sets the time (for this clock and every copy of it).
  void set(std::int64_t now) noexcept { t_->store(now, std::memory_order_relaxed); }
  /// Moves the time by `seconds` (negative: back), for this clock and every copy.
  void advance(std::int64_t seconds) noexcept { t_->fetch_add(seconds, std::memory_order_relaxed); }

 private:
  std::shared_ptr<std::atomic<std::int64_t>> t_;
};

AJWT_NAMESPACE_END

#endif  // AJWT_CLOCK_HPP
