// SPDX-License-Identifier: ISC
// The NonceStore contract (include/ajwt/nonce_store.hpp), checked on every nonce store: record() is an
// atomic "record if new", keyed by the exact (username, time, nonce) triple, remembered for as long as
// the verifier could accept the token, and safe to call from many threads at once.
//
// To run these tests on another store, add it to `nonce_stores` (one line). A store that needs setup (a
// server, a fresh key prefix per test) also specialises `nonce_store_factory` for itself.
#include "ajwt/nonce_store.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <ctime>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "ajwt/nonce/memory.hpp"
#if AJWT_HAVE_REDIS
#include "ajwt/nonce/redis.hpp"

namespace ajwt_test {
/// A new, empty store on the shared test Redis (defined in tests/redis_nonce_test.cpp).
ajwt::redis_nonce_store make_redis_nonce_store();
}  // namespace ajwt_test
#endif

namespace {

/// Every nonce store the contract is checked on (the Redis store when hiredis was found).
#if AJWT_HAVE_REDIS
using nonce_stores = std::tuple<ajwt::memory_nonce_store, ajwt::redis_nonce_store>;
#else
using nonce_stores = std::tuple<ajwt::memory_nonce_store>;
#endif

/// Makes a fresh, empty store for one test. Default: a default-constructed store.
template <class Store>
struct nonce_store_factory {
  static Store make() { return Store(); }
};

#if AJWT_HAVE_REDIS
/// A Redis store with a key prefix of its own, so every test starts empty.
template <>
struct nonce_store_factory<ajwt::redis_nonce_store> {
  static ajwt::redis_nonce_store make() { return ajwt_test::make_redis_nonce_store(); }
};
#endif

// Near the real time: the Redis store keys an entry's life to the token's time on Redis's clock.
const std::int64_t t0 = static_cast<std::int64_t>(std::time(nullptr));
constexpr std::int64_t tolerance = 20;

/// A record as the verifier makes it: the clock at `now`, the token's time `time`.
ajwt::nonce_record rec(std::string_view username, std::int64_t time, std::string_view nonce,
                       std::int64_t now = t0) {
  return ajwt::nonce_record{username, time, nonce, now, tolerance};
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("a nonce store says fresh the first time and replayed every time after",
                        "[nonce][contract]", nonce_stores) {
  STATIC_REQUIRE(ajwt::is_nonce_store<TestType>::value);
  auto store = nonce_store_factory<TestType>::make();
  CHECK(store.record(rec("alice", t0, "n0nce")) == ajwt::nonce_status::fresh);
  CHECK(store.record(rec("alice", t0, "n0nce")) == ajwt::nonce_status::replayed);
  CHECK(store.record(rec("alice", t0, "n0nce")) == ajwt::nonce_status::replayed);
}

TEMPLATE_LIST_TEST_CASE("a nonce store keys on the exact username, time and nonce", "[nonce][contract]",
                        nonce_stores) {
  auto store = nonce_store_factory<TestType>::make();
  REQUIRE(store.record(rec("alice", t0, "n0nce")) == ajwt::nonce_status::fresh);
  CHECK(store.record(rec("bob", t0, "n0nce")) == ajwt::nonce_status::fresh);
  CHECK(store.record(rec("alice", t0 + 1, "n0nce")) == ajwt::nonce_status::fresh);
  CHECK(store.record(rec("alice", t0 - 1, "n0nce")) == ajwt::nonce_status::fresh);
  CHECK(store.record(rec("alice", t0, "n0ncE")) == ajwt::nonce_status::fresh);
  CHECK(store.record(rec("Alice", t0, "n0nce")) == ajwt::nonce_status::fresh);
  CHECK(store.record(rec("alice", t0, "n0nce ")) == ajwt::nonce_status::fresh);
  // Each of those is now recorded too.
  CHECK(store.record(rec("bob", t0, "n0nce")) == ajwt::nonce_status::replayed);
  CHECK(store.record(rec("alice", t0 + 1, "n0nce")) == ajwt::nonce_status::replayed);
  CHECK(store.record(rec("alice", t0, "n0ncE")) == ajwt::nonce_status::replayed);
}

TEMPLATE_LIST_TEST_CASE("a nonce store keeps fields apart: no separator or prefix makes two records one",
                        "[nonce][contract]", nonce_stores) {
  auto store = nonce_store_factory<TestType>::make();
  using std::string_literals::operator""s;
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"a:b", "c"},   {"a", "b:c"},   {"a:b:c", "x"},        {"ab", "c"},
      {"a", "bc"},    {"a|b", "c"},   {"a", "b|c"},          {"a\0b"s, "c"},
      {"a", "\0bc"s}, {"a\0"s, "bc"}, {"a 1700000000", "c"}, {"a", "1700000000 c"},
  };
  for (const auto& [user, nonce] : pairs) {
    INFO("username '" << user << "' nonce '" << nonce << "'");
    CHECK(store.record(rec(user, t0, nonce)) == ajwt::nonce_status::fresh);
  }
  for (const auto& [user, nonce] : pairs)
    CHECK(store.record(rec(user, t0, nonce)) == ajwt::nonce_status::replayed);
}

TEMPLATE_LIST_TEST_CASE("a nonce store remembers a nonce for as long as the verifier could accept its token",
                        "[nonce][contract]", nonce_stores) {
  auto store = nonce_store_factory<TestType>::make();
  // A token from a client whose clock runs `tolerance` ahead is first seen at now = time - tolerance and
  // can be replayed until now = time + tolerance: the store must remember it over that whole span.
  const std::int64_t time = t0 + tolerance;
  REQUIRE(store.record(rec("alice", time, "n0nce", t0)) == ajwt::nonce_status::fresh);
  for (std::int64_t now = t0; now <= time + tolerance; ++now) {
    INFO("now = time " << (now - time));
    // Other traffic keeps flowing meanwhile, at every time the window allows.
    for (std::int64_t t = now - tolerance; t <= now + tolerance; t += 5)
      CHECK(store.record(rec("bob", t, "n-" + std::to_string(now) + "-" + std::to_string(t), now)) ==
            ajwt::nonce_status::fresh);
    CHECK(store.record(rec("alice", time, "n0nce", now)) == ajwt::nonce_status::replayed);
  }
}

TEMPLATE_LIST_TEST_CASE("a nonce store accepts many distinct nonces without a false replay",
                        "[nonce][contract]", nonce_stores) {
  auto store = nonce_store_factory<TestType>::make();
  int fresh = 0;
  for (int i = 0; i < 5000; ++i)
    if (store.record(rec("alice", t0 + i % 3, "nonce-" + std::to_string(i))) == ajwt::nonce_status::fresh)
      ++fresh;
  CHECK(fresh == 5000);
}

TEMPLATE_LIST_TEST_CASE("threads racing to record the same nonce: exactly one of them gets fresh",
                        "[nonce][contract]", nonce_stores) {
  constexpr int thread_count = 8;
  constexpr int rounds = 300;
  auto store = nonce_store_factory<TestType>::make();
  std::vector<std::atomic<int>> fresh(rounds);
  std::atomic<int> unavailable{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&] {
      ++ready;
      while (ready.load() < thread_count) std::this_thread::yield();
      for (int i = 0; i < rounds; ++i) {
        const std::string nonce = "race-" + std::to_string(i);
        const auto st = store.record(rec("alice", t0, nonce));
        if (st == ajwt::nonce_status::fresh) ++fresh[static_cast<std::size_t>(i)];
        if (st == ajwt::nonce_status::unavailable) ++unavailable;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(unavailable.load() == 0);
  int wrong = 0;
  for (const auto& f : fresh)
    if (f.load() != 1) ++wrong;
  CHECK(wrong == 0);
}

TEMPLATE_LIST_TEST_CASE("threads recording distinct nonces at once all get fresh", "[nonce][contract]",
                        nonce_stores) {
  constexpr int thread_count = 8;
  constexpr int per_thread = 1000;
  auto store = nonce_store_factory<TestType>::make();
  std::atomic<int> fresh{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      const std::string user = "user-" + std::to_string(t);
      for (int i = 0; i < per_thread; ++i)
        if (store.record(rec(user, t0, std::to_string(i))) == ajwt::nonce_status::fresh) ++fresh;
    });
  }
  for (auto& th : threads) th.join();
  CHECK(fresh.load() == thread_count * per_thread);
  CHECK(store.record(rec("user-3", t0, "999")) == ajwt::nonce_status::replayed);
}

TEMPLATE_LIST_TEST_CASE(
    "a replay is never answered fresh whatever the clock readings and tolerances of the verifiers",
    "[nonce][contract][retention]", nonce_stores) {
  auto store = nonce_store_factory<TestType>::make();
  REQUIRE(store.max_tolerance() >= 20);
  // Recorded by a tolerance-20 verifier; replayed to verifiers of tolerance 0 to max_tolerance whose
  // clocks run from 300 s behind to 300 s ahead, while other traffic keeps the store busy.
  REQUIRE(store.record(ajwt::nonce_record{"alice", t0, "once", t0, 20}) == ajwt::nonce_status::fresh);
  int answered_fresh = 0;
  for (std::int64_t offset = -300; offset <= 300; offset += 3) {
    const std::int64_t now = t0 + offset;
    for (std::int64_t t = now - 20; t <= now + 20; t += 10)
      (void)store.record(
          ajwt::nonce_record{"bob", t, "busy-" + std::to_string(offset) + "-" + std::to_string(t), now, 20});
    const auto st = store.record(ajwt::nonce_record{"alice", t0, "once", now, store.max_tolerance()});
    if (st == ajwt::nonce_status::fresh) ++answered_fresh;
  }
  CHECK(answered_fresh == 0);
}
