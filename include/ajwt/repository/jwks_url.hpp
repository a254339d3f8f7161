// SPDX-License-Identifier: ISC
// A key repository that follows per-user JWKS URLs (the Python library's JWKSEndpointTrust):
// documents are fetched through a pluggable fetcher, parsed with load_jwks, cached per URL under
// HTTP caching rules, refreshed on unknown kids at a bounded rate, and served stale through an
// outage up to a limit. This header needs no HTTP library; <ajwt/repository/curl_fetcher.hpp> holds
// the default libcurl fetcher. docs/jwks.md explains the rules and why.
#ifndef AJWT_REPOSITORY_JWKS_URL_HPP
#define AJWT_REPOSITORY_JWKS_URL_HPP

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../clock.hpp"
#include "../detail/text.hpp"
#include "../error.hpp"
#include "../jwks.hpp"
#include "../key_repository.hpp"
#include "../limits.hpp"
#include "../public_key.hpp"
#include "../version.hpp"
#include "jwks_fetch.hpp"

AJWT_NAMESPACE_BEGIN

/// Options of a jwks_url_key_repository. The constructor throws config_error for values that make no
/// sense (a minimum above the maximum, a non-positive timeout, ...).
struct jwks_url_options {
  /// How long a document stays fresh when the response has no Cache-Control max-age (the Python
  /// library caches for 5 minutes). Must lie within [min_max_age, max_max_age].
  std::chrono::seconds default_max_age{300};
  /// Bounds on any freshness lifetime: max-age is clamped to them; no-store/no-cache mean the minimum.
  std::chrono::seconds min_max_age{30};
  std::chrono::seconds max_max_age{86400};  ///< upper bound of the freshness lifetime (see min_max_age)
  /// At most one fetch of a URL per cooldown, whatever starts it (an unknown kid, expiry, a retry
  /// after a failure): a flood of tokens with random kids costs the JWKS server one request per cooldown.
  std::chrono::seconds refresh_cooldown{30};
  /// When fetches fail, the last good keys keep being served until they have been expired this long;
  /// after that find() throws (fail closed).
  std::chrono::seconds max_stale{3600};
  /// Bound on the whole fetch (the fetcher's total timeout). A thread that needs the result of
  /// another thread's fetch waits at most this long (real time) too.
  std::chrono::milliseconds fetch_timeout{5000};
  /// Bound on connecting (TCP and TLS handshake).
  std::chrono::milliseconds connect_timeout{2000};
  /// Largest accepted document (at most ajwt::max_key_text_bytes, 1 MiB).
  std::size_t max_document_bytes = max_key_text_bytes;
  /// Accept http:// URLs. For tests on loopback only: without TLS anyone on the path can swap the keys.
  bool allow_http = false;
  /// Told, after each fetched document, of every key skipped in it (URL, "URL key #i: why"), so logs
  /// say why a published key is not used. Called on the fetching thread; must not throw (exceptions
  /// from it are swallowed).
  std::function<void(const std::string& url, const std::string& message)> on_skipped_key;
};

/// A snapshot of one URL's cache, for monitoring (times are the repository clock's Unix seconds).
struct jwks_url_status {
  bool has_keys = false;         ///< a document was fetched successfully at least once
  std::size_t key_count = 0;     ///< supported keys in the cached document
  std::int64_t fetched_at = 0;   ///< last successful fetch or 304 revalidation
  std::int64_t fresh_until = 0;  ///< the cached document is fresh before this time
  std::string etag;              ///< the cached document's ETag
  std::string last_error;        ///< why the last fetch failed; empty when it succeeded
  std::uint64_t fetches = 0;     ///< fetch attempts so far
  /// Keys of the cached document that were skipped (unsupported or out of policy), each "URL key #i:
  /// why"; the document's other keys are served.
  std::vector<std::string> skipped_keys;
};

/// A key repository whose users' keys live at JWKS URLs (several per user; a user's keys are the union
/// of their URLs' documents), with an optional user object per user.
///
///     ajwt::jwks_url_key_repository<> keys(ajwt::curl_fetcher{});   // <ajwt/repository/curl_fetcher.hpp>
///     keys.add_url("billing", "https://billing.example/.well-known/jwks.json");
///     ajwt::verifier v(keys);
///
/// Caching, per URL: a document is fresh for its Cache-Control max-age minus its Age, clamped to
/// [min_max_age, max_max_age] (no-store/no-cache: the minimum; no max-age: default_max_age), measured
/// on `Clock`. Expired documents are revalidated with If-None-Match (304 keeps the keys and renews
/// their freshness). A non-empty kid that no cached key matches triggers a refresh; an empty kid never
/// does. Every fetch of a URL, whatever starts it, is at most one per refresh_cooldown, and concurrent
/// needs share one fetch: the thread that starts it fetches (without locks held); threads whose kid is
/// known keep using the current keys meanwhile; the others wait for it at most fetch_timeout.
///
/// Failures: a failed fetch (transport error, HTTP status other than 200/304, oversized or malformed
/// document) keeps the last good keys, served until they have been expired for max_stale; then, and
/// when no fetch has ever succeeded, find() throws ajwt::error naming the URL and the fetch error (the
/// verifier rejects with key_repository_unavailable and that message). A user with several URLs is served the
/// keys of the URLs that can be; find() throws only when none can, or when some cannot and the token's kid
/// names no key among the rest.
///
/// Thread-safe; copies share one set of users, caches, fetcher and clock.
template <class User = no_user, class Clock = system_clock>
class jwks_url_key_repository {
  static_assert(std::is_convertible_v<decltype(std::declval<const Clock&>().now()), std::int64_t>,
                "Clock needs `std::int64_t now() const` returning Unix seconds");

 public:
  using user_type = User;         ///< the user object handed back with each user's keys
  using entry = user_keys<User>;  ///< what keys_for answers for a known user
  /// The type-erased fetcher every copy shares.
  using fetch_function = std::function<fetch_result(const fetch_request&)>;

  /// Takes the fetcher (see is_jwks_fetcher), the options and the clock the cache runs on. Throws
  /// config_error for options that make no sense.
  template <class Fetcher,
            class = std::enable_if_t<!std::is_same_v<std::decay_t<Fetcher>, jwks_url_key_repository>>>
  explicit jwks_url_key_repository(Fetcher fetcher, jwks_url_options options = {}, Clock clock = Clock())
      : s_(std::make_shared<state>(wrap(std::move(fetcher)), check(options), std::move(clock))) {
    if (!s_->fetch) throw config_error("jwks_url_key_repository", "needs a fetcher (an empty one was given)");
  }

  /// Adds a JWKS URL to `username` (kept once). Nothing is fetched until a token names the user.
  /// Throws config_error naming the URL when it is not https:// (or http:// with allow_http).
  void add_url(const std::string& username, const std::string& url) {
    detail::jwks::check_jwks_url(url, s_->opt.allow_http);
    update(username, /*create=*/true, [&](record& r) {
      for (const auto& u : r.urls)
        if (u->url == url) return;
      r.urls.push_back(url_state_for(url));
    });
  }

  /// Removes a URL from `username`. Returns whether the user had it.
  bool remove_url(const std::string& username, std::string_view url) {
    bool removed = false;
    update(username, /*create=*/false, [&](record& r) {
      const auto before = r.urls.size();
      r.urls.erase(std::remove_if(r.urls.begin(), r.urls.end(), [&](const auto& u) { return u->url == url; }),
                   r.urls.end());
      removed = r.urls.size() != before;
    });
    return removed;
  }

  /// Sets the user object handed back with tokens of `username`.
  void set_user(const std::string& username, User user) {
    update(username, /*create=*/true, [&](record& r) { r.user = std::move(user); });
  }

  /// Removes a user, their URLs and their user object. Returns whether the user existed.
  bool remove_user(const std::string& username) {
    std::unique_lock<std::shared_mutex> lock(s_->mu);
    const bool removed = s_->users.erase(username) > 0;
    prune_urls();
    return removed;
  }

  /// The URLs of `username`, in the order added (empty for an unknown user).
  [[nodiscard]] std::vector<std::string> urls(std::string_view username) const {
    std::vector<std::string> out;
    std::shared_lock<std::shared_mutex> lock(s_->mu);
    if (auto it = s_->users.find(username); it != s_->users.end())
      for (const auto& u : it->second->urls) out.push_back(u->url);
    return out;
  }

  /// Number of users.
  [[nodiscard]] std::size_t size() const {
    std::shared_lock<std::shared_mutex> lock(s_->mu);
    return s_->users.size();
  }

  /// The cache state of a URL some user has, or nullopt.
  [[nodiscard]] std::optional<jwks_url_status> status(std::string_view url) const {
    std::shared_ptr<url_state> u;
    {
      std::shared_lock<std::shared_mutex> lock(s_->mu);
      auto it = s_->url_states.find(url);
      if (it == s_->url_states.end() || !(u = it->second.lock())) return std::nullopt;
    }
    std::lock_guard<std::mutex> lock(u->mu);
    jwks_url_status st;
    st.has_keys = u->keys != nullptr;
    st.key_count = u->keys ? u->keys->size() : 0;
    st.fetched_at = u->fetched_at;
    st.fresh_until = u->fresh_until;
    st.etag = u->etag;
    st.last_error = u->last_error;
    st.fetches = u->fetches;
    st.skipped_keys = u->skipped_keys;
    return st;
  }

  /// The user's keys (fetching or refreshing their URLs as the caching rules say), nullptr for an
  /// unknown user. Thread-safe. Throws ajwt::error naming the URL and the fetch error when it must fail
  /// closed (see the class comment).
  std::shared_ptr<const entry> find(std::string_view username, std::string_view kid) const {
    std::shared_ptr<const record> rec;
    {
      std::shared_lock<std::shared_mutex> lock(s_->mu);
      auto it = s_->users.find(username);
      if (it == s_->users.end()) return nullptr;
      rec = it->second;
    }
    if (rec->urls.empty()) return std::make_shared<const entry>(entry{{}, rec->user});

    // A kid held by any of the user's URLs needs no refresh of the others (with one URL, ensure checks).
    bool kid_known = kid.empty();
    for (std::size_t i = 0; rec->urls.size() > 1 && i < rec->urls.size() && !kid_known; ++i) {
      std::lock_guard<std::mutex> lock(rec->urls[i]->mu);
      kid_known = rec->urls[i]->keys && holds_kid(*rec->urls[i]->keys, kid);
    }

    std::vector<std::shared_ptr<const key_set>> sets;
    std::string errors;
    for (const auto& u : rec->urls) {
      std::string err;
      if (auto ks = ensure(*u, kid_known ? std::string_view() : kid, err))
        sets.push_back(std::move(ks));
      else
        errors += (errors.empty() ? "" : "; ") + err;
    }
    if (sets.empty()) throw repository_unavailable(errors);
    if (!errors.empty() && !kid.empty() &&
        std::none_of(sets.begin(), sets.end(), [&](const auto& ks) { return holds_kid(*ks, kid); }))
      throw repository_unavailable(errors);
    return rec->merged->get(sets, rec->user);
  }

 private:
  using key_set = std::vector<public_key>;

  /// One URL's cache; shared by every user that has the URL.
  struct url_state {
    explicit url_state(std::string u) : url(std::move(u)) {}
    const std::string url;
    std::mutex mu;
    std::condition_variable cv;
    std::shared_ptr<const key_set> keys;  // the last good document's keys; null until one succeeds
    std::string etag;
    std::int64_t fetched_at = 0;
    std::int64_t fresh_until = 0;
    std::int64_t lifetime = 0;  // of the cached document, reused by a 304 that carries no Cache-Control
    std::int64_t last_attempt = 0;
    bool attempted = false;
    bool fetching = false;
    std::uint64_t generation = 0;  // completed fetches (waiters watch it)
    std::uint64_t fetches = 0;
    std::string last_error;
    std::vector<std::string> skipped_keys;  // of the cached document
  };

  /// The union of a user's key sets, rebuilt only when one of the sets changed.
  class merged_keys {
   public:
    std::shared_ptr<const entry> get(const std::vector<std::shared_ptr<const key_set>>& sets,
                                     const User& user) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!merged_ || sets != sources_) {
        auto e = std::make_shared<entry>();
        e->user = user;
        for (const auto& ks : sets)
          for (const auto& k : *ks) detail::merge_key(e->keys, k);
        merged_ = std::move(e);
        sources_ = sets;
      }
      return merged_;
    }

   private:
    std::mutex mu_;
    std::vector<std::shared_ptr<const key_set>> sources_;
    std::shared_ptr<const entry> merged_;
  };

  /// One user, immutable once published (a change publishes a new record).
  struct record {
    std::vector<std::shared_ptr<url_state>> urls;
    User user{};
    std::shared_ptr<merged_keys> merged = std::make_shared<merged_keys>();
  };

  struct state {
    state(fetch_function f, jwks_url_options o, Clock c)
        : fetch(std::move(f)), opt(std::move(o)), clock(std::move(c)) {}
    const fetch_function fetch;
    const jwks_url_options opt;
    const Clock clock;
    mutable std::shared_mutex mu;
    std::map<std::string, std::shared_ptr<const record>, std::less<>> users;
    std::map<std::string, std::weak_ptr<url_state>, std::less<>> url_states;
  };

  /// The outcome of one fetch, computed without locks.
  struct outcome {
    bool ok = false;
    bool not_modified = false;
    std::shared_ptr<const key_set> keys;
    std::string etag;
    std::optional<std::int64_t> lifetime;  // unset: a 304 without Cache-Control, keep the stored one
    std::string error;
    std::vector<std::string> skipped;  // keys of the new document that were skipped
  };

  template <class Fetcher>
  static fetch_function wrap(Fetcher f) {
    static_assert(
        is_jwks_fetcher<Fetcher>::value,
        "Fetcher needs `ajwt::fetch_result fetch(const ajwt::fetch_request&)`, or must be callable as "
        "`ajwt::fetch_result(const ajwt::fetch_request&)`");
    if constexpr (has_fetch_member<Fetcher>::value) {
      return [f = std::move(f)](const fetch_request& r) mutable -> fetch_result { return f.fetch(r); };
    } else {
      return fetch_function(std::move(f));
    }
  }

  static jwks_url_options check(jwks_url_options o) {
    auto fail = [](const char* field, const char* problem) {
      throw config_error(std::string("jwks_url_options.") + field, problem);
    };
    if (o.min_max_age.count() < 0) fail("min_max_age", "must not be negative");
    if (o.max_max_age < o.min_max_age) fail("max_max_age", "must not be less than min_max_age");
    if (o.default_max_age < o.min_max_age || o.default_max_age > o.max_max_age)
      fail("default_max_age", "must lie between min_max_age and max_max_age");
    if (o.refresh_cooldown.count() < 0) fail("refresh_cooldown", "must not be negative");
    if (o.max_stale.count() < 0) fail("max_stale", "must not be negative");
    if (o.fetch_timeout.count() <= 0) fail("fetch_timeout", "must be positive");
    if (o.connect_timeout.count() <= 0) fail("connect_timeout", "must be positive");
    if (o.max_document_bytes == 0 || o.max_document_bytes > max_key_text_bytes)
      fail("max_document_bytes", "must lie between 1 and ajwt::max_key_text_bytes");
    return o;
  }

  static bool holds_kid(const key_set& ks, std::string_view kid) noexcept {
    return std::any_of(ks.begin(), ks.end(), [&](const public_key& k) { return k.matches_kid(kid); });
  }

  /// Publishes a changed copy of a user's record (a new one when `create` is set and there is none).
  template <class F>
  void update(const std::string& username, bool create, F&& change) {
    if (username.empty()) throw config_error("username", "must not be empty");
    std::unique_lock<std::shared_mutex> lock(s_->mu);
    auto it = s_->users.find(username);
    if (it == s_->users.end() && !create) return;
    auto next = std::make_shared<record>();
    if (it != s_->users.end()) {
      next->urls = it->second->urls;
      next->user = it->second->user;
    }
    change(*next);
    s_->users[username] = std::move(next);
    prune_urls();
  }

  /// The shared cache of `url`, made when no user has it yet. Called with s_->mu held exclusively.
  std::shared_ptr<url_state> url_state_for(const std::string& url) {
    auto& weak = s_->url_states[url];
    auto u = weak.lock();
    if (!u) weak = u = std::make_shared<url_state>(url);
    return u;
  }

  /// Forgets caches no user holds any more. Called with s_->mu held exclusively.
  void prune_urls() {
    for (auto it = s_->url_states.begin(); it != s_->url_states.end();)
      it = it->second.expired() ? s_->url_states.erase(it) : std::next(it);
  }

  /// The keys of one URL to serve now, fetching first when the rules say so; nullptr (with `err` set)
  /// when it must fail closed. `kid` is empty unless it names no key the user holds.
  std::shared_ptr<const key_set> ensure(url_state& u, std::string_view kid, std::string& err) const {
    const auto& opt = s_->opt;
    std::unique_lock<std::mutex> lock(u.mu);
    bool tried = false;  // this call fetched or waited for a fetch already: never again
    for (;;) {
      const std::int64_t now = s_->clock.now();
      const bool have = u.keys != nullptr;
      const bool fresh = have && now >= u.fetched_at && now < u.fresh_until;
      const bool usable = have && now < detail::jwks::saturating_add(u.fresh_until, opt.max_stale.count());
      const bool kid_known = kid.empty() || (have && holds_kid(*u.keys, kid));
      if (fresh && kid_known) return u.keys;
      if (u.fetching) {
        if (usable && kid_known) return u.keys;  // expired but usable: serve while another thread refreshes
        if (!tried) {
          tried = true;
          const auto gen = u.generation;
          u.cv.wait_for(lock, opt.fetch_timeout, [&] { return u.generation != gen; });
          continue;
        }
        if (usable) return u.keys;
        err = describe(u, now, "no usable keys while a fetch is still in flight");
        return nullptr;
      }
      const bool cooled =
          !u.attempted || now < u.last_attempt || now - u.last_attempt >= opt.refresh_cooldown.count();
      if (tried || !cooled) {
        if (usable) return u.keys;
        err = describe(u, now,
                       have ? "the keys are stale beyond jwks_url_options.max_stale" : "no keys fetched yet");
        return nullptr;
      }
      tried = true;
      u.fetching = true;
      u.attempted = true;
      u.last_attempt = now;
      ++u.fetches;
      fetch_request req;
      req.url = u.url;
      if (have) req.if_none_match = u.etag;
      req.connect_timeout = opt.connect_timeout;
      req.timeout = opt.fetch_timeout;
      req.max_bytes = opt.max_document_bytes;
      req.allow_http = opt.allow_http;
      lock.unlock();
      outcome out = run_fetch(req);
      lock.lock();
      apply(u, std::move(out), s_->clock.now());
      u.fetching = false;
      ++u.generation;
      u.cv.notify_all();
    }
  }

  /// Fetches and parses one document. Never throws: every failure becomes outcome::error.
  outcome run_fetch(const fetch_request& req) const noexcept {
    outcome out;
    try {
      fetch_result r = s_->fetch(req);
      if (!r.error.empty()) {
        out.error = "fetch failed: " + r.error;
      } else if (r.status == 304 && !req.if_none_match.empty()) {
        out.ok = out.not_modified = true;
      } else if (r.status != 200) {
        out.error = "fetch failed: HTTP status " + std::to_string(r.status);
      } else if (r.body.size() > req.max_bytes) {
        out.error = "fetch failed: the document is larger than " + std::to_string(req.max_bytes) + " bytes";
      } else {
        out.keys = std::make_shared<const key_set>(load_jwks(r.body, &out.skipped, req.url));
        out.ok = true;
        if (s_->opt.on_skipped_key) {
          for (const auto& line : out.skipped) {
            try {
              s_->opt.on_skipped_key(req.url, line);
            } catch (...) {
              // A logging callback must not change the outcome.
            }
          }
        }
      }
      if (out.ok) {
        out.etag = std::move(r.etag);
        // RFC 9111 section 4.3.4: a 304's caching headers update the stored response's; none, none.
        if (!out.not_modified || r.max_age || r.no_cache) out.lifetime = lifetime(r);
      }
    } catch (const std::exception& e) {
      out = outcome();
      out.error = std::string("fetch failed: ") + e.what();
    } catch (...) {
      out = outcome();
      out.error = "fetch failed: unknown exception from the fetcher";
    }
    return out;
  }

  /// Freshness lifetime of a response, in seconds, under the options' bounds.
  std::int64_t lifetime(const fetch_result& r) const noexcept {
    const auto& opt = s_->opt;
    const std::int64_t lo = opt.min_max_age.count(), hi = opt.max_max_age.count();
    if (r.no_cache) return lo;
    if (!r.max_age) return opt.default_max_age.count();
    return std::clamp(*r.max_age - std::max<std::int64_t>(0, r.age), lo, hi);
  }

  static void apply(url_state& u, outcome out, std::int64_t now) {
    if (!out.ok) {
      u.last_error = std::move(out.error);
      return;
    }
    if (!out.not_modified) {
      u.keys = std::move(out.keys);
      u.etag = std::move(out.etag);
      u.skipped_keys = std::move(out.skipped);
    } else if (!out.etag.empty()) {
      u.etag = std::move(out.etag);
    }
    if (out.lifetime) u.lifetime = *out.lifetime;
    u.fetched_at = now;
    u.fresh_until = detail::jwks::saturating_add(now, u.lifetime);
    u.last_error.clear();
  }

  std::string describe(const url_state& u, std::int64_t now, const char* what) const {
    std::string m = "ajwt: JWKS " + u.url + ": " + what;
    if (u.keys) m += " (expired " + std::to_string(now - u.fresh_until) + " s ago)";
    if (!u.last_error.empty()) m += "; last " + u.last_error;
    return m;
  }

  std::shared_ptr<state> s_;
};

AJWT_NAMESPACE_END

#endif  // AJWT_REPOSITORY_JWKS_URL_HPP
