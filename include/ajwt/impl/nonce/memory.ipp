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
    throw config_error("memory_nonce_store_options.max_tolerance", "must be between 0 and 86400 seconds");
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

// The members of the nested bucket and shard types.

AJWT_DECL void memory_nonce_store::bucket::reset(std::int64_t t) {
  // Keep the allocation for a busy span, but give memory back after a burst.
  if (slots.size() > 64 && count * 8 < slots.size()) {
    std::vector<std::uint64_t>().swap(slots);
  } else {
    std::fill(slots.begin(), slots.end(), std::uint64_t{0});
  }
  count = 0;
  tag = t;
}

AJWT_DECL bool memory_nonce_store::bucket::insert(std::uint64_t h) {
  if (h == 0) h = 1;  // keep 0 as the empty marker
  if ((count + 1) * 2 > slots.size()) grow();
  const std::size_t mask = slots.size() - 1;
  for (std::size_t i = static_cast<std::size_t>(h) & mask;; i = (i + 1) & mask) {
    auto& slot = slots[i];
    if (slot == 0) {
      slot = h;
      ++count;
      return true;
    }
    if (slot == h) return false;
  }
}

AJWT_DECL void memory_nonce_store::bucket::grow() {
  std::vector<std::uint64_t> old;
  old.swap(slots);
  slots.assign(old.empty() ? 16 : old.size() * 2, std::uint64_t{0});
  const std::size_t mask = slots.size() - 1;
  for (const auto h : old) {
    if (h == 0) continue;
    std::size_t i = static_cast<std::size_t>(h) & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = h;
  }
}

AJWT_DECL nonce_status memory_nonce_store::shard::insert(std::uint64_t h, std::int64_t time, std::int64_t now,
                                                         std::int64_t tol, std::int64_t width) {
  // Times this far from 1970 (about 73 billion years) are no clock's: refuse rather than risk
  // overflow in the bucket arithmetic below.
  if (time < INT64_MIN / 4 || time > INT64_MAX / 4) return nonce_status::unavailable;
  if (now > clock) clock = now;
  const std::int64_t horizon = sat_sub(clock, 2 * tol);  // entries for times >= horizon are kept
  // Beyond what the store can answer: an entry for this time may have been dropped, or no verifier
  // it serves can send this time (its window would be wider than max_tolerance). Fail closed.
  if (time <= forgotten || time > sat_add(clock, tol)) return nonce_status::unavailable;
  const std::int64_t tag = floor_div(time, width);
  const auto n = static_cast<std::int64_t>(ring.size());
  auto& b = ring[static_cast<std::size_t>(((tag % n) + n) % n)];
  if (b.tag != tag) {
    if (b.tag != empty_tag) {
      // The room holds another span: it may be reused only once all of that span is past the
      // horizon, and what it held is then remembered as forgotten.
      const std::int64_t last = b.last_time(width);
      if (last >= horizon) return nonce_status::unavailable;
      if (last > forgotten) forgotten = last;
      if (time <= forgotten) return nonce_status::unavailable;
    }
    b.reset(tag);
  }
  return b.insert(h) ? nonce_status::fresh : nonce_status::replayed;
}

AJWT_DECL std::size_t memory_nonce_store::shard::live_count(std::int64_t tol, std::int64_t width) const {
  const std::int64_t horizon = sat_sub(clock, 2 * tol);
  std::size_t n = 0;
  for (const auto& b : ring)
    if (b.tag != empty_tag && b.last_time(width) >= horizon) n += b.count;
  return n;
}

AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_NONCE_MEMORY_IPP
