// SPDX-License-Identifier: ISC
// Tests of ajwt::redis_nonce_store against real redis-server processes. The shared server is the one
// scripts/test.sh starts (AJWT_TEST_REDIS_URL), else one this process starts; tests that stop, restart
// or reconfigure Redis start their own private instance. redis-server is found through AJWT_REDIS_SERVER,
// PATH or /usr/bin/redis-server; without it these tests FAIL (they never skip).
#include <ajwt/nonce/redis.hpp>

#include <ajwt/keys.hpp>
#include <ajwt/repository/static.hpp>
#include <ajwt/token.hpp>
#include <ajwt/verifier.hpp>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

using namespace std::chrono_literals;
using ajwt::nonce_status;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string random_hex(std::size_t bytes) {
  static std::mutex mu;
  static std::mt19937_64 rng(std::random_device{}());
  std::lock_guard<std::mutex> lock(mu);
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < bytes; ++i) {
    const auto b = static_cast<unsigned>(rng() & 0xff);
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

/// A key prefix no other test (or concurrently running test process) uses.
std::string unique_prefix() { return "ajwt-test:" + random_hex(8) + ":"; }

std::string find_redis_server() {
  if (auto e = env("AJWT_REDIS_SERVER"); !e.empty()) {
    if (::access(e.c_str(), X_OK) != 0) FAIL("AJWT_REDIS_SERVER=" << e << " is not an executable file");
    return e;
  }
  std::stringstream path(env("PATH"));
  for (std::string dir; std::getline(path, dir, ':');) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/redis-server";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  if (::access("/usr/bin/redis-server", X_OK) == 0) return "/usr/bin/redis-server";
  FAIL(
      "redis-server not found (looked at AJWT_REDIS_SERVER, PATH and /usr/bin/redis-server): install it, "
      "e.g. apt-get install redis-server");
  return {};
}

/// A loopback port nothing listened on a moment ago.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

/// The test's own hiredis connection, to look at what the store wrote (and never through the store).
class raw_client {
 public:
  struct reply {
    int type = 0;
    std::string str;
    long long integer = 0;
  };

  /// `url` must be redis://HOST:PORT (what scripts/test.sh exports) or a unix socket path.
  explicit raw_client(const std::string& url) {
    const std::string scheme = "redis://";
    if (url.rfind(scheme, 0) == 0) {
      const auto colon = url.rfind(':');
      REQUIRE(colon > scheme.size());
      const std::string host = url.substr(scheme.size(), colon - scheme.size());
      const std::string port = url.substr(colon + 1);
      REQUIRE_FALSE(port.empty());
      REQUIRE(port.find_first_not_of("0123456789") == std::string::npos);
      c_ = redisConnect(host.c_str(), std::stoi(port));
    } else {
      REQUIRE(url.rfind('/', 0) == 0);
      c_ = redisConnectUnix(url.c_str());
    }
    REQUIRE(c_ != nullptr);
    INFO("connecting to " << url << ": " << c_->errstr);
    REQUIRE(c_->err == 0);
  }
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;
  ~raw_client() { redisFree(c_); }

  reply command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(c_, static_cast<int>(argv.size()), argv.data(), lens.data()));
    INFO("command " << args.front() << ": " << c_->errstr);
    REQUIRE(r != nullptr);
    reply out;
    out.type = r->type;
    if (r->str) out.str.assign(r->str, static_cast<std::size_t>(r->len));
    out.integer = r->integer;
    freeReplyObject(r);
    return out;
  }

  long long integer(const std::vector<std::string>& args) {
    auto r = command(args);
    INFO(args.front() << " answered type " << r.type << " " << r.str);
    REQUIRE(r.type == REDIS_REPLY_INTEGER);
    return r.integer;
  }

  void select(int db) {
    auto r = command({"SELECT", std::to_string(db)});
    REQUIRE(r.type == REDIS_REPLY_STATUS);
    REQUIRE(r.str == "OK");
  }

  bool exists(const std::string& key) { return integer({"EXISTS", key}) == 1; }

  /// How many connections carry the client name `name`.
  int connections_named(const std::string& name) {
    auto r = command({"CLIENT", "LIST"});
    REQUIRE(r.type == REDIS_REPLY_STRING);
    int n = 0;
    std::stringstream lines(r.str);
    for (std::string line; std::getline(lines, line);)
      if (line.find(" name=" + name + " ") != std::string::npos) ++n;
    return n;
  }

 private:
  redisContext* c_ = nullptr;
};

/// A private redis-server: started on a free loopback port (plus, optionally, a unix socket in its own
/// temporary directory), killed with SIGKILL by stop() and at destruction, restartable on the same port.
class redis_process {
 public:
  explicit redis_process(std::vector<std::string> extra_args = {}, bool with_unix_socket = false)
      : binary_(find_redis_server()), extra_(std::move(extra_args)), with_unix_socket_(with_unix_socket) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ajwt-redis-test.XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    dir_ = tmpl;
    for (int attempt = 0;; ++attempt) {
      port_ = free_port();
      if (try_start()) break;
      // Lost a race for the port (another process took it): try another, a few times.
      if (attempt == 4)
        FAIL(binary_ << " did not start on any of 5 ports (its logs are in the warnings above)");
    }
  }
  redis_process(const redis_process&) = delete;
  redis_process& operator=(const redis_process&) = delete;
  ~redis_process() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  /// Kills the server (like a crash) and waits until it is gone.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  /// Starts the server again on the same port.
  void start() {
    REQUIRE(pid_ <= 0);
    REQUIRE(try_start());
  }

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::string socket_path() const { return (dir_ / "redis.sock").string(); }

 private:
  bool try_start() {
    std::vector<std::string> args = {
        binary_,  "--port", std::to_string(port_), "--bind",    "127.0.0.1",
        "--save", "",       "--appendonly",        "no",        "--daemonize",
        "no",     "--dir",  dir_.string(),         "--logfile", (dir_ / "redis.log").string()};
    if (with_unix_socket_) {
      args.insert(args.end(), {"--unixsocket", socket_path(), "--unixsocketperm", "700"});
    }
    args.insert(args.end(), extra_.begin(), extra_.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
#ifdef __linux__
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a test process that crashed
#endif
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    pid_ = pid;
    // Ready when it answers anything to PING on every endpoint (NOAUTH counts: it is up).
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127) FAIL("cannot run " << binary_);
        WARN("redis-server exited at start (status " << status << "); its log:\n" << log_tail());
        return false;
      }
      if (answers(redisConnect("127.0.0.1", port_)) &&
          (!with_unix_socket_ || answers(redisConnectUnix(socket_path().c_str()))))
        return true;
      std::this_thread::sleep_for(10ms);
    }
    FAIL("redis-server did not answer within 10 s; its log:\n" << log_tail());
    return false;
  }

  static bool answers(redisContext* c) {
    bool ok = false;
    if (c && !c->err) {
      if (auto* r = static_cast<redisReply*>(redisCommand(c, "PING"))) {
        ok = true;
        freeReplyObject(r);
      }
    }
    redisFree(c);
    return ok;
  }

  std::string log_tail() const {
    std::ifstream in(dir_ / "redis.log");
    std::stringstream s;
    s << in.rdbuf();
    const std::string all = s.str();
    return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
  }

  std::string binary_;
  std::vector<std::string> extra_;
  bool with_unix_socket_ = false;
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

/// The Redis most tests share: scripts/test.sh's, or one started for this process.
std::string shared_redis_url() {
  if (auto url = env("AJWT_TEST_REDIS_URL"); !url.empty()) return url;
  static redis_process own;
  return own.url();
}

/// A TCP server that accepts connections and never answers: a hung Redis.
class silent_server {
 public:
  silent_server() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    REQUIRE(::listen(fd_, 16) == 0);
    thread_ = std::thread([this] {
      for (;;) {
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;  // the listening socket was shut down
        std::lock_guard<std::mutex> lock(mu_);
        clients_.push_back(c);
        accepted_.fetch_add(1);
      }
    });
  }
  silent_server(const silent_server&) = delete;
  silent_server& operator=(const silent_server&) = delete;
  ~silent_server() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
    for (int c : clients_) ::close(c);
  }
  [[nodiscard]] std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] int accepted() const { return accepted_.load(); }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<int> clients_;
  std::atomic<int> accepted_{0};
};

ajwt::nonce_record record_of(std::string_view username, std::int64_t time, std::string_view nonce,
                             std::int64_t tolerance = 20) {
  return ajwt::nonce_record{username, time, nonce, time, tolerance};
}

ajwt::redis_nonce_store_options options_for(const std::string& url) {
  ajwt::redis_nonce_store_options o;
  o.url = url;
  o.prefix = unique_prefix();
  return o;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

const ajwt::private_key& client_key() {
  static const ajwt::private_key key = ajwt::private_key::generate(ajwt::key_type::ed25519);
  return key;
}

using redis_verifier = ajwt::verifier<ajwt::static_key_repository<>, ajwt::redis_nonce_store>;

redis_verifier verifier_with(ajwt::redis_nonce_store store) {
  ajwt::static_key_repository<> keys;
  keys.add("alice", client_key().public_part());
  return redis_verifier(keys, {}, std::move(store));
}

ajwt::token_builder alice() { return {client_key(), "alice"}; }

/// Token times near Redis's own clock: the store keys an entry's life to the token's time on that clock.
const std::int64_t t0 = static_cast<std::int64_t>(std::time(nullptr));
constexpr std::int64_t t_fixed = 1700000000;  // for key layout checks

}  // namespace

namespace ajwt_test {
/// A new, empty store on the shared test Redis, with a key prefix of its own. Other test files of this
/// executable (tests/nonce_store_contract_test.cpp) declare and use it, so they need no Redis setup.
ajwt::redis_nonce_store make_redis_nonce_store() {
  return ajwt::redis_nonce_store(options_for(shared_redis_url()));
}
}  // namespace ajwt_test

// ---------------------------------------------------------------------------------------------------------
// The NonceStore contract (the checks tests/nonce_store_contract_test.cpp makes of every store).

static_assert(ajwt::is_nonce_store<ajwt::redis_nonce_store>::value, "redis_nonce_store is a NonceStore");
static_assert(std::is_copy_constructible_v<ajwt::redis_nonce_store>, "copies of a store share its pool");
static_assert(std::is_nothrow_invocable_r_v<nonce_status, decltype(&ajwt::redis_nonce_store::record),
                                            ajwt::redis_nonce_store&, const ajwt::nonce_record&>,
              "record never throws");

TEST_CASE("redis store: a new nonce is fresh and the same nonce again is replayed", "[redis][contract]") {
  ajwt::redis_nonce_store store(options_for(shared_redis_url()));
  CHECK(store.record(record_of("alice", t0, "n1")) == nonce_status::fresh);
  CHECK(store.record(record_of("alice", t0, "n1")) == nonce_status::replayed);
  CHECK(store.record(record_of("alice", t0, "n1")) == nonce_status::replayed);
  CHECK(store.last_error().empty());
}

TEST_CASE("redis store: the same nonce from another user or at another time is fresh", "[redis][contract]") {
  ajwt::redis_nonce_store store(options_for(shared_redis_url()));
  REQUIRE(store.record(record_of("alice", t0, "n")) == nonce_status::fresh);
  CHECK(store.record(record_of("bob", t0, "n")) == nonce_status::fresh);
  CHECK(store.record(record_of("alice", t0 + 1, "n")) == nonce_status::fresh);
  CHECK(store.record(record_of("alice", t0 - 1, "n")) == nonce_status::fresh);
  CHECK(store.record(record_of("bob", t0, "n")) == nonce_status::replayed);
  CHECK(store.record(record_of("alice", t0 + 1, "n")) == nonce_status::replayed);
}

TEST_CASE("redis store: copies share one set of nonces", "[redis][contract]") {
  ajwt::redis_nonce_store store(options_for(shared_redis_url()));
  ajwt::redis_nonce_store copy = store;
  REQUIRE(store.record(record_of("alice", t0, "shared")) == nonce_status::fresh);
  CHECK(copy.record(record_of("alice", t0, "shared")) == nonce_status::replayed);
  REQUIRE(copy.record(record_of("alice", t0, "other")) == nonce_status::fresh);
  CHECK(store.record(record_of("alice", t0, "other")) == nonce_status::replayed);
}

TEST_CASE("redis store: two stores with the same prefix see each other's nonces, other prefixes do not",
          "[redis]") {
  auto opts = options_for(shared_redis_url());
  ajwt::redis_nonce_store a(opts), b(opts);
  auto other_opts = opts;
  other_opts.prefix = unique_prefix();
  ajwt::redis_nonce_store other(other_opts);
  REQUIRE(a.record(record_of("alice", t0, "n")) == nonce_status::fresh);
  CHECK(b.record(record_of("alice", t0, "n")) == nonce_status::replayed);
  CHECK(other.record(record_of("alice", t0, "n")) == nonce_status::fresh);
}

// ---------------------------------------------------------------------------------------------------------
// Key layout, escaping, TTL.

TEST_CASE("redis store: keys are prefix, escaped user, time and escaped nonce joined by ':'", "[redis]") {
  auto opts = options_for(shared_redis_url());
  ajwt::redis_nonce_store store(opts);
  const std::string& p = opts.prefix;
  CHECK(store.key_for("alice", t_fixed, "abc") == p + "alice:1700000000:abc");
  CHECK(store.key_for("a:b", t_fixed, "c") == p + "a%3Ab:1700000000:c");
  CHECK(store.key_for("a", t_fixed, "b:c") == p + "a:1700000000:b%3Ac");
  CHECK(store.key_for("50%", -5, "%3A") == p + "50%25:-5:%253A");
  CHECK(store.key_for("", 0, "") == p + ":0:");

  // The key really written is that one, holding "1".
  REQUIRE(store.record(record_of("a:b", t0, "c%d")) == nonce_status::fresh);
  raw_client redis(shared_redis_url());
  CHECK(redis.exists(p + "a%3Ab:" + std::to_string(t0) + ":c%25d"));
  auto value = redis.command({"GET", p + "a%3Ab:" + std::to_string(t0) + ":c%25d"});
  CHECK(value.type == REDIS_REPLY_STRING);
  CHECK(value.str == "1");
}

TEST_CASE("redis store: usernames and nonces holding ':' or '%' never collide", "[redis]") {
  ajwt::redis_nonce_store store(options_for(shared_redis_url()));
  // Each pair would share a key if the fields were joined by ':' without escaping, or if only ':' were
  // escaped ("%3A" literal against an escaped ':').
  const std::vector<std::pair<std::string, std::string>> records = {
      {"a:b", "c"},   {"a", "b:c"},   {"a%3Ab", "c"},        {"a", "b%3Ac"},
      {"a:b:c", "d"}, {"a", "b:c:d"}, {"u", "x:y"},          {"u", "x%3Ay"},
      {"u", "x%y"},   {"u", "x%25y"}, {"u:1700000000", "n"}, {"u", "1700000000:n"},
  };
  for (const auto& [user, nonce] : records) {
    INFO("user \"" << user << "\", nonce \"" << nonce << "\"");
    CHECK(store.record(record_of(user, t0, nonce)) == nonce_status::fresh);
  }
  for (const auto& [user, nonce] : records) {
    INFO("user \"" << user << "\", nonce \"" << nonce << "\"");
    CHECK(store.record(record_of(user, t0, nonce)) == nonce_status::replayed);
  }
  std::set<std::string> keys;
  for (const auto& [user, nonce] : records) keys.insert(store.key_for(user, t0, nonce));
  CHECK(keys.size() == records.size());
}

TEST_CASE("redis store: keys are binary-safe: spaces, CR LF, quotes and NUL bytes go through unchanged",
          "[redis]") {
  auto opts = options_for(shared_redis_url());
  ajwt::redis_nonce_store store(opts);
  using namespace std::string_literals;
  const std::string nasty_user = "bob \"x\"\r\nSET evil 1\r\n\0z"s;
  const std::string nasty_nonce = "n\0n $3\r\n"s;
  REQUIRE(nasty_user.size() == 23);
  REQUIRE(nasty_nonce.size() == 8);
  REQUIRE(store.record(record_of(nasty_user, t0, nasty_nonce)) == nonce_status::fresh);
  CHECK(store.record(record_of(nasty_user, t0, nasty_nonce)) == nonce_status::replayed);
  // Truncating at the NUL byte would make these the same record.
  CHECK(store.record(record_of(nasty_user, t0, "n\0m $3\r\n"s)) == nonce_status::fresh);
  raw_client redis(shared_redis_url());
  CHECK(redis.exists(opts.prefix + nasty_user + ":" + std::to_string(t0) + ":" + nasty_nonce));
  CHECK_FALSE(redis.exists("evil"));
}

TEST_CASE("redis store: an entry lives until Redis's clock passes time + 2 x retention + 1 + extra_ttl",
          "[redis][retention]") {
  raw_client redis(shared_redis_url());
  for (const std::int64_t max_tolerance : {20, 3, 0}) {
    auto opts = options_for(shared_redis_url());
    opts.max_tolerance = max_tolerance;
    ajwt::redis_nonce_store store(opts);
    // The verifier's own tolerance (the record's) plays no part: the store's retention does. With a
    // retention of 0 an entry for `now` lives until the end of this second, so a record that crosses into
    // the next second on its way to Redis is rightly refused (unavailable); try again in the new second.
    std::string nonce;
    std::int64_t now = 0;
    nonce_status status = nonce_status::unavailable;
    for (int attempt = 0; attempt < 5 && status != nonce_status::fresh; ++attempt) {
      nonce = "ttl-" + std::to_string(max_tolerance) + "-" + std::to_string(attempt);
      now = static_cast<std::int64_t>(std::time(nullptr));
      status = store.record(record_of("alice", now, nonce, 1));
      if (status == nonce_status::unavailable && static_cast<std::int64_t>(std::time(nullptr)) == now) break;
    }
    REQUIRE(status == nonce_status::fresh);
    const long long expires = redis.integer({"EXPIRETIME", store.key_for("alice", now, nonce)});
    INFO("max_tolerance " << max_tolerance);
    CHECK(expires == now + 2 * max_tolerance + 1);
  }
  auto opts = options_for(shared_redis_url());
  opts.extra_ttl = 10s;
  opts.max_tolerance = 20;
  ajwt::redis_nonce_store store(opts);
  const std::int64_t time = static_cast<std::int64_t>(std::time(nullptr)) - 15;  // a skewed client
  REQUIRE(store.record(record_of("alice", time, "extra", 20)) == nonce_status::fresh);
  CHECK(redis.integer({"EXPIRETIME", store.key_for("alice", time, "extra")}) == time + 51);
}

TEST_CASE("redis store: replicas with mixed tolerances share the widest retention, atomically",
          "[redis][retention]") {
  raw_client redis(shared_redis_url());
  auto narrow_opts = options_for(shared_redis_url());
  narrow_opts.max_tolerance = 20;
  auto wide_opts = narrow_opts;  // the same prefix: the same shared store
  wide_opts.max_tolerance = 60;
  ajwt::redis_nonce_store narrow(narrow_opts), wide(wide_opts);
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  REQUIRE(narrow.record(record_of("alice", now, "first")) == nonce_status::fresh);
  CHECK(redis.integer({"EXPIRETIME", narrow.key_for("alice", now, "first")}) == now + 41);
  // The wider replica widens the store for everyone; the narrow one's next entries live as long.
  REQUIRE(wide.record(record_of("alice", now, "second")) == nonce_status::fresh);
  REQUIRE(narrow.record(record_of("alice", now, "third")) == nonce_status::fresh);
  CHECK(redis.integer({"EXPIRETIME", narrow.key_for("alice", now, "third")}) == now + 121);
  CHECK(narrow.record(record_of("alice", now, "second")) == nonce_status::replayed);
  CHECK(wide.record(record_of("alice", now, "first")) == nonce_status::replayed);
  // A time older than 2 x 20 + 1 s may have been recorded before the widening, with a life that has
  // passed: the store cannot know, so it fails closed rather than say fresh.
  CHECK(wide.record(record_of("alice", now - 50, "maybe-seen")) == nonce_status::unavailable);
  CHECK_THAT(wide.last_error(), Catch::Contains("widened"));
  // Within the narrow life it can still answer.
  CHECK(wide.record(record_of("alice", now - 30, "recent")) == nonce_status::fresh);
  // The retention never narrows.
  REQUIRE(narrow.record(record_of("alice", now, "fourth")) == nonce_status::fresh);
  CHECK(redis.integer({"EXPIRETIME", narrow.key_for("alice", now, "fourth")}) == now + 121);
}

TEST_CASE("redis store: a time past the retention, or too far ahead, fails closed (a lagging replica)",
          "[redis][retention]") {
  auto opts = options_for(shared_redis_url());
  opts.max_tolerance = 60;
  ajwt::redis_nonce_store store(opts);
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  // A replica whose clock lags Redis's by more than 2 x 60 + 1 s: its entries would already be gone.
  CHECK(store.record(record_of("alice", now - 130, "old")) == nonce_status::unavailable);
  CHECK_THAT(store.last_error(), Catch::Contains("retention"));
  CHECK(store.record(record_of("alice", now - 130, "old")) == nonce_status::unavailable);  // never fresh
  CHECK(store.record(record_of("alice", now + 200, "ahead")) == nonce_status::unavailable);
  CHECK(store.record(record_of("alice", now - 100, "in-time")) == nonce_status::fresh);
  CHECK(store.max_tolerance() == 60);
  auto bad = options_for(shared_redis_url());
  bad.max_tolerance = 86401;
  CHECK_THROWS_WITH(ajwt::redis_nonce_store(bad), Catch::Contains("max_tolerance"));
}

TEST_CASE("redis store: a verifier wider than the store's max_tolerance refuses to construct",
          "[redis][retention]") {
  auto opts = options_for(shared_redis_url());
  opts.max_tolerance = 20;
  ajwt::verifier_options o;
  o.tolerance = 21;
  CHECK_THROWS_WITH(redis_verifier(ajwt::static_key_repository<>(), o, ajwt::redis_nonce_store(opts)),
                    Catch::Contains("max_tolerance"));
}

TEST_CASE("redis store: a replay leaves the key and its TTL alone", "[redis]") {
  // A replay must not extend the key's life: NX leaves the existing key (and its TTL) alone.
  auto opts = options_for(shared_redis_url());
  ajwt::redis_nonce_store store(opts);
  raw_client redis(shared_redis_url());
  REQUIRE(store.record(record_of("alice", t0, "n", 20)) == nonce_status::fresh);
  REQUIRE(redis.integer({"EXPIRE", store.key_for("alice", t0, "n"), "1000"}) == 1);
  REQUIRE(store.record(record_of("alice", t0, "n", 20)) == nonce_status::replayed);
  CHECK(redis.integer({"TTL", store.key_for("alice", t0, "n")}) > 900);
}

// ---------------------------------------------------------------------------------------------------------
// Threads, the pool, several verifiers.

TEST_CASE("redis store: 8 threads recording the same nonces see each one fresh exactly once", "[redis]") {
  auto opts = options_for(shared_redis_url());
  opts.client_name = "ajwt-test-" + random_hex(6);
  opts.pool_size = 3;
  ajwt::redis_nonce_store store(opts);
  constexpr int threads = 8, nonces = 500;
  std::vector<std::vector<nonce_status>> seen(threads, std::vector<nonce_status>(nonces));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t, copy = store]() mutable {
      // Each thread walks the nonces from another starting point, through its own copy of the store.
      for (int i = 0; i < nonces; ++i) {
        const int n = (i + t * 37) % nonces;
        seen[t][n] = copy.record(record_of("alice", t0, "nonce-" + std::to_string(n)));
      }
    });
  }
  for (auto& th : pool) th.join();
  for (int n = 0; n < nonces; ++n) {
    int fresh = 0, replayed = 0;
    for (int t = 0; t < threads; ++t) {
      fresh += seen[t][n] == nonce_status::fresh;
      replayed += seen[t][n] == nonce_status::replayed;
    }
    INFO("nonce " << n);
    CHECK(fresh == 1);
    CHECK(replayed == threads - 1);
  }
  // The pool never held more connections than pool_size, shared by all the copies.
  raw_client redis(shared_redis_url());
  const int open = redis.connections_named(opts.client_name);
  CHECK(open >= 1);
  CHECK(open <= 3);
}

TEST_CASE("redis store: two verifiers sharing one Redis reject each other's replays", "[redis][verifier]") {
  const auto opts = options_for(shared_redis_url());
  const redis_verifier first = verifier_with(ajwt::redis_nonce_store(opts));
  const redis_verifier second = verifier_with(ajwt::redis_nonce_store(opts));

  const std::string header = alice().header();
  auto ok = first.verify_header(header);
  REQUIRE(ok.ok());
  CHECK(ok->username() == "alice");
  auto replay = second.verify_header(header);
  REQUIRE_FALSE(replay.ok());
  CHECK(replay.reason() == ajwt::reason::nonce_replayed);

  const std::string other = alice().header();
  CHECK(second.verify_header(other).ok());
  auto back = first.verify_header(other);
  REQUIRE_FALSE(back.ok());
  CHECK(back.reason() == ajwt::reason::nonce_replayed);
}

TEST_CASE("redis store: a forged token never reaches Redis", "[redis][verifier]") {
  auto opts = options_for(shared_redis_url());
  const redis_verifier v = verifier_with(ajwt::redis_nonce_store(opts));
  const auto intruder = ajwt::private_key::generate(ajwt::key_type::ed25519);
  const std::string forged =
      ajwt::token_builder(intruder, "alice").nonce("burn-me").time(std::time(nullptr)).header();
  auto r = v.verify_header(forged);
  REQUIRE_FALSE(r.ok());
  CHECK(r.reason() == ajwt::reason::bad_signature);
  raw_client redis(shared_redis_url());
  CHECK(redis.integer({"EVAL", "return #redis.call('KEYS', ARGV[1])", "0", opts.prefix + "*"}) == 0);
}

// ---------------------------------------------------------------------------------------------------------
// Failures: fail closed, fast, and recover.

TEST_CASE("redis store: Redis stopped mid-run makes record unavailable within the timeout, then it recovers",
          "[redis][failure]") {
  redis_process server;
  auto opts = options_for(server.url());
  ajwt::redis_nonce_store store(opts);
  const redis_verifier v = verifier_with(store);  // shares the store's pool
  REQUIRE(store.record(record_of("alice", t0, "before")) == nonce_status::fresh);
  REQUIRE(v.verify_header(alice().header()).ok());

  server.stop();
  auto start = std::chrono::steady_clock::now();
  CHECK(store.record(record_of("alice", t0, "during")) == nonce_status::unavailable);
  CHECK(seconds_since(start) < 2.0);
  CHECK_THAT(store.last_error(), Contains("127.0.0.1:" + std::to_string(server.port())));

  start = std::chrono::steady_clock::now();
  auto r = v.verify_header(alice().header());
  CHECK(seconds_since(start) < 2.0);
  REQUIRE_FALSE(r.ok());
  CHECK(r.reason() == ajwt::reason::nonce_store_unavailable);
  CHECK_FALSE(store.ping());
  CHECK_THAT(store.last_error(), Contains("connect"));

  server.start();
  CHECK(store.ping());
  CHECK(store.record(record_of("alice", t0, "after")) == nonce_status::fresh);
  CHECK(store.record(record_of("alice", t0, "after")) == nonce_status::replayed);
  CHECK(v.verify_header(alice().header()).ok());
}

TEST_CASE("redis store: a Redis restarted between two calls is used again at the next call",
          "[redis][failure]") {
  // Every pooled connection is then closed by the server; each must be noticed and reopened, not fail a call.
  redis_process server;
  auto opts = options_for(server.url());
  opts.pool_size = 2;
  ajwt::redis_nonce_store store(opts);
  std::thread other([copy = store]() mutable { (void)copy.record(record_of("bob", t0, "warm")); });
  REQUIRE(store.record(record_of("alice", t0, "before")) == nonce_status::fresh);
  other.join();
  server.stop();
  server.start();
  CHECK(store.record(record_of("alice", t0, "after-1")) == nonce_status::fresh);
  CHECK(store.record(record_of("alice", t0, "after-2")) == nonce_status::fresh);
  CHECK(store.record(record_of("alice", t0, "after-3")) == nonce_status::fresh);
  CHECK(store.last_error().empty());
}

TEST_CASE("redis store: construction needs no Redis, and an unreachable one is unavailable at once",
          "[redis][failure]") {
  const int port = free_port();  // nothing listens there
  auto opts = options_for("redis://127.0.0.1:" + std::to_string(port));
  ajwt::redis_nonce_store store(opts);
  CHECK(store.last_error().empty());
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(store.ping());
  CHECK(store.record(record_of("alice", t0, "n")) == nonce_status::unavailable);
  CHECK(seconds_since(start) < 2.0);
  CHECK_THAT(store.last_error(), Contains("127.0.0.1:" + std::to_string(port) + ": connect"));
}

TEST_CASE("redis store: a Redis that never answers fails the call after the command timeout",
          "[redis][failure]") {
  silent_server hung;
  auto opts = options_for(hung.url());
  opts.command_timeout = 300ms;
  ajwt::redis_nonce_store store(opts);
  const auto start = std::chrono::steady_clock::now();
  CHECK(store.record(record_of("alice", t0, "n")) == nonce_status::unavailable);
  const double took = seconds_since(start);
  CHECK(took >= 0.25);  // it did wait for an answer ...
  CHECK(took < 2.0);    // ... but not much longer than the timeout
  CHECK(hung.accepted() == 1);
  CHECK_FALSE(store.last_error().empty());
}

TEST_CASE("redis store: when every connection is busy, a call waits at most pool_wait_timeout",
          "[redis][failure]") {
  silent_server hung;
  auto opts = options_for(hung.url());
  opts.pool_size = 1;
  opts.command_timeout = 700ms;
  opts.pool_wait_timeout = 100ms;
  ajwt::redis_nonce_store store(opts);
  std::atomic<nonce_status> first{nonce_status::fresh};
  std::thread holder([&, copy = store]() mutable { first = copy.record(record_of("alice", t0, "held")); });
  // The holder has the only connection once the server has accepted it.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (hung.accepted() < 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  REQUIRE(hung.accepted() == 1);
  const auto start = std::chrono::steady_clock::now();
  const nonce_status waited = store.record(record_of("alice", t0, "queued"));
  const double took = seconds_since(start);
  const std::string why = store.last_error();
  holder.join();
  CHECK(waited == nonce_status::unavailable);
  CHECK(took < 0.5);  // well before the holder's 0.7 s command timeout ends
  CHECK_THAT(why, Contains("no connection free within 100 ms"));
  CHECK(first.load() == nonce_status::unavailable);
  CHECK(hung.accepted() == 1);  // the waiting call opened no second connection
}

// ---------------------------------------------------------------------------------------------------------
// Logging in, databases, unix sockets.

TEST_CASE("redis store: AUTH works with the right password and is unavailable with a wrong one",
          "[redis][auth]") {
  redis_process server(
      {"--requirepass", "s3cret", "--user", "carol", "on", ">carol-pw", "~*", "&*", "+@all"});
  const std::string hostport = "127.0.0.1:" + std::to_string(server.port());

  SECTION("password in the URL") {
    ajwt::redis_nonce_store store(options_for("redis://:s3cret@" + hostport));
    CHECK(store.ping());
    CHECK(store.record(record_of("alice", t0, "n")) == nonce_status::fresh);
    CHECK(store.record(record_of("alice", t0, "n")) == nonce_status::replayed);
  }
  SECTION("password in the options") {
    auto opts = options_for("redis://" + hostport);
    opts.password = "s3cret";
    ajwt::redis_nonce_store store(opts);
    CHECK(store.record(record_of("alice", t0, "n")) == nonce_status::fresh);
  }
  SECTION("ACL user and password, percent-encoded in the URL") {
    ajwt::redis_nonce_store store(options_for("redis://car%6Fl:carol%2Dpw@" + hostport));
    CHECK(store.record(record_of("alice", t0, "n")) == nonce_status::fresh);
    CHECK(store.record(record_of("alice", t0, "n")) == nonce_status::replayed);
  }
  SECTION("ACL user and password in the options") {
    auto opts = options_for("redis://" + hostport);
    opts.username = "carol";
    opts.password = "carol-pw";
    ajwt::redis_nonce_store store(opts);
    CHECK(store.record(record_of("alice", t0, "n")) == nonce_status::fresh);
  }
  SECTION("a wrong password is unavailable, and the message does not show it") {
    ajwt::redis_nonce_store store(options_for("redis://:not-the-password@" + hostport));
    CHECK_FALSE(store.ping());
    CHECK(store.record(record_of("alice", t0, "n")) == nonce_status::unavailable);
    CHECK_THAT(store.last_error(), Contains("AUTH answered error"));
    CHECK_THAT(store.last_error(), !Contains("not-the-password"));
  }
  SECTION("a wrong user is unavailable") {
    ajwt::redis_nonce_store store(options_for("redis://mallory:carol-pw@" + hostport));
    CHECK(store.record(record_of("alice", t0, "n")) == nonce_status::unavailable);
  }
  SECTION("no password at all is unavailable") {
    ajwt::redis_nonce_store store(options_for("redis://" + hostport));
    CHECK(store.record(record_of("alice", t0, "n")) == nonce_status::unavailable);
    CHECK_THAT(store.last_error(), Contains("NOAUTH"));
  }
}

TEST_CASE("redis store: the database number in the URL selects where keys land", "[redis]") {
  auto opts = options_for(shared_redis_url() + "/7");
  ajwt::redis_nonce_store store(opts);
  REQUIRE(store.record(record_of("alice", t0, "in-db-7")) == nonce_status::fresh);
  const std::string key = store.key_for("alice", t0, "in-db-7");
  raw_client redis(shared_redis_url());
  CHECK_FALSE(redis.exists(key));
  redis.select(7);
  CHECK(redis.exists(key));
  // A store on database 0 does not see it.
  auto db0_opts = opts;
  db0_opts.url = shared_redis_url();
  CHECK(ajwt::redis_nonce_store(db0_opts).record(record_of("alice", t0, "in-db-7")) == nonce_status::fresh);
}

TEST_CASE("redis store: a database that does not exist makes the store unavailable", "[redis][failure]") {
  ajwt::redis_nonce_store store(options_for(shared_redis_url() + "/100000"));
  CHECK(store.record(record_of("alice", t0, "n")) == nonce_status::unavailable);
  CHECK_THAT(store.last_error(), Contains("SELECT answered error"));
}

TEST_CASE("redis store: a unix socket URL reaches Redis, with an optional database", "[redis]") {
  redis_process server({}, /*with_unix_socket=*/true);
  ajwt::redis_nonce_store store(options_for("unix://" + server.socket_path()));
  CHECK(store.ping());
  CHECK(store.record(record_of("alice", t0, "n")) == nonce_status::fresh);
  CHECK(store.record(record_of("alice", t0, "n")) == nonce_status::replayed);

  ajwt::redis_nonce_store db3(options_for("unix://" + server.socket_path() + "?db=3"));
  REQUIRE(db3.record(record_of("alice", t0, "n")) == nonce_status::fresh);
  raw_client redis(server.socket_path());
  redis.select(3);
  CHECK(redis.exists(db3.key_for("alice", t0, "n")));
  CHECK(redis.exists(db3.options().prefix + "retention"));  // the store's retention, beside the nonce
  CHECK(redis.integer({"DBSIZE"}) == 2);
}

// ---------------------------------------------------------------------------------------------------------
// Configuration.

TEST_CASE("redis url: well-formed URLs are parsed into their parts", "[redis][config]") {
  auto u = ajwt::redis_url::parse("redis://cache.internal");
  CHECK(u.host == "cache.internal");
  CHECK(u.port == 6379);
  CHECK(u.db == 0);
  CHECK(u.username.empty());
  CHECK(u.password.empty());
  CHECK(u.socket_path.empty());

  u = ajwt::redis_url::parse("redis://ops:p%40ss%3Aw%2Ford@10.0.0.5:7000/3");
  CHECK(u.host == "10.0.0.5");
  CHECK(u.port == 7000);
  CHECK(u.db == 3);
  CHECK(u.username == "ops");
  CHECK(u.password == "p@ss:w/ord");
  CHECK(u.describe() == "10.0.0.5:7000/3");

  u = ajwt::redis_url::parse("redis://:only-password@h/");
  CHECK(u.username.empty());
  CHECK(u.password == "only-password");
  CHECK(u.db == 0);

  u = ajwt::redis_url::parse("REDIS://[::1]:6380/15");
  CHECK(u.host == "::1");
  CHECK(u.port == 6380);
  CHECK(u.db == 15);
  CHECK(u.describe() == "[::1]:6380/15");

  u = ajwt::redis_url::parse("unix:///run/redis/redis%20server.sock?db=2");
  CHECK(u.socket_path == "/run/redis/redis server.sock");
  CHECK(u.host.empty());
  CHECK(u.db == 2);
  CHECK(u.describe() == "unix:/run/redis/redis server.sock/2");
}

TEST_CASE("redis url: malformed URLs are config errors that name the problem", "[redis][config]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "no scheme"},
      {"127.0.0.1:6379", "no scheme"},
      {"http://h", "unsupported scheme \"http\""},
      {"rediss://h", "TLS (rediss://) is not supported"},
      {"redis://", "no host"},
      {"redis://:6379", "no host"},
      {"redis://h:", "the port after ':' is empty"},
      {"redis://h:0", "not a number from 1 to 65535"},
      {"redis://h:65536", "not a number from 1 to 65535"},
      {"redis://h:63a", "not a number from 1 to 65535"},
      {"redis://h:-1", "not a number from 1 to 65535"},
      {"redis://h:1:2", "IPv6 addresses go in brackets"},
      {"redis://[::1", "lacks its closing ']'"},
      {"redis://[]:1", "is not an IPv6 address"},
      {"redis://[::1]x", "unexpected text after the IPv6 address"},
      {"redis://h/x", "database number \"x\""},
      {"redis://h/-1", "database number \"-1\""},
      {"redis://h/1/2", "the path must be /N"},
      {"redis://h/99999999999", "database number"},
      {"redis://h?db=1", "query parameters are not supported"},
      {"redis://h#frag", "fragment"},
      {"redis://h st", "space"},
      {"redis://ho$t", "not allowed in a host name"},
      {"redis://user@h", "a user name without a password"},
      {"redis://u:p@x@h", "more than one '@'"},
      {"redis://u:@h", "the password is empty"},
      {"redis://u:p%4@h", "bad percent-escape"},
      {"redis://u:p%zz@h", "bad percent-escape"},
      {"unix://", "must be absolute"},
      {"unix:///", "must be absolute"},
      {"unix://relative.sock", "has no host"},
      {"unix://h/run/redis.sock", "has no host"},
      {"unix:///run/r.sock?db=x", "database number \"x\""},
      {"unix:///run/r.sock?db=1&db=2", "db= is given twice"},
      {"unix:///run/r.sock?password=x", "unknown query parameter"},
      {"unix:///run/r%0.sock", "bad percent-escape"},
      {"unix:///run/r%00.sock", "NUL byte"},
      {"unix:///" + std::string(120, 'a'), "longer than 107 bytes"},
  };
  for (const auto& [url, why] : cases) {
    INFO("URL \"" << url << "\"");
    CHECK_THROWS_AS(ajwt::redis_url::parse(url), ajwt::config_error);
    CHECK_THROWS_WITH(ajwt::redis_url::parse(url), Contains(why) && StartsWith("Redis URL \""));
    // The store's constructor reports the same problem.
    CHECK_THROWS_WITH(ajwt::redis_nonce_store(url), Contains(why));
  }
}

TEST_CASE("redis url: error messages never quote the password", "[redis][config]") {
  for (const std::string url : {"redis://user:hunter2@h:bad", "redis://:hunter2@h/x", "redis://:hunter2@ho$t",
                                "redis://u:hunter2@h?db=1"}) {
    INFO(url);
    CHECK_THROWS_WITH(ajwt::redis_url::parse(url), !Contains("hunter2") && Contains("***@"));
  }
}

TEST_CASE("redis store: options that make no sense are config errors", "[redis][config]") {
  auto check = [](const std::function<void(ajwt::redis_nonce_store_options&)>& change,
                  const std::string& why) {
    ajwt::redis_nonce_store_options o;
    change(o);
    INFO(why);
    CHECK_THROWS_AS(ajwt::redis_nonce_store(o), ajwt::config_error);
    CHECK_THROWS_WITH(ajwt::redis_nonce_store(o), Contains(why));
  };
  check([](auto& o) { o.pool_size = 0; }, "pool_size");
  check([](auto& o) { o.pool_size = 5000; }, "pool_size");
  check([](auto& o) { o.connect_timeout = 0ms; }, "connect_timeout");
  check([](auto& o) { o.command_timeout = -5ms; }, "command_timeout");
  check([](auto& o) { o.command_timeout = 2h; }, "command_timeout");
  check([](auto& o) { o.pool_wait_timeout = 0ms; }, "pool_wait_timeout");
  check([](auto& o) { o.extra_ttl = -1s; }, "extra_ttl");
  check([](auto& o) { o.client_name = "has space"; }, "client_name");
  check([](auto& o) { o.username = "carol"; },
        "redis_nonce_store_options.username: is set without options.password");
  check(
      [](auto& o) {
        o.url = "redis://:a@h";
        o.password = "b";
      },
      "the URL carries a password too");
  check([](auto& o) { o.url = "redis://h:99999"; }, "port");

  // And sensible ones are accepted without a server.
  ajwt::redis_nonce_store_options o;
  o.url = "redis://h";
  o.password = "pw";
  o.username = "u";
  o.prefix = "";
  o.pool_size = 1;
  o.client_name = "";
  ajwt::redis_nonce_store store(o);
  CHECK(store.server().password == "pw");
  CHECK(store.server().username == "u");
  CHECK(store.key_for("a", 1, "b") == "a:1:b");
}
