// SPDX-License-Identifier: ISC
#ifndef AJWT_NONCE_MEMORY_HPP
#define AJWT_NONCE_MEMORY_HPP

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "../detail/openssl.hpp"
#include "../detail/siphash.hpp"
#include "../nonce_store.hpp"

namespace ajwt {

/// A thread-safe in-process nonce store, for a single server process (several replicas need
/// redis_nonce_store, or a token replayed to another replica is accepted there).
///
/// Design: nonces are kept as 64-bit SipHash-2-4 fingerprints under a random per-store key, in 64
/// shards (one mutex each, chosen by hash, so concurrent verifications rarely meet). Each shard holds
/// a ring of per-second open-addressing tables indexed by the token's `time`; a second's table is
/// wiped when its time leaves the window (now - tolerance). Insertion is O(1) amortised and memory
/// is proportional to (requests per second x window), never to uptime: about 16 bytes per entry at
/// the table's maximum load of one half, plus a fixed ~100 bytes per shard and second of window.
///
/// Why 64 bits are enough: a replay has the same (username, time, nonce), hence the same fingerprint,
/// so it is always caught, whatever the width. A collision can only make a fresh token look replayed
/// (a false rejection: the client retries with a new nonce). Under the secret key SipHash is a PRF, so
/// an attacker cannot aim collisions, and a fresh nonce collides with one of the m entries of its
/// second's table with probability m / 2^64: below 2^-44 per token at a million tokens per second.
/// (Half the width of the 128-bit fingerprints of before: half the memory, and the tables of a busy
/// second fit the cache twice as well, which is most of an insertion's cost.)
class memory_nonce_store {
 public:
  memory_nonce_store() : shared_(std::make_shared<shared>()) {}

  /// Records the nonce if new. Thread-safe; copies of the store share one set of nonces.
  nonce_status record(const nonce_record& r) {
    const std::uint64_t h = fingerprint(r);
    shard& s = shared_->shards[h >> 58];  // the top 6 bits pick the shard, the low bits the slot
    std::lock_guard<std::mutex> lock(s.mu);
    return s.insert(h, r.time, r.now, r.tolerance) ? nonce_status::fresh : nonce_status::replayed;
  }

  /// The number of nonces currently held (entries whose time is still within the window).
  [[nodiscard]] std::size_t size() const {
    std::size_t n = 0;
    for (auto& s : shared_->shards) {
      std::lock_guard<std::mutex> lock(s.mu);
      n += s.live_count();
    }
    return n;
  }

 private:
  static constexpr std::size_t shard_count = 64;  // = 2^6: see record()

  /// One second's nonces: open addressing with linear probing over 64-bit fingerprints.
  struct second_table {
    std::int64_t time = INT64_MIN;  // which `time` this table holds; INT64_MIN when empty
    std::size_t count = 0;
    std::vector<std::uint64_t> slots;  // 0 marks an empty slot

    void reset(std::int64_t t) {
      // Keep the allocation for a busy second, but give memory back after a burst.
      if (slots.size() > 64 && count * 8 < slots.size()) {
        std::vector<std::uint64_t>().swap(slots);
      } else {
        std::fill(slots.begin(), slots.end(), std::uint64_t{0});
      }
      count = 0;
      time = t;
    }

    bool insert(std::uint64_t h) {
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

    void grow() {
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
  };

  struct shard {
    mutable std::mutex mu;
    // Sized 2 * tolerance + 3: the window's 2 * tolerance + 1 seconds plus two seconds of slack, so a
    // verifier thread whose clock reading lags the others by a second or two never sees its second's
    // table recycled between its time check and its record call.
    std::vector<second_table> ring;
    std::int64_t now = INT64_MIN;  // the latest clock reading seen
    std::int64_t tolerance = 0;    // the largest tolerance seen

    bool insert(std::uint64_t h, std::int64_t time, std::int64_t clock_now, std::int64_t tol) {
      if (tol < 0) tol = 0;
      if (tol > tolerance) tolerance = tol;
      // A clock stepping far backwards (beyond the window) restarts the notion of "now"; otherwise
      // keep the maximum, so threads with slightly older readings cannot shrink the window.
      if (clock_now > now || clock_now < now - 2 * tolerance - 2) now = clock_now;
      if (ring.size() < static_cast<std::size_t>(2 * tolerance + 3))
        resize(static_cast<std::size_t>(2 * tolerance + 3));
      auto& table = ring[static_cast<std::size_t>(
          ((time % static_cast<std::int64_t>(ring.size())) + static_cast<std::int64_t>(ring.size())) %
          static_cast<std::int64_t>(ring.size()))];
      if (table.time != time) {
        // The slot holds another second: it is reused only when that second has left the window;
        // otherwise (a time outside the window, which the verifier never sends) refuse to forget.
        if (table.time != INT64_MIN && table.time >= now - tolerance && table.time <= now + tolerance)
          return false;
        table.reset(time);
      }
      return table.insert(h);
    }

    void resize(std::size_t n) {
      std::vector<second_table> old;
      old.swap(ring);
      ring.resize(n);
      for (auto& t : old) {
        // Only live seconds move to the new ring; a stale one could otherwise land on a live slot.
        if (t.time == INT64_MIN || t.time < now - tolerance || t.time > now + tolerance) continue;
        auto& dst = ring[static_cast<std::size_t>(
            ((t.time % static_cast<std::int64_t>(n)) + static_cast<std::int64_t>(n)) %
            static_cast<std::int64_t>(n))];
        dst = std::move(t);
      }
    }

    [[nodiscard]] std::size_t live_count() const {
      std::size_t n = 0;
      for (const auto& t : ring)
        if (t.time != INT64_MIN && t.time >= now - tolerance) n += t.count;
      return n;
    }
  };

  struct shared {
    std::uint64_t k0 = 0, k1 = 0;
    std::array<shard, shard_count> shards;
    shared() {
      unsigned char key[16];
      detail::random_bytes(key, sizeof key);
      for (int i = 0; i < 8; ++i) {
        k0 |= static_cast<std::uint64_t>(key[i]) << (8 * i);
        k1 |= static_cast<std::uint64_t>(key[8 + i]) << (8 * i);
      }
    }
  };

  [[nodiscard]] std::uint64_t fingerprint(const nonce_record& r) const noexcept {
    // Length-prefixed fields, so ("a:b", "c") and ("a", "b:c") can never collide by construction.
    detail::siphash64 h(shared_->k0, shared_->k1);
    h.update_u64(r.username.size());
    h.update(r.username);
    h.update_u64(static_cast<std::uint64_t>(r.time));
    h.update_u64(r.nonce.size());
    h.update(r.nonce);
    return h.finish();
  }

  std::shared_ptr<shared> shared_;
};

}  // namespace ajwt

#endif  // AJWT_NONCE_MEMORY_HPP
