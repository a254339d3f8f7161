// SPDX-License-Identifier: ISC
// The in-process nonce store: sharded, bounded memory, entries kept for the store's own retention, failing
// closed after a clock step it cannot account for. For one server process; replicas share nonce/redis.hpp.
#ifndef AJWT_NONCE_MEMORY_HPP
#define AJWT_NONCE_MEMORY_HPP

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "../detail/openssl.hpp"
#include "../detail/siphash.hpp"
#include "../error.hpp"
#include "../nonce_store.hpp"
#include "../version.hpp"

AJWT_NAMESPACE_BEGIN

/// Options of a memory_nonce_store.
struct memory_nonce_store_options {
  /// The widest verifier window (verifier_options::tolerance, seconds) the store serves: an entry is
  /// kept until the store's clock passes its token's time + 2 x max_tolerance + 1, and a verifier with
  /// a wider tolerance refuses to construct over this store. From 0 to 86400. Memory follows the
  /// traffic (entries per second x that lifetime), not this value.
  std::int64_t max_tolerance = 60;
};

/// A thread-safe in-process nonce store, for a single server process. Every process with its own
/// memory store is its own replay domain: several replicas need redis_nonce_store, or a token replayed
/// to another replica is accepted there.
///
/// Retention is the store's, not a verifier's: an entry for a token whose `time` is t is kept until
/// the store's clock (the latest verifier clock reading it has seen; it never goes back) passes
/// t + 2 x max_tolerance + 1, so every verifier sharing the store refuses the token again for as long
/// as t can be inside its window, whatever its tolerance (up to max_tolerance) and its clock offset
/// (up to its tolerance). An entry is dropped only when its room is needed, and a record whose entry
/// may have been dropped, or whose time is beyond any window the store serves, is answered
/// `unavailable` (the verifier fails closed), never `fresh`: after the clock steps back by more than
/// about 2 x max_tolerance, tokens are refused until it has caught up, rather than replays accepted.
///
/// Design: nonces are kept as 64-bit SipHash-2-4 fingerprints under a random per-store key, in 64
/// shards (one mutex each, chosen by hash, so concurrent verifications rarely meet). Each shard holds
/// a fixed ring of 3 x max_tolerance + 4 buckets (16 to 128), each an open-addressing table for the
/// tokens whose time falls in one span of `width` seconds (1 s up to max_tolerance 41, wider beyond).
/// Insertion is O(1) amortised; memory is a fixed ~40 to 330 kB plus about 16 bytes per live entry,
/// whatever max_tolerance.
///
/// Why 64 bits are enough: a replay has the same (username, time, nonce), hence the same fingerprint,
/// so it is always caught, whatever the width. A collision can only make a fresh token look replayed
/// (a false rejection: the client retries with a new nonce). Under the secret key SipHash is a PRF, so
/// an attacker cannot aim collisions, and a fresh nonce collides with one of the m entries of its
/// bucket with probability m / 2^64: below 2^-44 per token at a million tokens per second.
class memory_nonce_store {
 public:
  memory_nonce_store() : memory_nonce_store(memory_nonce_store_options{}) {}

  /// Throws config_error when max_tolerance is outside 0 to 86400 seconds.
  explicit memory_nonce_store(memory_nonce_store_options options)
      : shared_(std::make_shared<shared>(checked(options))) {}

  /// Records the nonce if new. Thread-safe; copies of the store share one set of nonces.
  [[nodiscard]] nonce_status record(const nonce_record& r) const;

  /// The number of nonces currently held (entries whose time is still within the retention).
  [[nodiscard]] std::size_t size() const;

  /// The widest verifier tolerance this store serves (memory_nonce_store_options::max_tolerance).
  [[nodiscard]] std::int64_t max_tolerance() const noexcept { return shared_->max_tolerance; }

 private:
  static constexpr std::size_t shard_count = 64;    // = 2^6: see record()
  static constexpr std::int64_t max_buckets = 128;  // per shard
  static constexpr std::int64_t empty_tag = INT64_MIN;

  static std::int64_t sat_add(std::int64_t a, std::int64_t b) noexcept;
  static std::int64_t sat_sub(std::int64_t a, std::int64_t b) noexcept;
  static std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept;

  /// One bucket's nonces: open addressing with linear probing over 64-bit fingerprints.
  struct bucket {
    std::int64_t tag = empty_tag;  // floor(time / width) of the tokens it holds
    std::size_t count = 0;
    std::vector<std::uint64_t> slots;  // 0 marks an empty slot

    /// Empties the bucket for the span `t`, keeping its allocation unless a burst is over.
    void reset(std::int64_t t);
    /// Adds a fingerprint; false when it was there already.
    bool insert(std::uint64_t h);
    /// Doubles the table and rehashes.
    void grow();

    /// The last second this bucket covers.
    [[nodiscard]] std::int64_t last_time(std::int64_t width) const noexcept {
      return sat_add(tag * width, width - 1);
    }
  };

  struct shard {
    mutable std::mutex mu;
    std::vector<bucket> ring;            // the store's bucket count, fixed at construction
    std::int64_t clock = INT64_MIN;      // the latest verifier clock reading seen; never goes back
    std::int64_t forgotten = INT64_MIN;  // every time up to this one may have had its entry dropped

    /// Records fingerprint `h` for a token of `time`, verified at `now`, under tolerance `tol` with buckets
    /// `width` seconds wide: fresh, replayed, or unavailable when the store cannot answer for that time.
    nonce_status insert(std::uint64_t h, std::int64_t time, std::int64_t now, std::int64_t tol,
                        std::int64_t width);
    /// The entries still within the horizon.
    [[nodiscard]] std::size_t live_count(std::int64_t tol, std::int64_t width) const;
  };

  struct shared {
    std::uint64_t k0 = 0, k1 = 0;
    std::int64_t max_tolerance;
    std::int64_t buckets;  // per shard: 3T + 4 (the live times [clock - 2T, clock + T] and slack), 16 to 128
    std::int64_t width;    // seconds per bucket, so that the live times span at most `buckets - 2` buckets
    std::array<shard, shard_count> shards;
    explicit shared(std::int64_t tol)
        : max_tolerance(tol),
          buckets(std::clamp<std::int64_t>(3 * tol + 4, 16, max_buckets)),
          width(std::max<std::int64_t>(1, (3 * tol + 1 + buckets - 3) / (buckets - 2))) {
      for (auto& s : shards) s.ring.resize(static_cast<std::size_t>(buckets));
      unsigned char key[16];
      detail::random_bytes(key, sizeof key);
      for (int i = 0; i < 8; ++i) {
        k0 |= static_cast<std::uint64_t>(key[i]) << (8 * i);
        k1 |= static_cast<std::uint64_t>(key[8 + i]) << (8 * i);
      }
    }
  };

  static std::int64_t checked(const memory_nonce_store_options& o);

  [[nodiscard]] std::uint64_t fingerprint(const nonce_record& r) const noexcept;

  std::shared_ptr<shared> shared_;
};

static_assert(is_nonce_store<memory_nonce_store>::value && has_max_tolerance<memory_nonce_store>::value,
              "memory_nonce_store must satisfy the NonceStore contract");

AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/nonce/memory.ipp"
#endif

#endif  // AJWT_NONCE_MEMORY_HPP
