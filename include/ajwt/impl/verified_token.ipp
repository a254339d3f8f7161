// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/verified_token.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_VERIFIED_TOKEN_IPP
#define AJWT_IMPL_VERIFIED_TOKEN_IPP

#include "../verified_token.hpp"

AJWT_NAMESPACE_BEGIN

AJWT_DECL detail::lazy_json::lazy_json(const lazy_json& other) : text_(other.text_) {
  if (const auto* v = other.value_.load(std::memory_order_acquire)) value_.store(new nlohmann::json(*v));
}

AJWT_DECL detail::lazy_json& detail::lazy_json::operator=(const lazy_json& other) {
  if (this != &other) *this = lazy_json(other);
  return *this;
}

AJWT_DECL detail::lazy_json& detail::lazy_json::operator=(lazy_json&& other) noexcept {
  if (this != &other) {
    text_ = std::move(other.text_);
    delete value_.exchange(other.value_.exchange(nullptr, std::memory_order_acq_rel),
                           std::memory_order_acq_rel);
  }
  return *this;
}

AJWT_DECL detail::lazy_json::~lazy_json() { delete value_.load(std::memory_order_acquire); }

AJWT_DECL const nlohmann::json& detail::lazy_json::get() const {
  if (const auto* v = value_.load(std::memory_order_acquire)) return *v;
  auto parsed = detail::parse_json_strict(text_);
  if (!parsed)
    throw std::logic_error("ajwt: the claims of a verified token no longer parse: " + parsed.error());
  auto fresh = std::make_unique<nlohmann::json>(std::move(*parsed));
  nlohmann::json* expected = nullptr;
  if (value_.compare_exchange_strong(expected, fresh.get(), std::memory_order_acq_rel,
                                     std::memory_order_acquire))
    return *fresh.release();
  return *expected;  // another thread parsed first
}

AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_VERIFIED_TOKEN_IPP
