// SPDX-License-Identifier: ISC
// The benchmark's harness: clocks, statistics, resident memory, a spin loop, child processes, and a
// base64url decoder of its own (so the floors never depend on ajwt's internals).
#ifndef AJWT_BENCH_UTIL_HPP
#define AJWT_BENCH_UTIL_HPP

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace bench {

/// Thrown when a benchmark finds a wrong result (a token not accepted, a signature not verified): the
/// run stops, because a timing of a failure path would be meaningless.
class check_failed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline void check(bool ok, const std::string& what) {
  if (!ok) throw check_failed(what);
}

/// Seconds of CPU time consumed by the calling thread (preemption by other processes is not counted,
/// which is what makes single-thread figures usable on a shared machine).
inline double thread_cpu_seconds() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

inline double wall_seconds() noexcept {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// One timed batch: CPU and wall time, both in seconds.
struct sample {
  double cpu = 0;
  double wall = 0;
};

/// Runs `f` once and returns how long it took.
template <class F>
sample time_once(F&& f) {
  const double w0 = wall_seconds();
  const double c0 = thread_cpu_seconds();
  f();
  const double c1 = thread_cpu_seconds();
  const double w1 = wall_seconds();
  return {c1 - c0, w1 - w0};
}

/// Order statistics of a set of values (linear interpolation between ranks).
struct summary {
  double median = 0, q1 = 0, q3 = 0, min = 0, max = 0;
  std::size_t n = 0;
};

inline double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

inline summary summarize(const std::vector<double>& v) {
  summary s;
  s.n = v.size();
  if (v.empty()) return s;
  s.median = quantile(v, 0.5);
  s.q1 = quantile(v, 0.25);
  s.q3 = quantile(v, 0.75);
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  return s;
}

/// Resident set size in bytes, from /proc/self/statm (second field, in pages).
inline std::size_t resident_bytes() {
  std::ifstream in("/proc/self/statm");
  std::size_t size_pages = 0, resident_pages = 0;
  in >> size_pages >> resident_pages;
  return resident_pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

/// A pure-arithmetic loop (no memory traffic, no locks): what perfect scaling looks like on this machine.
/// Returns a value that depends on every iteration, so the compiler cannot drop the loop.
inline std::uint64_t spin(std::uint64_t iterations, std::uint64_t seed) noexcept {
  std::uint64_t x = seed | 1;
  for (std::uint64_t i = 0; i < iterations; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}

/// Runs `body(thread_index)` on `threads` threads released together; returns the wall time from the
/// release to the last thread's end. With `cpu`, also each thread's CPU time in its body.
template <class F>
double run_threads(int threads, F&& body, std::vector<double>* cpu = nullptr) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  std::vector<double> ends(static_cast<std::size_t>(threads), 0.0);
  if (cpu) cpu->assign(static_cast<std::size_t>(threads), 0.0);
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      const double c0 = thread_cpu_seconds();
      body(t);
      if (cpu) (*cpu)[static_cast<std::size_t>(t)] = thread_cpu_seconds() - c0;
      ends[static_cast<std::size_t>(t)] = wall_seconds();
    });
  }
  while (ready.load() < threads) std::this_thread::yield();
  const double start = wall_seconds();
  go.store(true, std::memory_order_release);
  for (auto& th : pool) th.join();
  return *std::max_element(ends.begin(), ends.end()) - start;
}

/// Decodes unpadded base64url; false on any character outside the alphabet or a bad length.
inline bool base64url_decode(std::string_view in, std::string& out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  if (in.size() % 4 == 1) return false;
  out.clear();
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error(path + ": cannot create: " + std::strerror(errno));
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) throw std::runtime_error(path + ": write error");
}

/// What a finished child process cost: wall time, user + system CPU time, and its exit status.
struct process_run {
  double wall = 0;
  double cpu = 0;
  int exit_code = -1;  ///< -1 when killed by a signal
};

/// Runs `argv` with stdin from `stdin_path` and stdout to `stdout_path` ("/dev/null" to discard), stderr
/// inherited; waits for it and returns its cost (wait4's rusage, so only that child is counted).
inline process_run run_process(const std::vector<std::string>& argv, const std::string& stdin_path,
                               const std::string& stdout_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const double w0 = wall_seconds();
  const int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error(argv[0] + ": cannot start: " + std::strerror(rc));
  int status = 0;
  rusage ru{};
  while (wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) throw std::runtime_error(argv[0] + ": wait4 failed: " + std::strerror(errno));
  }
  process_run r;
  r.wall = wall_seconds() - w0;
  r.cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
          static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace bench

#endif  // AJWT_BENCH_UTIL_HPP
