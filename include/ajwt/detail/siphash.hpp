// SPDX-License-Identifier: ISC
// SipHash-2-4 with 64-bit output (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
// 2012), written from the paper's description. Used to fingerprint nonces under a per-process random key,
// so an attacker cannot aim collisions at another client's nonces. Internal: ajwt::detail.
#ifndef AJWT_DETAIL_SIPHASH_HPP
#define AJWT_DETAIL_SIPHASH_HPP

#include <cstdint>
#include <cstring>
#include <string_view>

#include "../version.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

/// Incremental SipHash-2-4-64 over several pieces, under the 128-bit key (k0, k1).
class siphash64 {
 public:
  siphash64(std::uint64_t k0, std::uint64_t k1) noexcept
      : v0_(0x736f6d6570736575ULL ^ k0),
        v1_(0x646f72616e646f6dULL ^ k1),
        v2_(0x6c7967656e657261ULL ^ k0),
        v3_(0x7465646279746573ULL ^ k1) {}

  void update(std::string_view data) noexcept {
    const char* p = data.data();
    std::size_t n = data.size();
    // Top up a partial word first, then whole words straight from the input, then the new tail.
    while (n > 0 && (len_ & 7) != 0) {
      tail_ |= static_cast<std::uint64_t>(static_cast<unsigned char>(*p++)) << (8 * (len_ & 7));
      ++len_;
      --n;
      if ((len_ & 7) == 0) {
        compress(tail_);
        tail_ = 0;
      }
    }
    for (; n >= 8; n -= 8, p += 8) {
      compress(load_le64(p));
      len_ += 8;
    }
    for (std::size_t i = 0; i < n; ++i)
      tail_ |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    len_ += n;
  }

  void update_u64(std::uint64_t v) noexcept {
    if ((len_ & 7) == 0) {  // word-aligned: the common case
      compress(v);
      len_ += 8;
      return;
    }
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
    update(std::string_view(b, 8));
  }

  [[nodiscard]] std::uint64_t finish() noexcept {
    const std::uint64_t b = (static_cast<std::uint64_t>(len_ & 0xff) << 56) | tail_;
    compress(b);
    v2_ ^= 0xff;
    for (int i = 0; i < 4; ++i) round();
    return v0_ ^ v1_ ^ v2_ ^ v3_;
  }

 private:
  static std::uint64_t load_le64(const char* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    return v;  // compilers turn this into one load on little-endian machines
  }
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

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_DETAIL_SIPHASH_HPP
