// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/nonce/memory.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_NONCE_MEMORY_IPP
#define AJWT_IMPL_NONCE_MEMORY_IPP

#include "../../nonce/memory.hpp"

#include <cstddef>

AJWT_NAMESPACE_BEGIN

AJWT_DECL nonce_status memory_nonce_store::record(const nonce_record& r) const {
  const std::uint64_t h = fingerprint(r);
  shard& s = shared_->shards[h >> 58];  // the top 6 bits pick the shard, the low bits the slot
  std::lock_guard<std::mutex> lock(s.mu);
  return s.insert(h, r.time, r.now, shared_->max_tolerance, shared_->width);
}

AJWT_DECL std::size_t memory_nonce_store::size() const {
  std::size_t n = 0;
  for (auto& s : shared_->shards) {
    std::lock_guard<std::mutex> lock(s.mu);
    n += s.live_count(shared_->max_tolerance, shared_->width);
  }
  return n;
}

AJWT_DECL std::int64_t memory_nonce_store::sat_add(std::int64_t a, std::int64_t b) noexcept {  // b >= 0
  return a > INT64_MAX - b ? INT64_MAX : a + b;
}

AJWT_DECL std::int64_t memory_nonce_store::sat_sub(std::int64_t a, std::int64_t b) noexcept {  // b >= 0
  return a < INT64_MIN + b ? INT64_MIN : a - b;
}

AJWT_DECL std::int64_t memory_nonce_store::floor_div(std::int64_t a, std::int64_t b) noexcept {  // b > 0
  return a / b - ((a % b) < 0 ? 1 : 0);
}

AJWT_DECL std::int64_t memory_nonce_store::checked(const memory_nonce_store_options& o) {
  if (o.max_tolerance < 0 || o.max_tolerance > 86400)
    throw config_error("ajwt: memory_nonce_store_options.max_tolerance must be between 0 and 86400 seconds");
  return o.max_tolerance;
}

AJWT_DECL std::uint64_t memory_nonce_store::fingerprint(const nonce_record& r) const noexcept {
  // Length-prefixed fields, so ("a:b", "c") and ("a", "b:c") can never collide by construction.
  detail::siphash64 h(shared_->k0, shared_->k1);
  h.update_u64(r.username.size());
  h.update(r.username);
  h.update_u64(static_cast<std::uint64_t>(r.time));
  h.update_u64(r.nonce.size());
  h.update(r.nonce);
  return h.finish();
}

AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_NONCE_MEMORY_IPP
