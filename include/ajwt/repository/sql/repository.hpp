// SPDX-License-Identifier: ISC
// sql_key_repository: the KeyRepository over a key database (SQLite or PostgreSQL), served from an
// in-process cache that a background thread keeps in step with the database, and that records when each
// key was last used. docs/keys-db.md explains the rules.
//
//     auto keys = ajwt::open_key_repository("postgresql://ajwt@db.internal/keys");  // <.../sql/open.hpp>
//     ajwt::verifier v(keys);
#ifndef AJWT_REPOSITORY_SQL_REPOSITORY_HPP
#define AJWT_REPOSITORY_SQL_REPOSITORY_HPP

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "../../detail/text.hpp"
#include "../../error.hpp"
#include "../../jwks.hpp"
#include "../../key_repository.hpp"
#include "../../public_key.hpp"
#include "../../version.hpp"
#include "../jwks_url.hpp"
#include "common.hpp"

AJWT_NAMESPACE_BEGIN

/// Options of a sql_key_repository. The constructor throws config_error for values that make no sense.
struct sql_repository_options {
  /// How often the background thread asks the database whether anything changed (PostgreSQL also wakes
  /// it at once with a notification). Changes reach the cache within about this long. 10 ms to 1 s.
  std::chrono::milliseconds poll_interval{200};
  /// While the database cannot be reached, users already cached are served for this long after the last
  /// successful contact; after that every lookup fails closed (key_repository_unavailable). Users not
  /// cached fail closed at once.
  std::chrono::milliseconds max_stale{std::chrono::minutes(5)};
  /// Last-used times are written at most once per key per interval (and on destruction). Zero: never.
  std::chrono::milliseconds last_used_interval{std::chrono::seconds(60)};
  /// Told of background failures (the database went down or came back, a last-used write failed, a stored
  /// key that no longer loads). Called from the background thread; must not throw. Default: standard error.
  std::function<void(const std::string&)> on_error;
  /// Fetches the JWKS URLs the database trusts (e.g. ajwt::curl_fetcher{} wrapped in a function). Without
  /// one, a user's URLs cannot be fetched: their keys in the database still work, tokens needing a URL
  /// fail closed.
  jwks_url_key_repository<>::fetch_function jwks_fetcher;
  /// Caching rules of the JWKS URLs (docs/jwks.md).
  jwks_url_options jwks;
  /// Usernames the database does not know are remembered (so a flood of them costs one query each, once)
  /// up to this many; then that memory starts over.
  std::size_t max_unknown_users = 10000;
};

/// The KeyRepository over a key database. Users are loaded on first use (one query; a cold lookup) and
/// then served from memory: the verify path never waits on the database for a user it has seen, and
/// unknown usernames are remembered too. A background thread polls the database's change counter (and, on
/// PostgreSQL, listens for NOTIFY ajwt_keys_changed) and reloads the cached users when anything changed,
/// so a key added or removed by anyone reaches the verifier within poll_interval (plus the reload).
///
/// Database down: cached users are served for max_stale after the last successful contact, then find()
/// throws repository_unavailable for everyone; users not cached throw at once. The thread reconnects by
/// itself and reloads everything when the database is back.
///
/// JWKS URLs trusted in the database are fetched through a jwks_url_key_repository (same caching rules),
/// and a user's keys are those in the database followed by those of their URLs, merged as
/// combined_key_repository does (a URL that fails is tolerated when the kid names a key that can be
/// served, or the kid is empty and the user has keys of their own).
///
/// Last used: on_verified() notes the time in memory; the thread writes at most one update per key (or
/// URL) per last_used_interval, and the destructor writes what is pending. A failed write is logged through
/// on_error and retried, never fails a verification.
///
/// Thread-safe; copies share one cache, one thread and one set of connections, stopped with the last copy.
class sql_key_repository {
 public:
  /// Users carry no application object.
  using user_type = no_user;
  /// What find() returns for a user.
  using entry = user_keys<no_user>;

  /// Connects with `connect`, creates or migrates the schema, and starts the background thread. Throws
  /// repository_unavailable when the database cannot be reached, config_error for bad options or a schema
  /// from a newer ajwt.
  explicit sql_key_repository(sql_connector connect, sql_repository_options options = {})
      : c_(std::make_shared<core>(std::move(connect), check(std::move(options)))) {
    c_->start();
  }

  /// The user's keys (nullptr for an unknown user). Thread-safe; waits on the database only for a user it
  /// has not seen. Throws repository_unavailable when it cannot answer (see the class comment).
  std::shared_ptr<const entry> find(std::string_view username, std::string_view kid) const {
    return c_->find(username, kid);
  }

  /// Notes that `key` of `username` verified a token now (its last-used time). Never throws, never waits
  /// on the database.
  void on_verified(std::string_view username, const public_key& key) const noexcept {
    c_->on_verified(username, key);
  }

  /// Writes the pending last-used times now (also done every last_used_interval and on destruction).
  /// Throws what the database throws.
  void flush_last_used() const { c_->flush_now(); }

  /// False while the background thread cannot reach the database.
  [[nodiscard]] bool database_reachable() const noexcept { return c_->healthy.load(); }

  /// Users (known and unknown) held in the cache.
  [[nodiscard]] std::size_t cached_users() const {
    std::shared_lock<std::shared_mutex> lock(c_->mu);
    return c_->users.size();
  }

 private:
  using clock = std::chrono::steady_clock;
  using key_set = std::vector<public_key>;

  /// One user as cached: the database's keys and URLs, and the last merge with the URLs' keys.
  struct cached {
    bool exists = false;
    std::shared_ptr<const entry> keys = std::make_shared<entry>();
    std::vector<std::string> key_texts;  // parallel to keys->keys
    std::vector<std::string> urls;
    mutable std::mutex merge_mu;
    mutable std::vector<std::shared_ptr<const entry>> merge_sources;
    mutable std::vector<std::string> merge_urls;
    mutable std::shared_ptr<const entry> merged;
  };

  struct pending_use {
    std::string username;
    std::string name;  // the kid, or the URL
    bool is_url = false;
    std::int64_t time = 0;
  };

  static sql_repository_options check(sql_repository_options o) {
    auto fail = [](const char* field, const char* problem) {
      throw config_error(std::string("sql_repository_options.") + field, problem);
    };
    if (o.poll_interval < std::chrono::milliseconds(10) || o.poll_interval > std::chrono::seconds(1))
      fail("poll_interval", "must lie between 10 ms and 1 s");
    if (o.max_stale.count() < 0) fail("max_stale", "must not be negative");
    if (o.last_used_interval.count() < 0) fail("last_used_interval", "must not be negative");
    if (!o.on_error)
      o.on_error = [](const std::string& m) { std::cerr << "ajwt: key database: " << m << std::endl; };
    return o;
  }

  struct core {
    core(sql_connector connect_, sql_repository_options o) : connect(std::move(connect_)), opt(std::move(o)) {
      if (!connect) throw config_error("sql_key_repository", "needs a connector (an empty one was given)");
      if (opt.jwks_fetcher) jwks = std::make_unique<jwks_url_key_repository<>>(opt.jwks_fetcher, opt.jwks);
      reader = connect();
      detail::sql::migrate(*reader);
      touch_ok();
    }

    ~core() {
      {
        std::lock_guard<std::mutex> lock(stop_mu);
        stop = true;
      }
      stop_cv.notify_all();
      if (thread.joinable()) thread.join();
      try {
        flush_now();
      } catch (const std::exception& e) {
        log(std::string("last-used times not written at shutdown: ") + e.what());
      } catch (...) {
      }
    }

    void start() {
      thread = std::thread([this] { run(); });
    }

    // ---- the verify path

    std::shared_ptr<const entry> find(std::string_view username, std::string_view kid) {
      auto c = lookup(username);
      if (!c || !c->exists) return nullptr;
      if (c->urls.empty()) return c->keys;
      const auto& own = c->keys->keys;
      const bool own_named = !kid.empty() && std::any_of(own.begin(), own.end(), [&](const public_key& k) {
        return k.matches_kid(kid);
      });
      if (own_named) return c->keys;
      std::vector<std::shared_ptr<const entry>> sets;
      std::vector<std::string> set_urls;
      std::string errors;
      for (const auto& url : c->urls) {
        try {
          auto e = fetch_url(url, kid);
          if (e && !e->keys.empty()) {
            sets.push_back(std::move(e));
            set_urls.push_back(url);
          }
        } catch (const std::exception& e) {
          errors += (errors.empty() ? "" : "; ") + std::string(e.what());
        }
      }
      if (!errors.empty()) {
        const bool kid_served = !kid.empty() && std::any_of(sets.begin(), sets.end(), [&](const auto& s) {
          return std::any_of(s->keys.begin(), s->keys.end(),
                             [&](const public_key& k) { return k.matches_kid(kid); });
        });
        const bool own_suffice = kid.empty() && (!own.empty() || !sets.empty());
        if (!kid_served && !own_suffice) throw repository_unavailable(errors);
      }
      if (sets.empty()) return c->keys;
      std::lock_guard<std::mutex> lock(c->merge_mu);
      if (!c->merged || c->merge_sources != sets) {
        auto m = std::make_shared<entry>(*c->keys);
        for (const auto& s : sets)
          for (const auto& k : s->keys) detail::merge_key(m->keys, k);
        c->merged = std::move(m);
        c->merge_sources = std::move(sets);
        c->merge_urls = std::move(set_urls);
      }
      return c->merged;
    }

    std::shared_ptr<const entry> fetch_url(const std::string& url, std::string_view kid) {
      if (!jwks)
        throw repository_unavailable("ajwt: JWKS " + url +
                                     ": no JWKS fetcher configured (sql_repository_options::jwks_fetcher)");
      if (jwks->urls(url).empty()) jwks->add_url(url, url);  // config_error for a URL the rules refuse
      return jwks->find(url, kid);
    }

    /// The cached user, loading it when not cached; nullptr never (an unknown user is cached as such).
    std::shared_ptr<const cached> lookup(std::string_view username) {
      // A name no row can hold (empty, too long, control characters, not UTF-8) is unknown without a
      // query: a NUL would end the name early in a libpq parameter, and PostgreSQL refuses invalid UTF-8.
      if (!detail::sql::storable_username(username)) return nullptr;
      const auto stale_for = clock::now() - last_ok();
      {
        std::shared_lock<std::shared_mutex> lock(mu);
        auto it = users.find(username);
        if (it != users.end()) {
          if (stale_for > opt.max_stale)
            throw repository_unavailable(
                "ajwt: the key database has been unreachable for " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(stale_for).count()) +
                " s, longer than sql_repository_options.max_stale" + last_error_suffix());
          return it->second;
        }
      }
      if (!healthy.load())
        throw repository_unavailable("ajwt: the key database is unreachable" + last_error_suffix());
      std::lock_guard<std::mutex> lock(reader_mu);
      {  // another thread may have loaded it meanwhile
        std::shared_lock<std::shared_mutex> rl(mu);
        if (auto it = users.find(username); it != users.end()) return it->second;
      }
      const auto e0 = epoch.load();
      std::shared_ptr<const cached> c;
      for (int attempt = 0;; ++attempt) {
        const bool had_connection = reader != nullptr;
        try {
          if (!reader) reader = connect();
          c = load_user(*reader, username, nullptr);
          break;
        } catch (const std::exception& e) {
          reader.reset();
          // A connection kept from before an outage fails once; a fresh one tells the truth.
          if (attempt == 0 && had_connection) continue;
          throw repository_unavailable(std::string(e.what()));
        }
      }
      touch_ok();
      store(std::string(username), c);
      if (epoch.load() != e0) {
        std::lock_guard<std::mutex> dl(dirty_mu);
        dirty.insert(std::string(username));
      }
      return c;
    }

    void store(const std::string& username, std::shared_ptr<const cached> c) {
      std::unique_lock<std::shared_mutex> lock(mu);
      auto it = users.find(username);
      if (!c->exists && it == users.end()) {
        if (unknown >= opt.max_unknown_users) {
          for (auto i = users.begin(); i != users.end();)
            i = i->second->exists ? std::next(i) : users.erase(i);
          unknown = 0;
        }
        ++unknown;
      } else if (it != users.end() && !it->second->exists && c->exists && unknown > 0) {
        --unknown;
      }
      users[username] = std::move(c);
    }

    /// Loads one user; reuses the loaded keys of `previous` whose text did not change.
    std::shared_ptr<const cached> load_user(sql_connection& conn, std::string_view username,
                                            const cached* previous) {
      const std::vector<sql_value> p{std::string(username)};
      const auto key_rows =
          conn.run("SELECT key_text, kid FROM ajwt_keys WHERE username = ?1 ORDER BY id", p);
      const auto url_rows = conn.run("SELECT url FROM ajwt_jwks_urls WHERE username = ?1 ORDER BY id", p);
      auto c = std::make_shared<cached>();
      c->exists = !key_rows.empty() || !url_rows.empty();
      auto e = std::make_shared<entry>();
      for (const auto& r : key_rows) {
        const std::string text = r[0].value_or("");
        bool reused = false;
        if (previous) {
          for (std::size_t i = 0; i < previous->key_texts.size() && !reused; ++i)
            if (previous->key_texts[i] == text) {
              e->keys.push_back(previous->keys->keys[i]);
              reused = true;
            }
        }
        if (!reused) {
          try {
            e->keys.push_back(public_key::load(text));
          } catch (const std::exception& ex) {
            log("user \"" + detail::printable(username, 64) + "\" key " + r[1].value_or("?") +
                " is skipped: " + ex.what());
            continue;
          }
        }
        c->key_texts.push_back(text);
      }
      c->keys = std::move(e);
      for (const auto& r : url_rows) c->urls.push_back(r[0].value_or(""));
      return c;
    }

    void on_verified(std::string_view username, const public_key& key) noexcept {
      if (opt.last_used_interval.count() == 0) return;
      try {
        std::shared_ptr<const cached> c;
        {
          std::shared_lock<std::shared_mutex> lock(mu);
          auto it = users.find(username);
          if (it == users.end()) return;
          c = it->second;
        }
        const std::int64_t now = detail::sql::unix_now();
        const bool own = std::any_of(c->keys->keys.begin(), c->keys->keys.end(),
                                     [&](const public_key& k) { return k.id() == key.id(); });
        std::string url;
        if (!own) {
          std::lock_guard<std::mutex> lock(c->merge_mu);
          for (std::size_t i = 0; i < c->merge_sources.size() && url.empty(); ++i)
            for (const auto& k : c->merge_sources[i]->keys)
              if (k.id() == key.id()) url = c->merge_urls[i];
          if (url.empty()) return;
        }
        std::lock_guard<std::mutex> lock(pending_mu);
        auto it = pending.find(std::make_tuple(key.id(), username));
        if (it != pending.end()) {
          it->second.time = std::max(it->second.time, now);
          return;
        }
        pending.emplace(std::make_tuple(key.id(), std::string(username)),
                        pending_use{std::string(username), own ? key.kid() : url, !own, now});
      } catch (...) {
        // Recording a time must never change a verification.
      }
    }

    // ---- the background thread

    void run() {
      std::unique_ptr<sql_connection> w;
      std::optional<std::int64_t> version;
      std::int64_t counter = -1;
      auto next_flush = clock::now() + opt.last_used_interval;
      while (!stopping()) {
        try {
          bool fresh = false;
          if (!w) {
            w = connect();
            fresh = true;
          }
          bool notified = false;
          const auto until = clock::now() + opt.poll_interval;
          while (!notified && !stopping() && clock::now() < until) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now());
            notified = w->wait_for_change(
                std::clamp(left, std::chrono::milliseconds(1), std::chrono::milliseconds(50)));
          }
          if (stopping()) break;
          const auto v = w->data_version();
          const bool look = fresh || notified || !v || v != version;
          version = v;
          if (look) {
            const auto now_counter =
                detail::sql::to_int(w->run("SELECT counter FROM ajwt_changes WHERE id = 1").at(0).at(0));
            if (fresh || now_counter != counter) reload_all(*w);
            counter = now_counter;
          }
          reload_dirty(*w);
          touch_ok();
          if (!healthy.exchange(true)) log("the key database is reachable again");
          if (opt.last_used_interval.count() > 0 && clock::now() >= next_flush) {
            next_flush = clock::now() + opt.last_used_interval;
            flush_with(*w);
          }
        } catch (const std::exception& e) {
          w.reset();
          {
            std::lock_guard<std::mutex> lock(error_mu);
            last_error = e.what();
          }
          if (healthy.exchange(false)) log(std::string("the key database is unreachable: ") + e.what());
          std::unique_lock<std::mutex> lock(stop_mu);
          stop_cv.wait_for(lock, opt.poll_interval, [&] { return stop; });
        } catch (...) {
          w.reset();
          if (healthy.exchange(false)) log("the key database is unreachable: unknown error");
          std::unique_lock<std::mutex> lock(stop_mu);
          stop_cv.wait_for(lock, opt.poll_interval, [&] { return stop; });
        }
      }
    }

    void reload_all(sql_connection& w) {
      ++epoch;
      std::vector<std::pair<std::string, std::shared_ptr<const cached>>> snapshot;
      {
        std::shared_lock<std::shared_mutex> lock(mu);
        for (const auto& [name, c] : users) snapshot.emplace_back(name, c);
      }
      std::vector<std::pair<std::string, std::shared_ptr<const cached>>> fresh;
      for (const auto& [name, c] : snapshot) {
        if (!c->exists) continue;  // unknown users are forgotten and looked up again
        fresh.emplace_back(name, load_user(w, name, c.get()));
      }
      std::unique_lock<std::shared_mutex> lock(mu);
      for (auto i = users.begin(); i != users.end();) i = i->second->exists ? std::next(i) : users.erase(i);
      unknown = 0;
      for (auto& [name, c] : fresh) {
        if (c->exists)
          users[name] = std::move(c);
        else
          users.erase(name);
      }
    }

    void reload_dirty(sql_connection& w) {
      std::set<std::string> names;
      {
        std::lock_guard<std::mutex> lock(dirty_mu);
        names.swap(dirty);
      }
      for (const auto& n : names) store(n, load_user(w, n, nullptr));
    }

    void flush_with(sql_connection& w) {
      std::map<std::tuple<std::uint64_t, std::string>, pending_use, std::less<>> batch;
      {
        std::lock_guard<std::mutex> lock(pending_mu);
        batch.swap(pending);
      }
      if (batch.empty()) return;
      std::vector<std::tuple<std::string, std::string, std::int64_t>> keys, urls;
      for (const auto& [id, u] : batch) (u.is_url ? urls : keys).emplace_back(u.username, u.name, u.time);
      try {
        key_database_writer(w).record_last_used(keys, urls);
      } catch (const std::exception& e) {
        log(std::string("last-used times not written (kept for the next try): ") + e.what());
        std::lock_guard<std::mutex> lock(pending_mu);
        for (auto& [id, u] : batch) {
          auto [it, added] = pending.emplace(id, u);
          if (!added) it->second.time = std::max(it->second.time, u.time);
        }
        throw;
      }
    }

    void flush_now() {
      std::lock_guard<std::mutex> lock(reader_mu);
      try {
        if (!reader) reader = connect();
        flush_with(*reader);
      } catch (...) {
        reader.reset();
        throw;
      }
    }

    /// record_last_used over a borrowed connection.
    struct key_database_writer {
      /// Writes through `conn`.
      explicit key_database_writer(sql_connection& conn) : c(conn) {}
      /// Writes the last-used times of (username, kid or URL, Unix seconds) entries.
      void record_last_used(const std::vector<std::tuple<std::string, std::string, std::int64_t>>& keys,
                            const std::vector<std::tuple<std::string, std::string, std::int64_t>>& urls) {
        detail::sql::in_transaction(c, [&] {
          for (const auto& [user, kid, t] : keys)
            c.run(
                "UPDATE ajwt_keys SET last_used = ?3 WHERE username = ?1 AND kid = ?2 AND "
                "(last_used IS NULL OR last_used < ?3)",
                {user, kid, detail::sql::to_text(t)});
          for (const auto& [user, url, t] : urls)
            c.run(
                "UPDATE ajwt_jwks_urls SET last_used = ?3 WHERE username = ?1 AND url = ?2 AND "
                "(last_used IS NULL OR last_used < ?3)",
                {user, url, detail::sql::to_text(t)});
        });
      }
      /// The connection written through.
      sql_connection& c;
    };

    // ---- helpers

    bool stopping() {
      std::lock_guard<std::mutex> lock(stop_mu);
      return stop;
    }
    void touch_ok() { last_ok_ns.store(clock::now().time_since_epoch().count()); }
    clock::time_point last_ok() const { return clock::time_point(clock::duration(last_ok_ns.load())); }
    std::string last_error_suffix() {
      std::lock_guard<std::mutex> lock(error_mu);
      return last_error.empty() ? std::string() : " (" + last_error + ")";
    }
    void log(const std::string& m) noexcept {
      try {
        opt.on_error(m);
      } catch (...) {
      }
    }

    const sql_connector connect;
    const sql_repository_options opt;
    std::unique_ptr<jwks_url_key_repository<>> jwks;

    mutable std::shared_mutex mu;
    std::map<std::string, std::shared_ptr<const cached>, std::less<>> users;
    std::size_t unknown = 0;

    std::mutex reader_mu;
    std::unique_ptr<sql_connection> reader;

    std::atomic<std::uint64_t> epoch{0};
    std::mutex dirty_mu;
    std::set<std::string> dirty;

    std::atomic<bool> healthy{true};
    std::atomic<clock::rep> last_ok_ns{0};
    std::mutex error_mu;
    std::string last_error;

    std::mutex pending_mu;
    std::map<std::tuple<std::uint64_t, std::string>, pending_use, std::less<>> pending;

    std::mutex stop_mu;
    std::condition_variable stop_cv;
    bool stop = false;
    std::thread thread;
  };

  std::shared_ptr<core> c_;
};

AJWT_NAMESPACE_END

#endif  // AJWT_REPOSITORY_SQL_REPOSITORY_HPP
