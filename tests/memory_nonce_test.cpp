// SPDX-License-Identifier: ISC
// Tests of ajwt::memory_nonce_store (include/ajwt/nonce/memory.hpp) beyond the NonceStore contract
// (nonce_store_contract_test.cpp): shared copies, size(), the memory bound over a simulated hour, a
// tolerance change on a shared store, and SipHash-2-4 (the 64-bit fingerprint, and the 128-bit form) against
// the published vectors.
#include "ajwt/nonce/memory.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ajwt/clock.hpp"
#include "ajwt/detail/siphash.hpp"
#include "ajwt/nonce_store.hpp"

namespace {

constexpr std::int64_t t0 = 1'700'000'000;

ajwt::nonce_record rec(std::string_view username, std::int64_t time, std::string_view nonce, std::int64_t now,
                       std::int64_t tolerance = 20) {
  return ajwt::nonce_record{username, time, nonce, now, tolerance};
}

/// The 64-bit little-endian word at `bytes` (SipHash's output and key convention).
std::uint64_t le64(const unsigned char* bytes) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | bytes[i];
  return v;
}

/// SipHash-2-4-64 of `message` under the key 00 01 02 ... 0f, the key of the reference vectors.
std::uint64_t reference_key_hash(std::string_view message) {
  unsigned char key[16];
  for (int i = 0; i < 16; ++i) key[i] = static_cast<unsigned char>(i);
  ajwt::detail::siphash64 h(le64(key), le64(key + 8));
  h.update(message);
  return h.finish();
}

std::string bytes_0_to(std::size_t n) {
  std::string m;
  for (std::size_t i = 0; i < n; ++i) m += static_cast<char>(i);
  return m;
}

}  // namespace

TEST_CASE("memory_nonce_store satisfies the NonceStore customisation point", "[nonce][memory]") {
  STATIC_REQUIRE(ajwt::is_nonce_store<ajwt::memory_nonce_store>::value);
  STATIC_REQUIRE(ajwt::is_nonce_store<ajwt::insecure_null_nonce_store>::value);
  STATIC_REQUIRE_FALSE(ajwt::is_nonce_store<int>::value);
}

TEST_CASE("a memory store says fresh once and replayed after", "[nonce][memory]") {
  ajwt::memory_nonce_store s;
  CHECK(s.record(rec("alice", t0, "n0nce", t0)) == ajwt::nonce_status::fresh);
  CHECK(s.record(rec("alice", t0, "n0nce", t0)) == ajwt::nonce_status::replayed);
  CHECK(s.record(rec("alice", t0, "n0nce", t0 + 20)) == ajwt::nonce_status::replayed);
}

TEST_CASE("copies of a memory store share one set of nonces; separate stores do not", "[nonce][memory]") {
  ajwt::memory_nonce_store a;
  ajwt::memory_nonce_store copy = a;
  ajwt::memory_nonce_store other;
  CHECK(a.record(rec("alice", t0, "n0nce", t0)) == ajwt::nonce_status::fresh);
  CHECK(copy.record(rec("alice", t0, "n0nce", t0)) == ajwt::nonce_status::replayed);
  CHECK(copy.size() == 1);
  CHECK(other.record(rec("alice", t0, "n0nce", t0)) == ajwt::nonce_status::fresh);
  CHECK(copy.record(rec("bob", t0, "n0nce", t0)) == ajwt::nonce_status::fresh);
  CHECK(a.size() == 2);
  CHECK(other.size() == 1);
}

TEST_CASE("size counts the nonces held, not the calls", "[nonce][memory]") {
  ajwt::memory_nonce_store s;
  CHECK(s.size() == 0);
  for (int i = 0; i < 100; ++i)
    REQUIRE(s.record(rec("alice", t0 + i % 5, std::to_string(i), t0)) == ajwt::nonce_status::fresh);
  CHECK(s.size() == 100);
  for (int i = 0; i < 100; ++i)
    REQUIRE(s.record(rec("alice", t0 + i % 5, std::to_string(i), t0)) == ajwt::nonce_status::replayed);
  CHECK(s.size() == 100);
}

TEST_CASE("usernames and nonces that would collide if joined with a separator stay distinct",
          "[nonce][memory]") {
  ajwt::memory_nonce_store s;
  CHECK(s.record(rec("a:b", t0, "c", t0)) == ajwt::nonce_status::fresh);
  CHECK(s.record(rec("a", t0, "b:c", t0)) == ajwt::nonce_status::fresh);
  CHECK(s.record(rec("ab", t0, "c", t0)) == ajwt::nonce_status::fresh);
  CHECK(s.record(rec("a", t0, "bc", t0)) == ajwt::nonce_status::fresh);
  CHECK(s.record(rec("", t0, "abc", t0)) == ajwt::nonce_status::fresh);
  CHECK(s.record(rec("abc", t0, "", t0)) == ajwt::nonce_status::fresh);
  CHECK(s.size() == 6);
}

TEST_CASE("a steady hour of traffic keeps the store within rate x (3 x tolerance + 1) entries",
          "[nonce][memory]") {
  // 50 tokens per simulated second for an hour, with a fixed clock moved one second at a time. A token's
  // time may be anywhere in the window (client clocks are skewed), and its entry lives until the clock
  // passes time + 2 x max_tolerance + 1: at most 3 x tolerance + 1 seconds after it was recorded.
  constexpr std::int64_t rate = 50;
  constexpr std::int64_t tolerance = 20;
  constexpr std::size_t bound = static_cast<std::size_t>(rate * (3 * tolerance + 1));
  ajwt::memory_nonce_store s(ajwt::memory_nonce_store_options{tolerance});
  ajwt::fixed_clock clock(t0);
  std::size_t largest = 0;
  std::int64_t false_replays = 0;
  std::uint64_t counter = 0;
  for (int second = 0; second < 3600; ++second) {
    const std::int64_t now = clock.now();
    for (std::int64_t i = 0; i < rate; ++i) {
      // Skews spread over the whole window, from -tolerance to +tolerance.
      const std::int64_t skew = static_cast<std::int64_t>(counter % (2 * tolerance + 1)) - tolerance;
      const std::string nonce = std::to_string(counter++);
      if (s.record(rec("client-" + std::to_string(i % 7), now + skew, nonce, now, tolerance)) !=
          ajwt::nonce_status::fresh)
        ++false_replays;
    }
    const std::size_t size = s.size();
    if (size > largest) largest = size;
    if (size > bound) {
      INFO("at second " << second << " the store holds " << size << " entries");
      CHECK(size <= bound);
      break;
    }
    clock.advance(1);
  }
  CHECK(false_replays == 0);
  CHECK(largest <= bound);
  CHECK(largest >= static_cast<std::size_t>(rate));  // at least the last second's tokens are held
  // Everything recorded in the first minutes has been forgotten: far fewer entries than calls.
  CHECK(s.size() < static_cast<std::size_t>(rate * 3600) / 50);

  // After all that wrapping, a replay inside the window is still caught.
  const std::int64_t now = clock.now();
  CHECK(s.record(rec("late", now - tolerance, "x", now, tolerance)) == ajwt::nonce_status::fresh);
  CHECK(s.record(rec("late", now - tolerance, "x", now, tolerance)) == ajwt::nonce_status::replayed);
}

TEST_CASE("a larger tolerance on a shared store does not forget nonces still in the window",
          "[nonce][memory]") {
  // Two verifiers share one store, one with tolerance 1 and one with tolerance 2. Traffic at times 100,
  // 104 and 105 (seen with tolerance 1) leaves a stale second (100) beside live ones; when the tolerance-2
  // verifier arrives the store grows its window, and the live nonces of second 105 must survive that.
  constexpr int n = 500;  // enough nonces per second that every shard holds each second
  ajwt::memory_nonce_store s;
  for (int i = 0; i < n; ++i)
    REQUIRE(s.record(rec("u", 100, "a" + std::to_string(i), 100, 1)) == ajwt::nonce_status::fresh);
  for (int i = 0; i < n; ++i)
    REQUIRE(s.record(rec("u", 104, "b" + std::to_string(i), 104, 1)) == ajwt::nonce_status::fresh);
  for (int i = 0; i < n; ++i)
    REQUIRE(s.record(rec("u", 105, "c" + std::to_string(i), 105, 1)) == ajwt::nonce_status::fresh);
  int forgotten = 0;
  for (int i = 0; i < n; ++i)
    if (s.record(rec("u", 105, "c" + std::to_string(i), 105, 2)) != ajwt::nonce_status::replayed) ++forgotten;
  CHECK(forgotten == 0);
  int forgotten_104 = 0;
  for (int i = 0; i < n; ++i)
    if (s.record(rec("u", 104, "b" + std::to_string(i), 105, 2)) != ajwt::nonce_status::replayed)
      ++forgotten_104;
  CHECK(forgotten_104 == 0);
}

TEST_CASE("the memory store is safe to use from many threads, through copies", "[nonce][memory]") {
  ajwt::memory_nonce_store s;
  constexpr int thread_count = 8;
  constexpr int per_thread = 2000;
  std::atomic<int> fresh{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&fresh, copy = s]() mutable {
      // Every thread records the same nonces: each must be fresh exactly once overall.
      for (int i = 0; i < per_thread; ++i)
        if (copy.record(rec("alice", t0, std::to_string(i), t0)) == ajwt::nonce_status::fresh) ++fresh;
      (void)copy.size();
    });
  }
  for (auto& th : threads) th.join();
  CHECK(fresh.load() == per_thread);
  CHECK(s.size() == static_cast<std::size_t>(per_thread));
}

// ---------------------------------------------------------------------------------------------------------
// SipHash-2-4-128, the fingerprint the store keeps instead of the nonce.

TEST_CASE("SipHash-2-4-64, the store's fingerprint, matches the reference vectors", "[nonce][siphash]") {
  // The paper's appendix A example (key 00..0f, message 00..0e) and the first of the published vectors
  // (vectors_sip64, the empty message); the output is little-endian.
  unsigned char key[16];
  for (int i = 0; i < 16; ++i) key[i] = static_cast<unsigned char>(i);
  ajwt::detail::siphash64 example(le64(key), le64(key + 8));
  example.update(bytes_0_to(15));
  CHECK(example.finish() == 0xa129ca6149be45e5ULL);
  ajwt::detail::siphash64 empty(le64(key), le64(key + 8));
  CHECK(empty.finish() == 0x726fdb47dd0e0e31ULL);
}

TEST_CASE("SipHash gives the same result however the message is split across updates", "[nonce][siphash]") {
  const std::string m = bytes_0_to(63);
  const auto whole = reference_key_hash(m);
  for (std::size_t cut1 = 0; cut1 <= m.size(); cut1 += 5) {
    for (std::size_t cut2 = cut1; cut2 <= m.size(); cut2 += 7) {
      ajwt::detail::siphash64 h(0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL);
      h.update(std::string_view(m).substr(0, cut1));
      h.update(std::string_view(m).substr(cut1, cut2 - cut1));
      h.update(std::string_view(m).substr(cut2));
      INFO("cuts at " << cut1 << " and " << cut2);
      CHECK(h.finish() == whole);
    }
  }
}

TEST_CASE("SipHash update_u64 hashes the eight little-endian bytes of the number", "[nonce][siphash]") {
  ajwt::detail::siphash64 a(1, 2);
  a.update_u64(0x0706050403020100ULL);
  ajwt::detail::siphash64 b(1, 2);
  b.update(bytes_0_to(8));
  CHECK(a.finish() == b.finish());
}

TEST_CASE("SipHash depends on every key bit and every message byte", "[nonce][siphash]") {
  const std::string m = "alice|1700000000|n0nce";
  ajwt::detail::siphash64 base(0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL);
  base.update(m);
  const auto reference = base.finish();
  for (int bit = 0; bit < 128; ++bit) {  // the key is 128 bits, the output 64
    std::uint64_t k0 = 0x0706050403020100ULL, k1 = 0x0f0e0d0c0b0a0908ULL;
    (bit < 64 ? k0 : k1) ^= std::uint64_t{1} << (bit % 64);
    ajwt::detail::siphash64 h(k0, k1);
    h.update(m);
    const auto out = h.finish();
    INFO("key bit " << bit);
    CHECK_FALSE(out == reference);
  }
  for (std::size_t i = 0; i < m.size(); ++i) {
    std::string changed = m;
    changed[i] = static_cast<char>(changed[i] ^ 1);
    ajwt::detail::siphash64 h(0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL);
    h.update(changed);
    const auto out = h.finish();
    INFO("message byte " << i);
    CHECK_FALSE(out == reference);
  }
  // Appending a zero byte is a different message (the length is part of the hash).
  ajwt::detail::siphash64 h(0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL);
  h.update(m + std::string(1, '\0'));
  CHECK_FALSE(h.finish() == reference);
}
