// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/verified_token.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_VERIFIED_TOKEN_IPP
#define AJWT_IMPL_VERIFIED_TOKEN_IPP

#include "../verified_token.hpp"

AJWT_NAMESPACE_BEGIN

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
