// SPDX-License-Identifier: ISC
// The Redis nonce store, shared by server replicas. Optional: needs hiredis (0.14 or 1.x) and POSIX;
// link the CMake target ajwt::redis. docs/redis.md covers configuration, key layout, sizing, Redis
// Cluster and the failure behaviour.
#ifndef AJWT_NONCE_REDIS_HPP
#define AJWT_NONCE_REDIS_HPP

#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): pthread_sigmask, sigtimedwait are POSIX, not <csignal>
#include <sys/time.h>
#include <sys/un.h>

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../detail/openssl.hpp"
#include "../detail/text.hpp"
#include "../error.hpp"
#include "../nonce_store.hpp"
#include "../version.hpp"
#include "redis_url.hpp"

AJWT_NAMESPACE_BEGIN

/// Options of a redis_nonce_store. Every timeout must be positive: none of them can be "forever".
struct redis_nonce_store_options {
  /// The server; see redis_url for the syntax.
  std::string url = "redis://127.0.0.1:6379";
  /// Prepended to every key (binary-safe; may be empty). Keys are prefix + user + ':' + time + ':' + nonce.
  std::string prefix = "ajwt:nonce:";
  /// Connections kept open; each is used by one thread at a time (1 to 1024).
  std::size_t pool_size = 4;
  /// Longest wait to open a connection (TCP or unix connect; not DNS resolution, which hiredis does
  /// blocking).
  std::chrono::milliseconds connect_timeout{200};
  /// Longest wait for each read or write of a command (the login commands once, then SET).
  std::chrono::milliseconds command_timeout{200};
  /// Longest wait for a free connection when all pool_size are in use.
  std::chrono::milliseconds pool_wait_timeout{200};
  /// AUTH credentials kept out of the URL (then the URL must carry none). A username needs a password.
  std::string username;
  std::string password;  ///< the AUTH password (see username)
  /// Sent with CLIENT SETNAME so operators can find these connections in CLIENT LIST; empty: not sent.
  /// Printable ASCII without spaces.
  std::string client_name = "ajwt-nonce-store";
  /// The widest verifier window (verifier_options::tolerance, seconds) this process serves. The
  /// retention of the shared store is the largest max_tolerance any process has used with this
  /// prefix (kept in Redis under prefix + "retention", widened atomically, never narrowed): every
  /// entry lives until Redis's clock passes time + 2 x retention + 1 + extra_ttl. From 0 to 86400.
  std::int64_t max_tolerance = 60;
  /// Added to every entry's life: extra margin for replicas whose clocks are further apart than their
  /// tolerance (see docs/redis.md, "How long an entry lives"). From 0 to 86400 seconds.
  std::chrono::seconds extra_ttl{0};
};

namespace detail {

/// Blocks SIGPIPE on the calling thread while alive and swallows one raised meanwhile: hiredis writes
/// with write(2)/send(2) without MSG_NOSIGNAL, and writing to a socket the server has closed must not
/// kill the process. A SIGPIPE that was already pending when the guard was made is left alone.
class sigpipe_guard {
 public:
  sigpipe_guard() noexcept {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    active_ = pthread_sigmask(SIG_BLOCK, &pipe_, &old_) == 0;
    sigset_t pending;
    sigemptyset(&pending);
    was_pending_ = active_ && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
  }
  ~sigpipe_guard() {
    if (!active_) return;
    const int saved_errno = errno;
    sigset_t pending;
    sigemptyset(&pending);
    if (!was_pending_ && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
      const timespec zero{0, 0};
      while (sigtimedwait(&pipe_, nullptr, &zero) == -1 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    errno = saved_errno;
  }
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool active_ = false;
  bool was_pending_ = false;
};

/// Appends `s` with '%' and ':' percent-escaped, so the escaped text never holds ':' and the key
/// layout user ':' time ':' nonce splits back into exactly one (user, time, nonce).
inline void append_redis_key_part(std::string& out, std::string_view s) {
  for (const char c : s) {
    if (c == '%') {
      out += "%25";
    } else if (c == ':') {
      out += "%3A";
    } else {
      out += c;
    }
  }
}

}  // namespace detail

/// A nonce store in Redis, so every replica of a server sees every nonce: a token replayed to another
/// replica is rejected there too. The one atomic operation is a Lua script (EVALSHA, sent binary-safe in
/// argv form) that, on Redis's own clock `now`:
///   1. reads the store's retention R from the hash `<prefix>retention`, widening it to this process's
///      max_tolerance when that is larger (R never narrows; the hash also remembers when it last widened
///      and the narrowest R ever used, so entries made under a narrower R are accounted for);
///   2. answers "unavailable" when an entry for this `time` may already have expired: time + 2R + 1 +
///      extra_ttl <= now, or the time is one an entry made before the last widening could hold with a
///      shorter life that has passed; and when time > now + 2R (no verifier it serves sends that);
///   3. otherwise `SET <prefix><user>:<time>:<nonce> 1 NX EXAT <time + 2R + 1 + extra_ttl>`
///      (OK: fresh; nil: replayed).
/// So an entry's life is keyed to the token's `time`, not to when it was recorded, and is the same for
/// every replica whatever its own tolerance; a record that the store cannot answer for sure fails
/// closed. ':' and '%' in the username and nonce are percent-escaped so that no two records share a key.
///
/// Connections: a pool of up to pool_size, opened lazily (construction never needs Redis up), each
/// lent to one thread per call under a mutex and condition variable. Why a pool and not one connection
/// per thread: a server may run hundreds of request threads, and Redis then holds pool_size
/// connections per process instead of one per thread; a SET takes tens of microseconds, so a few
/// connections serve many threads. An idle connection the server has closed is noticed before use (a
/// zero-timeout poll) and reopened; a connection that failed or got an error reply is dropped and
/// reopened on next use.
///
/// Failure: when Redis cannot be reached, times out or answers an error, record() returns
/// nonce_status::unavailable (the verifier fails closed with nonce_store_unavailable) and last_error()
/// says why. Every wait is bounded: pool_wait_timeout for a free connection, connect_timeout to open
/// one, command_timeout for each socket read or write (logging in and the SET normally need one read
/// each), so with the defaults a call ends within about 800 ms; only DNS resolution is unbounded (hiredis
/// resolves blocking). Thread-safe; copies share one pool. POSIX only.
class redis_nonce_store {
 public:
  /// Checks the options (throws config_error naming the problem); does not connect.
  explicit redis_nonce_store(redis_nonce_store_options options = {})
      : s_(std::make_shared<state>(std::move(options))) {}

  /// A store for `url` with every other option at its default.
  explicit redis_nonce_store(std::string url) : redis_nonce_store(with_url(std::move(url))) {}

  /// Records (username, time, nonce) if new: one EVALSHA (see the class comment). Never throws;
  /// thread-safe.
  [[nodiscard]] nonce_status record(const nonce_record& r) const noexcept {
    try {
      // Lua numbers are doubles: times beyond 2^50 (35 million years) cannot be computed with exactly.
      if (r.time < -(std::int64_t{1} << 50) || r.time > (std::int64_t{1} << 50)) {
        s_->note("redis: time " + std::to_string(r.time) + " is out of the range the store computes with");
        return nonce_status::unavailable;
      }
      const std::string key = key_for(r.username, r.time, r.nonce);
      const std::string retention_key = s_->opt.prefix + "retention";
      const std::string time = std::to_string(r.time);
      const std::string want = std::to_string(s_->opt.max_tolerance);
      const std::string extra = std::to_string(s_->opt.extra_ttl.count());
      lease l(*s_);
      if (!l.acquire()) return nonce_status::unavailable;
      const char* argv[] = {"EVALSHA",   s_->script_sha.data(), "2",         key.data(), retention_key.data(),
                            time.data(), want.data(),           extra.data()};
      std::size_t lens[] = {7,           s_->script_sha.size(), 1,           key.size(), retention_key.size(),
                            time.size(), want.size(),           extra.size()};
      reply_ptr reply = l.command(8, argv, lens, "EVALSHA");
      if (reply && reply->type == REDIS_REPLY_ERROR && reply_text(*reply).substr(0, 8) == "NOSCRIPT") {
        // First use on this server (or after SCRIPT FLUSH): send the body once; Redis caches it.
        argv[0] = "EVAL";
        lens[0] = 4;
        argv[1] = record_script;
        lens[1] = std::char_traits<char>::length(record_script);
        reply = l.command(8, argv, lens, "EVAL");
      }
      if (!reply) return nonce_status::unavailable;
      if (reply->type == REDIS_REPLY_INTEGER) {
        if (reply->integer == 1) return nonce_status::fresh;
        if (reply->integer == 0) return nonce_status::replayed;
        s_->note("redis " + s_->url.describe() + ": time " + time +
                 (reply->integer == -1 ? " is past the store's retention (an entry for it may have expired)"
                  : reply->integer == -2
                      ? " is further ahead of Redis's clock than any window the store serves"
                      : " may have been recorded before the store's retention was widened, "
                        "with a life that has passed"));
        return nonce_status::unavailable;
      }
      l.discard("the record script answered " + describe_reply(*reply));
      return nonce_status::unavailable;
    } catch (...) {
      return nonce_status::unavailable;  // allocation failure: fail closed
    }
  }

  /// The widest verifier tolerance this process serves (redis_nonce_store_options::max_tolerance).
  [[nodiscard]] std::int64_t max_tolerance() const noexcept { return s_->opt.max_tolerance; }

  /// The Lua script behind record(): KEYS = {entry key, retention hash}, ARGV = {time, this process's
  /// max_tolerance, extra_ttl}. Returns 1 fresh, 0 replayed, -1/-2/-3 unavailable (see record()).
  /// The retention hash holds r (the retention now), rfirst (the first, hence narrowest, retention),
  /// rold (the retention before the last widening, -1 when never widened) and since (when, on Redis's
  /// clock, the last widening happened): an entry made before `since` had time < since + 2 rold and
  /// a life of at least 2 rfirst + 1 + extra.
  static constexpr const char* record_script = R"lua(
local t = tonumber(ARGV[1])
local want = tonumber(ARGV[2])
local extra = tonumber(ARGV[3])
local now = tonumber(redis.call('TIME')[1])
local cfg = redis.call('HMGET', KEYS[2], 'r', 'since', 'rold', 'rfirst')
local r = tonumber(cfg[1])
local since = tonumber(cfg[2]) or now
local rold = tonumber(cfg[3]) or -1
local rfirst = tonumber(cfg[4]) or want
if r == nil then
  r = want
  redis.call('HSET', KEYS[2], 'r', r, 'since', now, 'rold', -1, 'rfirst', r)
elseif want > r then
  rold = r
  since = now
  r = want
  redis.call('HSET', KEYS[2], 'r', r, 'since', since, 'rold', rold)
end
if t + 2 * r + 1 + extra <= now then return -1 end
if t > now + 2 * r then return -2 end
if rold >= 0 and t < since + 2 * rold and t + 2 * rfirst + 1 + extra <= now then return -3 end
if redis.call('SET', KEYS[1], '1', 'NX', 'EXAT', t + 2 * r + 1 + extra) then return 1 end
return 0
)lua";

  /// True when Redis answers PING with PONG (connecting, and logging in, if needed). Never throws.
  [[nodiscard]] bool ping() noexcept {
    try {
      const char* argv[] = {"PING"};
      const std::size_t lens[] = {4};
      lease l(*s_);
      if (!l.acquire()) return false;
      reply_ptr reply = l.command(1, argv, lens, "PING");
      if (!reply) return false;
      if (reply->type == REDIS_REPLY_STATUS && reply_text(*reply) == "PONG") return true;
      l.discard("PING answered " + describe_reply(*reply));
      return false;
    } catch (...) {
      return false;
    }
  }

  /// Why the latest failed call failed (which server, which step, the error), or "" when none has
  /// failed. Never holds a password. Shared by copies.
  [[nodiscard]] std::string last_error() const {
    std::lock_guard<std::mutex> lock(s_->mu);
    return s_->last_error;
  }

  /// The Redis key of a record: prefix + escaped username + ':' + time + ':' + escaped nonce.
  [[nodiscard]] std::string key_for(std::string_view username, std::int64_t time,
                                    std::string_view nonce) const {
    std::string key;
    key.reserve(s_->opt.prefix.size() + username.size() + nonce.size() + 24);
    key += s_->opt.prefix;
    detail::append_redis_key_part(key, username);
    key += ':';
    key += std::to_string(time);
    key += ':';
    detail::append_redis_key_part(key, nonce);
    return key;
  }

  /// The options the store was made with.
  [[nodiscard]] const redis_nonce_store_options& options() const noexcept { return s_->opt; }
  /// The parsed server address and credentials (after merging options.username/password).
  [[nodiscard]] const redis_url& server() const noexcept { return s_->url; }

 private:
  struct context_deleter {
    void operator()(redisContext* c) const noexcept { redisFree(c); }
  };
  using context_ptr = std::unique_ptr<redisContext, context_deleter>;
  struct reply_deleter {
    void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
  };
  using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

  static redis_nonce_store_options with_url(std::string url) {
    redis_nonce_store_options o;
    o.url = std::move(url);
    return o;
  }

  static timeval to_timeval(std::chrono::milliseconds ms) noexcept {
    timeval tv{};
    tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms.count() / 1000);
    tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms.count() % 1000) * 1000);
    return tv;
  }

  static std::string_view reply_text(const redisReply& r) noexcept {
    return r.str ? std::string_view(r.str, static_cast<std::size_t>(r.len)) : std::string_view();
  }

  static std::string describe_reply(const redisReply& r) {
    std::string text(reply_text(r).substr(0, 200));
    for (char& c : text)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    switch (r.type) {
      case REDIS_REPLY_ERROR: return "error \"" + text + "\"";
      case REDIS_REPLY_STATUS: return "status \"" + text + "\"";
      case REDIS_REPLY_NIL: return "nil";
      case REDIS_REPLY_STRING: return "string \"" + text + "\"";
      case REDIS_REPLY_INTEGER: return "integer " + std::to_string(r.integer);
      case REDIS_REPLY_ARRAY: return "an array";
      default: return "reply type " + std::to_string(r.type);
    }
  }

  static std::string context_error(const redisContext& c) {
    return c.errstr[0] ? std::string(c.errstr) : "hiredis error " + std::to_string(c.err);
  }

  struct state {
    redis_nonce_store_options opt;
    redis_url url;
    timeval connect_tv{};
    timeval command_tv{};
    mutable std::mutex mu;
    std::condition_variable cv;
    std::vector<context_ptr> idle;  // open connections nobody uses; at most pool_size with `leased`
    std::size_t leased = 0;         // connections (or slots being connected) lent to calls
    std::string last_error;
    std::string script_sha;  // SHA-1 of record_script: the name Redis caches it under for EVALSHA

    explicit state(redis_nonce_store_options o) : opt(std::move(o)) {
      auto bad = [](const char* field, const char* problem) {
        return config_error(std::string("redis_nonce_store_options.") + field, problem);
      };
      url = redis_url::parse(opt.url);
      if (!opt.password.empty()) {
        if (!url.password.empty())
          throw bad("password", "is set, but the URL carries a password too: give it once");
        url.username = opt.username;
        url.password = opt.password;
      } else if (!opt.username.empty()) {
        throw bad("username", "is set without options.password");
      }
      if (opt.pool_size < 1 || opt.pool_size > 1024) throw bad("pool_size", "must be from 1 to 1024");
      const auto hour = std::chrono::milliseconds(3600 * 1000);
      if (opt.connect_timeout.count() <= 0 || opt.connect_timeout > hour)
        throw bad("connect_timeout", "must be positive (and at most an hour)");
      if (opt.command_timeout.count() <= 0 || opt.command_timeout > hour)
        throw bad("command_timeout", "must be positive (and at most an hour)");
      if (opt.pool_wait_timeout.count() <= 0 || opt.pool_wait_timeout > hour)
        throw bad("pool_wait_timeout", "must be positive (and at most an hour)");
      if (opt.extra_ttl.count() < 0 || opt.extra_ttl.count() > 86400)
        throw bad("extra_ttl", "must be from 0 to 86400 seconds");
      if (opt.max_tolerance < 0 || opt.max_tolerance > 86400)
        throw bad("max_tolerance", "must be from 0 to 86400 seconds");
      script_sha = detail::hex_lower(detail::digest_bytes(EVP_sha1(), record_script));
      for (const char c : opt.client_name)
        if (c <= ' ' || c > '~') throw bad("client_name", "must be printable ASCII without spaces");
      connect_tv = to_timeval(opt.connect_timeout);
      command_tv = to_timeval(opt.command_timeout);
      idle.reserve(opt.pool_size);
    }

    void note(std::string what) {
      std::lock_guard<std::mutex> lock(mu);
      last_error = std::move(what);
    }

    /// Opens and logs in a connection, or returns null (and notes why).
    context_ptr connect() {
      const std::string where = "redis " + url.describe();
      detail::sigpipe_guard guard;
      context_ptr c(url.socket_path.empty()
                        ? redisConnectWithTimeout(url.host.c_str(), url.port, connect_tv)
                        : redisConnectUnixWithTimeout(url.socket_path.c_str(), connect_tv));
      if (!c) {
        note(where + ": connect: out of memory");
        return nullptr;
      }
      if (c->err) {
        note(where + ": connect: " + context_error(*c));
        return nullptr;
      }
      if (redisSetTimeout(c.get(), command_tv) != REDIS_OK) {
        note(where + ": cannot set the command timeout: " + context_error(*c));
        return nullptr;
      }
      // The login commands are pipelined: one round trip whatever their number.
      const std::string db = std::to_string(url.db);
      std::vector<const char*> names;  // of the queued commands, for messages
      auto append = [&](const char* name, std::initializer_list<std::string_view> args) {
        std::vector<const char*> argv;
        std::vector<std::size_t> lens;
        for (auto a : args) {
          argv.push_back(a.data());
          lens.push_back(a.size());
        }
        names.push_back(name);
        return redisAppendCommandArgv(c.get(), static_cast<int>(argv.size()), argv.data(), lens.data()) ==
               REDIS_OK;
      };
      bool ok = true;
      if (!url.password.empty()) {
        ok = url.username.empty() ? append("AUTH", {"AUTH", url.password})
                                  : append("AUTH", {"AUTH", url.username, url.password});
      }
      if (ok && url.db != 0) ok = append("SELECT", {"SELECT", db});
      if (ok && !opt.client_name.empty())
        ok = append("CLIENT SETNAME", {"CLIENT", "SETNAME", opt.client_name});
      if (!ok) {
        note(where + ": cannot queue the login commands: " + context_error(*c));
        return nullptr;
      }
      for (const char* name : names) {
        void* raw = nullptr;
        if (redisGetReply(c.get(), &raw) != REDIS_OK || !raw) {
          note(where + ": " + name + ": " + context_error(*c));
          return nullptr;
        }
        reply_ptr reply(static_cast<redisReply*>(raw));
        if (reply->type != REDIS_REPLY_STATUS || reply_text(*reply) != "OK") {
          note(where + ": " + name + " answered " + describe_reply(*reply));
          return nullptr;
        }
      }
      return c;
    }
  };

  /// One connection lent to one call; given back (or dropped when broken) on destruction.
  class lease {
   public:
    explicit lease(state& s) noexcept : s_(s) {}
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease() {
      if (!slot_) return;
      {
        std::lock_guard<std::mutex> lock(s_.mu);
        --s_.leased;
        if (c_) {
          s_.idle.push_back(std::move(c_));  // cannot throw: capacity pool_size is reserved
        }
      }
      s_.cv.notify_one();
    }

    /// Takes an idle connection or opens one; false (with last_error set) when none is free within
    /// pool_wait_timeout or opening fails.
    bool acquire() {
      {
        std::unique_lock<std::mutex> lock(s_.mu);
        const auto free_slot = [&] {
          return !s_.idle.empty() || s_.leased + s_.idle.size() < s_.opt.pool_size;
        };
        if (!s_.cv.wait_for(lock, s_.opt.pool_wait_timeout, free_slot)) {
          s_.last_error = "redis " + s_.url.describe() + ": no connection free within " +
                          std::to_string(s_.opt.pool_wait_timeout.count()) + " ms (pool_size " +
                          std::to_string(s_.opt.pool_size) + ")";
          return false;
        }
        ++s_.leased;
        slot_ = true;
        if (!s_.idle.empty()) {
          c_ = std::move(s_.idle.back());
          s_.idle.pop_back();
        }
      }
      // Nothing is outstanding on an idle connection, so anything readable means the server closed it
      // (or reset it): reopen rather than fail this call.
      if (c_) {
        pollfd p{c_->fd, POLLIN, 0};
        if (poll(&p, 1, 0) != 0) c_.reset();
      }
      if (!c_) c_ = s_.connect();
      return c_ != nullptr;
    }

    /// Sends one command and reads its reply; on an I/O error drops the connection and returns null.
    reply_ptr command(int argc, const char** argv, const std::size_t* lens, const char* name) {
      void* raw = nullptr;
      {
        detail::sigpipe_guard guard;
        raw = redisCommandArgv(c_.get(), argc, argv, lens);
      }
      if (!raw) {
        discard(std::string(name) + ": " + context_error(*c_));
        return nullptr;
      }
      return reply_ptr(static_cast<redisReply*>(raw));
    }

    /// Drops the connection (it is reopened on next use) and notes why.
    void discard(const std::string& why) {
      c_.reset();
      s_.note("redis " + s_.url.describe() + ": " + why);
    }

   private:
    state& s_;
    context_ptr c_;
    bool slot_ = false;
  };

  std::shared_ptr<state> s_;
};

static_assert(is_nonce_store<redis_nonce_store>::value,
              "redis_nonce_store must satisfy the NonceStore contract");

AJWT_NAMESPACE_END

#endif  // AJWT_NONCE_REDIS_HPP
