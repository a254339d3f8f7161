// SPDX-License-Identifier: ISC
// The key database's cost on the verify path (docs/performance.md, "Keys in a database"), with Google
// Benchmark:
//   verify/static           verifier over a static_key_repository
//   verify/sqlite_warm      the same tokens over a sql_key_repository on SQLite, every user cached (the
//                           last-used hook included)
//   verify/paired_ratio     both, interleaved 256 tokens at a time on thread CPU time, in one run: the
//                           counter `ratio` is database/static (the bound: at most 1.02)
//   lookup/sqlite_cold      find() of a user the cache has not seen (one query and the key's parsing)
//   lookup/postgres_cold    the same on PostgreSQL, when AJWT_TEST_POSTGRES_URL names a server
//   lookup/warm             find() of a cached user
// Tokens are Ed25519 (the cheapest signature, so the repository's share is the largest), made once, with a
// store that accepts every nonce so they can be replayed, and a fixed clock.
//
//   cmake -B build/bench -DCMAKE_BUILD_TYPE=Release -DAJWT_BUILD_BENCH=ON
//   cmake --build build/bench --target ajwt_keys_db_bench
//   build/bench/bench/ajwt_keys_db_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <ajwt/clock.hpp>
#include <ajwt/keys.hpp>
#include <ajwt/nonce_store.hpp>
#include <ajwt/repository/sql/open.hpp>
#include <ajwt/repository/static.hpp>
#include <ajwt/token.hpp>
#include <ajwt/verifier.hpp>

namespace {

constexpr int users = 64;
constexpr int tokens_per_user = 16;
constexpr std::int64_t now = 1750000000;

/// Accepts every nonce: the same tokens can be verified again and again.
struct accept_all_store {
  ajwt::nonce_status record(const ajwt::nonce_record&) const { return ajwt::nonce_status::fresh; }
};

std::string user_name(int i) { return "user-" + std::to_string(i); }

struct fixture {
  std::filesystem::path dir;
  std::vector<ajwt::private_key> keys;
  std::vector<std::string> headers;
  ajwt::static_key_repository<> fixed;
  std::string url;

  fixture() {
    char t[] = "/tmp/ajwt-keys-db-bench.XXXXXX";
    if (!::mkdtemp(t)) std::abort();
    dir = t;
    url = "sqlite://" + (dir / "keys.db").string();
    auto db = ajwt::open_key_database(url);
    for (int i = 0; i < users; ++i) {
      keys.push_back(ajwt::private_key::generate(ajwt::key_type::ed25519));
      fixed.add(user_name(i), keys.back().public_part());
      db.add_key(user_name(i), keys.back().public_part().to_openssh("bench"));
    }
    for (int n = 0; n < tokens_per_user; ++n)
      for (int i = 0; i < users; ++i) {
        ajwt::token_builder b(keys[static_cast<std::size_t>(i)], user_name(i));
        b.time(now);
        headers.push_back(b.header());
      }
  }
  ~fixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

fixture& data() {
  static fixture f;
  return f;
}

ajwt::sql_repository_options quiet() {
  ajwt::sql_repository_options o;
  o.on_error = [](const std::string&) {};
  return o;
}

template <class Repo>
using bench_verifier = ajwt::verifier<Repo, accept_all_store, ajwt::fixed_clock>;

template <class Repo>
bench_verifier<Repo> make(Repo repo) {
  return bench_verifier<Repo>(std::move(repo), {}, accept_all_store{}, ajwt::fixed_clock(now));
}

template <class V>
void warm(const V& v) {
  for (const auto& h : data().headers)
    if (!v.verify_header(h).ok()) std::abort();
}

void verify_static(benchmark::State& state) {
  const auto v = make(data().fixed);
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = v.verify_header(data().headers[i++ % data().headers.size()]);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(verify_static)->Name("verify/static");

void verify_sqlite_warm(benchmark::State& state) {
  const auto v = make(ajwt::open_key_repository(data().url, quiet()));
  warm(v);
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = v.verify_header(data().headers[i++ % data().headers.size()]);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(verify_sqlite_warm)->Name("verify/sqlite_warm");

double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

void verify_paired_ratio(benchmark::State& state) {
  const auto a = make(data().fixed);
  const auto b = make(ajwt::open_key_repository(data().url, quiet()));
  warm(a);
  warm(b);
  const auto& hs = data().headers;
  double ta = 0, tb = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t start = i;
    const bool b_first = (i / 256) % 2 == 1;  // alternate the order, so neither always runs on a warm cache
    for (int pass = 0; pass < 2; ++pass) {
      const bool run_b = (pass == 0) == b_first;
      const double t0 = thread_cpu_ns();
      for (std::size_t k = 0; k < 256; ++k) {
        auto r = run_b ? b.verify_header(hs[(start + k) % hs.size()])
                       : a.verify_header(hs[(start + k) % hs.size()]);
        benchmark::DoNotOptimize(r);
      }
      (run_b ? tb : ta) += thread_cpu_ns() - t0;
    }
    i += 256;
  }
  state.counters["static_ns"] = ta / static_cast<double>(i);
  state.counters["db_ns"] = tb / static_cast<double>(i);
  state.counters["ratio"] = tb / ta;
}
BENCHMARK(verify_paired_ratio)->Name("verify/paired_ratio")->Iterations(400);

void lookup_warm(benchmark::State& state) {
  const auto repo = ajwt::open_key_repository(data().url, quiet());
  (void)repo.find("user-1", "");
  for (auto _ : state) benchmark::DoNotOptimize(repo.find("user-1", ""));
}
BENCHMARK(lookup_warm)->Name("lookup/warm");

/// One cold find() per iteration: a fresh repository every `users` lookups (made outside the timing).
void cold(benchmark::State& state, const std::string& url) {
  std::unique_ptr<ajwt::sql_key_repository> repo;
  int next = users;
  for (auto _ : state) {
    if (next == users) {
      state.PauseTiming();
      repo.reset();
      repo = std::make_unique<ajwt::sql_key_repository>(ajwt::open_key_repository(url, quiet()));
      next = 0;
      state.ResumeTiming();
    }
    auto e = repo->find(user_name(next++), "");
    if (!e || e->keys.empty()) std::abort();
    benchmark::DoNotOptimize(e);
  }
}

void lookup_sqlite_cold(benchmark::State& state) { cold(state, data().url); }
BENCHMARK(lookup_sqlite_cold)->Name("lookup/sqlite_cold")->Iterations(640);

void lookup_postgres_cold(benchmark::State& state) {
  const char* base = std::getenv("AJWT_TEST_POSTGRES_URL");
  if (!base || !*base) {
    state.SkipWithError(
        "AJWT_TEST_POSTGRES_URL is not set (source scripts/lib/postgres.sh; start_test_postgres)");
    for (auto _ : state) {
    }
    return;
  }
  static const std::string url = [&] {
    const std::string schema = "bench_" + std::to_string(::getpid());
    auto c = ajwt::postgres_connection::open(base);
    c->run("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    c->run("CREATE SCHEMA " + schema);
    std::string u = std::string(base) + (std::string(base).find('?') == std::string::npos ? "?" : "&") +
                    "options=-csearch_path%3D" + schema;
    auto db = ajwt::open_key_database(u);
    for (int i = 0; i < users; ++i)
      db.add_key(user_name(i), data().keys[static_cast<std::size_t>(i)].public_part().to_openssh("bench"));
    return u;
  }();
  cold(state, url);
}
BENCHMARK(lookup_postgres_cold)->Name("lookup/postgres_cold")->Iterations(640);

}  // namespace

BENCHMARK_MAIN();
