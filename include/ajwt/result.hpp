// SPDX-License-Identifier: ISC
#ifndef AJWT_RESULT_HPP
#define AJWT_RESULT_HPP

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "error.hpp"

namespace ajwt {

/// Why an operation on untrusted input failed: a stable reason code and a detail for logs.
/// The detail may quote (truncated, escaped) parts of the input; never send it to the client.
struct failure {
  ajwt::reason reason;
  std::string detail;
};

/// Thrown by result<T>::value() when the result holds a failure: a programming error, since
/// callers are expected to test the result first.
class bad_result_access : public error {
 public:
  explicit bad_result_access(const failure& f)
      : error("ajwt::result holds a failure: " + std::string(to_string(f.reason)) + ": " + f.detail) {}
};

/// Either a T or a failure. Must be checked: it is [[nodiscard]]. A plain value: const members may be
/// called from several threads at once; it must not be changed (moved from) while others read it.
template <class T>
class [[nodiscard]] result {
  static_assert(!std::is_same_v<T, failure>, "result<failure> is meaningless");

 public:
  using value_type = T;

  result(T value)
      : state_(std::in_place_index<0>, std::move(value)) {}            // NOLINT(google-explicit-constructor)
  result(failure f) : state_(std::in_place_index<1>, std::move(f)) {}  // NOLINT(google-explicit-constructor)
  result(ajwt::reason r, std::string detail)
      : state_(std::in_place_index<1>, failure{r, std::move(detail)}) {}

  /// True when the result holds a value.
  [[nodiscard]] bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  /// The value; throws bad_result_access when the result holds a failure.
  const T& value() const& {
    if (!ok()) throw bad_result_access(std::get<1>(state_));
    return std::get<0>(state_);
  }
  T&& value() && {
    if (!ok()) throw bad_result_access(std::get<1>(state_));
    return std::get<0>(std::move(state_));
  }
  const T& operator*() const& { return value(); }
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

}  // namespace ajwt

#endif  // AJWT_RESULT_HPP
