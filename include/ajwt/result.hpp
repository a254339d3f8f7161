// SPDX-License-Identifier: ISC
// failure and result<T>: how every verification step and the verifier report an outcome, a value or a
// failure with its reason and detail, never by throwing.
#ifndef AJWT_RESULT_HPP
#define AJWT_RESULT_HPP

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "error.hpp"
#include "version.hpp"

AJWT_NAMESPACE_BEGIN

/// Why an operation on untrusted input failed: a stable reason code and a detail for logs.
/// The detail may quote (truncated, escaped) parts of the input; never send it to the client.
struct failure {
  ajwt::reason reason;  ///< the stable reason code (to_string gives its snake_case name)
  std::string detail;   ///< what exactly was wrong, for logs
};

/// Thrown by result<T>::value() when the result holds a failure: a programming error, since
/// callers are expected to test the result first.
class bad_result_access : public error {
 public:
  /// The exception for accessing the value of a result that holds `f`; the message names its reason.
  explicit bad_result_access(const failure& f);
};

/// Either a T or a failure. Must be checked: it is [[nodiscard]]. A plain value: const members may be
/// called from several threads at once; it must not be changed (moved from) while others read it.
template <class T>
class [[nodiscard]] result {
  static_assert(!std::is_same_v<T, failure>, "result<failure> is meaningless");

 public:
  using value_type = T;  ///< the type of the value a successful result holds

  /// A successful result holding `value`.
  result(T value)
      : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  /// A failed result holding `f`.
  result(failure f) : state_(std::in_place_index<1>, std::move(f)) {}  // NOLINT(google-explicit-constructor)
  /// A failed result with reason `r` and `detail`.
  result(ajwt::reason r, std::string detail)
      : state_(std::in_place_index<1>, failure{r, std::move(detail)}) {}

  /// True when the result holds a value.
  [[nodiscard]] bool ok() const noexcept { return state_.index() == 0; }
  /// True when the result holds a value (same as ok()).
  explicit operator bool() const noexcept { return ok(); }

  /// The value; throws bad_result_access when the result holds a failure.
  const T& value() const& {
    if (!ok()) throw bad_result_access(std::get<1>(state_));
    return std::get<0>(state_);
  }
  /// The value, moved out of a temporary result; throws bad_result_access when it holds a failure.
  T&& value() && {
    if (!ok()) throw bad_result_access(std::get<1>(state_));
    return std::get<0>(std::move(state_));
  }
  /// The value (see value()).
  const T& operator*() const& { return value(); }
  /// Member access to the value (see value()).
  const T* operator->() const { return &value(); }

  /// The failure; only meaningful when !ok().
  [[nodiscard]] const failure& error() const { return std::get<1>(state_); }
  /// The reason code; only meaningful when !ok().
  [[nodiscard]] ajwt::reason reason() const { return std::get<1>(state_).reason; }
  /// The detail text; only meaningful when !ok().
  [[nodiscard]] const std::string& detail() const { return std::get<1>(state_).detail; }

 private:
  std::variant<T, failure> state_;
};

AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "impl/result.ipp"
#endif

#endif  // AJWT_RESULT_HPP
