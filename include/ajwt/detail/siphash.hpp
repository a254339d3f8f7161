// SPDX-License-Identifier: ISC
// SipHash-2-4 with 128-bit output (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012),
// written from the paper's description. Used to fingerprint nonces under a per-process random key,
// so an attacker cannot aim collisions at another client's nonces. Internal: ajwt::detail.
#ifndef AJWT_DETAIL_SIPHASH_HPP
#define AJWT_DETAIL_SIPHASH_HPP

#include <cstdint>
#include <cstring>
#include <string_view>

namespace ajwt::detail {

struct hash128 {
  std::uint64_t lo = 0, hi = 0;
  friend bool operator==(const hash128& a, const hash128& b) noexcept { return a.lo == b.lo && a.hi == b.hi; }
};

/// Incremental SipHash-2-4-128 over several pieces.
class siphash128 {
 public:
  siphash128(std::uint64_t k0, std::uint64_t k1) noexcept
      : v0_(0x736f6d6570736575ULL ^ k0),
        v1_(0x646f72616e646f6dULL ^ k1 ^ 0xee),
        v2_(0x6c7967656e657261ULL ^ k0),
        v3_(0x7465646279746573ULL ^ k1) {}

  void update(std::string_view data) noexcept {
    for (unsigned char c : data) {
      tail_ |= static_cast<std::uint64_t>(c) << (8 * (len_ & 7));
      ++len_;
      if ((len_ & 7) == 0) {
        compress(tail_);
        tail_ = 0;
      }
    }
  }

  void update_u64(std::uint64_t v) noexcept {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
    update(std::string_view(b, 8));
  }

  hash128 finish() noexcept {
    const std::uint64_t b = (static_cast<std::uint64_t>(len_ & 0xff) << 56) | tail_;
    compress(b);
    v2_ ^= 0xee;
    for (int i = 0; i < 4; ++i) round();
    hash128 out;
    out.lo = v0_ ^ v1_ ^ v2_ ^ v3_;
    v1_ ^= 0xdd;
    for (int i = 0; i < 4; ++i) round();
    out.hi = v0_ ^ v1_ ^ v2_ ^ v3_;
    return out;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int b) noexcept { return (x << b) | (x >> (64 - b)); }
  void round() noexcept {
    v0_ += v1_;
    v1_ = rotl(v1_, 13);
    v1_ ^= v0_;
    v0_ = rotl(v0_, 32);
    v2_ += v3_;
    v3_ = rotl(v3_, 16);
    v3_ ^= v2_;
    v0_ += v3_;
    v3_ = rotl(v3_, 21);
    v3_ ^= v0_;
    v2_ += v1_;
    v1_ = rotl(v1_, 17);
    v1_ ^= v2_;
    v2_ = rotl(v2_, 32);
  }
  void compress(std::uint64_t m) noexcept {
    v3_ ^= m;
    round();
    round();
    v0_ ^= m;
  }

  std::uint64_t v0_, v1_, v2_, v3_;
  std::uint64_t tail_ = 0;
  std::uint64_t len_ = 0;
};

}  // namespace ajwt::detail

#endif  // AJWT_DETAIL_SIPHASH_HPP
