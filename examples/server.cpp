// SPDX-License-Identifier: ISC
// server: an HTTP service that protects /whoami with ajwt, written as a starting point for a real one.
// Run `server --help` for the options; examples/README.md describes them.
//
// What it shows:
//   - verification installed on a cpp-httplib server in one call (ajwt::http::install_verification,
//     include/ajwt/http/httplib.hpp), bound to the request received: method, origin + target, body;
//   - the users' keys from several sources behind one KeyRepository (key_sources below): authorized-keys
//     and JWKS files, re-read on SIGHUP without dropping a request, JWKS URLs of other services, and a key
//     database (--keys-db: SQLite or PostgreSQL, managed live with `ajwt keys`, with last-used times);
//   - nonces in this process or, shared by replicas, in Redis (--redis): one nonce store is one replay
//     domain, so replicas behind one load balancer must share it;
//   - GET /healthz: 200 "ok" when the nonce store and every key source answer, 503 naming the part that
//     does not;
//   - an access log on stderr, one line per request:
//       2026-01-02T03:04:05Z 127.0.0.1:51234 GET /whoami 200 accepted svc-billing
//       2026-01-02T03:04:05Z 127.0.0.1:51236 GET /whoami 401 rejected nonce_replayed: nonce already used
//       2026-01-02T03:04:05Z 127.0.0.1:51238 GET /whoami 401 rejected: no Authorization header
//     The client only ever gets a plain 401 with "WWW-Authenticate: JWT"; the reason is for the operator.
//   - an exclusive bind (no SO_REUSEPORT: a second server on the same address exits 1 instead of sharing
//     it), a large accept backlog, SIGTERM/SIGINT stopping after the requests in progress are answered.
//
// Exit status: 0 after SIGTERM or SIGINT; 1 when the address cannot be bound; 2 for bad arguments or
// key files.
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <httplib.h>
#include <CLI/CLI.hpp>

#include <ajwt/ajwt.hpp>
#include <ajwt/http/httplib.hpp>
#include <ajwt/repository/jwks_url.hpp>
// AJWT_EXAMPLE_HAVE_REDIS: 1 when examples/CMakeLists.txt found ajwt::redis (hiredis), for --redis.
#if AJWT_EXAMPLE_HAVE_REDIS
#include <ajwt/nonce/redis.hpp>
#endif
// AJWT_EXAMPLE_HAVE_CURL: 1 when examples/CMakeLists.txt found ajwt::curl (libcurl), for --jwks USER=URL.
#if AJWT_EXAMPLE_HAVE_CURL
#include <ajwt/repository/curl_fetcher.hpp>
#endif
// AJWT_EXAMPLE_HAVE_KEYS_DB: 1 when examples/CMakeLists.txt found ajwt::sqlite or ajwt::postgres, for
// --keys-db URL.
#if AJWT_EXAMPLE_HAVE_KEYS_DB
#include <ajwt/repository/sql/open.hpp>
#endif

namespace {

constexpr int exit_bind = 1;
constexpr int exit_usage = 2;

/// A problem with the command line or a key file: printed, then exit 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct options {
  std::string host = "127.0.0.1";  // without brackets
  int port = 8080;
  int backlog = 1024;
  std::vector<std::string> authorized_keys_files;
  std::vector<std::pair<std::string, std::string>> jwks_files;  // (username, file)
  std::vector<std::pair<std::string, std::string>> jwks_urls;   // (username, http(s) URL)
  bool allow_http_jwks = false;
  std::string keys_db;  // sqlite:///path.db or postgresql://... (empty: none)
  std::int64_t jwks_cooldown = 30;
  std::vector<std::string> signing_key_files;
  std::int64_t tolerance = 20;
  std::vector<std::string> audiences;
  std::string origin;  // empty: http://HOST:PORT
  bool require_binding = true;
  std::string redis_url;  // empty: the memory nonce store
};

// ---------------------------------------------------------------------------------------------------------
// The access log and other log lines: one write per line (handlers run on several threads), control
// characters replaced so that a crafted username or path cannot forge log lines.

void log_line(std::string line) {
  for (char& c : line)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  line += '\n';
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  std::cerr << line << std::flush;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  if (std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) return "-";
  return buf;
}

/// The request path for the log, one field: httplib has percent-decoded it, so spaces, control characters,
/// '%' and bytes past ASCII are encoded again (%XX).
std::string log_path(const std::string& path) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : path) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7f || c == '%') {
      out += '%';
      out += hex[b >> 4];
      out += hex[b & 15];
    } else {
      out += c;
    }
  }
  return out;
}

/// "host:port", an IPv6 host in brackets (as in URLs).
std::string host_port(const std::string& host, int port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// ---------------------------------------------------------------------------------------------------------
// The users' keys.

/// A key of a fetched JWKS document that is unusable or outside the policy (RFC 7517 section 5: ignored):
/// the rest of the document is used, and the operator is told which key and why.
void log_skipped_key(const std::string& /*url*/, const std::string& message) {
  log_line(utc_now() + " server: JWKS key skipped: " + message);
}

/// One source of users' keys. find() is a KeyRepository's (include/ajwt/key_repository.hpp): the user's
/// keys, nullptr for a user it does not know, an exception when it cannot answer. reload() re-reads the
/// source on SIGHUP (throwing, with the old keys kept, when it cannot); check() says why the source cannot
/// answer now ("" when it can), for /healthz. All three may run on several threads at once.
///
/// To add a source (a key database, say): implement these, and add it with key_sources::add().
class key_source {
 public:
  virtual ~key_source() = default;
  [[nodiscard]] virtual std::string name() const = 0;
  [[nodiscard]] virtual std::shared_ptr<const ajwt::user_keys<>> find(std::string_view username,
                                                                      std::string_view kid) const = 0;
  virtual void reload() {}
  [[nodiscard]] virtual std::string check() const { return {}; }
  /// Told that `key` of `username` verified a token (a key database records when each key was last used).
  virtual void on_verified(std::string_view /*username*/, const ajwt::public_key& /*key*/) const noexcept {}
};

/// Keys from authorized-keys files and JWKS files, read at start and again on reload(): a new key set is
/// read completely, then swapped in whole, so lookups meanwhile see the old set, never half of the new one,
/// and a file that no longer parses leaves the old set in place.
class file_key_source final : public key_source {
 public:
  file_key_source(std::vector<std::string> authorized_keys_files,
                  std::vector<std::pair<std::string, std::string>> jwks_files)
      : authorized_keys_files_(std::move(authorized_keys_files)), jwks_files_(std::move(jwks_files)) {
    reload();
  }
  [[nodiscard]] std::string name() const override { return "key files"; }
  [[nodiscard]] std::shared_ptr<const ajwt::user_keys<>> find(std::string_view username,
                                                              std::string_view kid) const override {
    return snapshot()->find(username, kid);
  }
  void reload() override {
    auto next = std::make_shared<ajwt::static_key_repository<>>();
    for (const auto& file : authorized_keys_files_) next->add_authorized_keys_file(file);
    for (const auto& [user, file] : jwks_files_)
      for (const auto& key : ajwt::load_jwks_file(file)) next->add(user, key);
    std::lock_guard<std::mutex> lock(mu_);
    keys_ = std::move(next);
  }
  [[nodiscard]] std::size_t users() const { return snapshot()->size(); }

 private:
  std::shared_ptr<const ajwt::static_key_repository<>> snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return keys_;
  }
  std::vector<std::string> authorized_keys_files_;
  std::vector<std::pair<std::string, std::string>> jwks_files_;
  mutable std::mutex mu_;
  std::shared_ptr<const ajwt::static_key_repository<>> keys_;
};

/// Keys other services publish at JWKS URLs (ajwt::jwks_url_key_repository: fetched on first use, cached,
/// refreshed for an unknown kid; docs/jwks.md). Nothing to reload: the cache follows the URLs itself.
class jwks_url_key_source final : public key_source {
 public:
  jwks_url_key_source(const options& opt) : repo_(make_repository(opt)) {
    for (const auto& [user, url] : opt.jwks_urls) {
      repo_.add_url(user, url);  // checks the URL; fetched when the user's first token arrives
      if (std::find(users_.begin(), users_.end(), user) == users_.end()) users_.push_back(user);
    }
  }
  [[nodiscard]] std::string name() const override { return "JWKS URLs"; }
  [[nodiscard]] std::shared_ptr<const ajwt::user_keys<>> find(std::string_view username,
                                                              std::string_view kid) const override {
    return repo_.find(username, kid);
  }
  /// Each user's URLs can serve keys (fetching them when nothing is cached, within the cooldown).
  [[nodiscard]] std::string check() const override {
    for (const auto& user : users_) {
      try {
        const auto keys = repo_.find(user, "");
        if (!keys || keys->keys.empty()) return "no keys for " + user;
      } catch (const std::exception& e) {
        return e.what();
      }
    }
    return {};
  }

 private:
  static ajwt::jwks_url_key_repository<> make_repository(const options& opt) {
    ajwt::jwks_url_options jopt;
    jopt.allow_http = opt.allow_http_jwks;
    jopt.refresh_cooldown = std::chrono::seconds(opt.jwks_cooldown);
    jopt.on_skipped_key = log_skipped_key;
#if AJWT_EXAMPLE_HAVE_CURL
    return ajwt::jwks_url_key_repository<>(ajwt::curl_fetcher{}, jopt);
#else
    return ajwt::jwks_url_key_repository<>(
        [](const ajwt::fetch_request&) {
          ajwt::fetch_result r;
          r.error = "built without libcurl";
          return r;
        },
        jopt);
#endif
  }
  mutable ajwt::jwks_url_key_repository<> repo_;
  std::vector<std::string> users_;
};

#if AJWT_EXAMPLE_HAVE_KEYS_DB
/// Keys in a key database (SQLite or PostgreSQL, managed with `ajwt keys`; docs/keys-db.md). The repository
/// keeps them in memory and follows every change made by anyone within about a second, so nothing needs a
/// reload; it records when each key was last used. While the database is down, users already cached keep
/// working for a while (sql_repository_options::max_stale), others are refused (key_repository_unavailable).
class key_db_key_source final : public key_source {
 public:
  explicit key_db_key_source(const options& opt) : repo_(open(opt)) {}
  [[nodiscard]] std::string name() const override { return "key database"; }
  [[nodiscard]] std::shared_ptr<const ajwt::user_keys<>> find(std::string_view username,
                                                              std::string_view kid) const override {
    return repo_.find(username, kid);
  }
  [[nodiscard]] std::string check() const override {
    return repo_.database_reachable() ? std::string() : std::string("the key database is unreachable");
  }
  void on_verified(std::string_view username, const ajwt::public_key& key) const noexcept override {
    repo_.on_verified(username, key);
  }

 private:
  static ajwt::sql_key_repository open(const options& opt) {
    ajwt::sql_repository_options o;
    o.on_error = [](const std::string& message) { log_line(utc_now() + " server: " + message); };
    o.jwks.allow_http = opt.allow_http_jwks;
    o.jwks.on_skipped_key = log_skipped_key;
#if AJWT_EXAMPLE_HAVE_CURL
    o.jwks_fetcher = [fetcher = ajwt::curl_fetcher{}](const ajwt::fetch_request& r) mutable {
      return fetcher.fetch(r);
    };
#endif
    return ajwt::open_key_repository(opt.keys_db, std::move(o));
  }
  ajwt::sql_key_repository repo_;
};
#endif

/// The KeyRepository the verifier uses: every source in the order added. A user's keys are those of
/// every source that knows the user (a key in several counts once). A source is asked only while its
/// answer can matter: once a source holds a key the token's kid names, the rest are skipped, so a token
/// whose kid a file key matches is verified even while a JWKS URL is down. When a source throws, the keys
/// of the others are served if the kid is empty (the verifier tries each key); otherwise the exception
/// propagates and the verifier rejects with key_repository_unavailable. Copies share the sources.
class key_sources {
 public:
  using user_type = ajwt::no_user;

  void add(std::shared_ptr<key_source> source) { sources_->push_back(std::move(source)); }

  [[nodiscard]] std::shared_ptr<const ajwt::user_keys<>> find(std::string_view username,
                                                              std::string_view kid) const {
    std::shared_ptr<const ajwt::user_keys<>> found;
    std::shared_ptr<ajwt::user_keys<>> merged;
    std::exception_ptr failure;
    for (const auto& source : *sources_) {
      std::shared_ptr<const ajwt::user_keys<>> keys;
      try {
        keys = source->find(username, kid);
      } catch (...) {
        if (!failure) failure = std::current_exception();
        continue;
      }
      if (!keys || keys->keys.empty()) continue;
      if (!found) {
        found = keys;
      } else {
        if (!merged) merged = std::make_shared<ajwt::user_keys<>>(*found);
        for (const auto& k : keys->keys)
          if (std::find(merged->keys.begin(), merged->keys.end(), k) == merged->keys.end())
            merged->keys.push_back(k);
      }
      const auto& now = merged ? merged->keys : found->keys;
      if (!kid.empty() &&
          std::any_of(now.begin(), now.end(), [&](const ajwt::public_key& k) { return k.matches_kid(kid); }))
        break;
    }
    if (merged) found = merged;
    const bool have = found && !found->keys.empty();
    const bool kid_found = have && !kid.empty() &&
                           std::any_of(found->keys.begin(), found->keys.end(),
                                       [&](const ajwt::public_key& k) { return k.matches_kid(kid); });
    if (failure && !kid_found && !(have && kid.empty())) std::rethrow_exception(failure);
    return found;
  }

  /// Passes a verification on to every source (the verifier calls it after accepting a token).
  void on_verified(std::string_view username, const ajwt::public_key& key) const noexcept {
    for (const auto& source : *sources_) source->on_verified(username, key);
  }

  /// Reloads every source; logs what happened. A source that fails keeps its keys.
  void reload() const {
    for (const auto& source : *sources_) {
      try {
        source->reload();
        log_line(utc_now() + " server: reloaded " + source->name());
      } catch (const std::exception& e) {
        log_line(utc_now() + " server: reload of " + source->name() +
                 " failed, keeping the keys read before: " + e.what());
      }
    }
  }

  /// The first source that cannot answer, as (name, why); nullopt when all can.
  [[nodiscard]] std::optional<std::pair<std::string, std::string>> check() const {
    for (const auto& source : *sources_)
      if (auto why = source->check(); !why.empty()) return std::make_pair(source->name(), std::move(why));
    return std::nullopt;
  }

 private:
  std::shared_ptr<std::vector<std::shared_ptr<key_source>>> sources_ =
      std::make_shared<std::vector<std::shared_ptr<key_source>>>();
};

// ---------------------------------------------------------------------------------------------------------
// The command line.

// Whether `text` starts with `scheme_prefix` ("http://", "https://"), the scheme in any case.
bool is_url(const std::string& text, std::string_view scheme_prefix) {
  if (text.size() < scheme_prefix.size()) return false;
  for (std::size_t i = 0; i < scheme_prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != scheme_prefix[i]) return false;
  return true;
}

// "HOST:PORT" or "[IPV6]:PORT".
void parse_listen(const std::string& value, options& o) {
  const auto fail = [&] {
    return usage_error("--listen needs HOST:PORT or [IPV6]:PORT, like 127.0.0.1:8080 or [::1]:8080, not \"" +
                       value + "\"");
  };
  std::string host, port;
  if (!value.empty() && value.front() == '[') {
    const auto close = value.find(']');
    if (close == std::string::npos || close + 1 >= value.size() || value[close + 1] != ':') throw fail();
    host = value.substr(1, close - 1);
    port = value.substr(close + 2);
  } else {
    const auto colon = value.rfind(':');
    if (colon == std::string::npos || value.find(':') != colon) throw fail();
    host = value.substr(0, colon);
    port = value.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos)
    throw fail();
  const long n = std::stol(port);
  if (n > 65535) throw fail();
  o.host = host;
  o.port = static_cast<int>(n);
}

/// Parses the command line; throws usage_error, or returns nullopt after --help (printed).
std::optional<options> parse_options(int argc, char** argv, int& exit_status) {
  options o;
  CLI::App app{
      "An HTTP service protecting GET and POST /whoami with ajwt: 200 \"hello USER\" for an Authorization "
      "header \"JWT <token>\" bound to the request, a plain 401 otherwise (the reason goes to the access log "
      "on stderr). GET /healthz: 200 \"ok\", or 503 naming the part that cannot answer. SIGHUP re-reads the "
      "key files; SIGTERM and SIGINT stop after the requests in progress.",
      "server"};
  app.get_formatter()->column_width(34);
  std::string listen;
  std::optional<int> port;
  std::vector<std::string> jwks;
  app.add_option(
      "--listen", listen,
      "HOST:PORT to listen on, [IPV6]:PORT for IPv6 (default 127.0.0.1:8080; port 0 picks a free one)");
  app.add_option("--port", port, "shorthand for --listen 127.0.0.1:PORT")->check(CLI::Range(0, 65535));
  app.add_option("--backlog", o.backlog, "connections the kernel queues before accept (default 1024)")
      ->check(CLI::Range(1, 65535));
  app.add_option("--authorized-keys", o.authorized_keys_files,
                 "file of \"USERNAME KEYTYPE BASE64 [COMMENT]\" lines (OpenSSH public keys); repeatable; "
                 "re-read on SIGHUP");
  app.add_option(
      "--jwks", jwks,
      "USER=FILE: every key of a JWKS document is USER's (re-read on SIGHUP); USER=URL: USER's keys "
      "are those published at this https:// URL, followed through rotations; repeatable");
  app.add_flag("--allow-http-jwks", o.allow_http_jwks,
               "also accept http:// JWKS URLs (tests on loopback only)");
  app.add_option("--jwks-cooldown", o.jwks_cooldown, "at most one fetch of a JWKS URL per this many seconds")
      ->check(CLI::Range(0, 86400));
  app.add_option(
      "--signing-key", o.signing_key_files,
      "key file (private or public) whose public JWK is served at /.well-known/jwks.json; repeatable");
  app.add_option("--tolerance", o.tolerance,
                 "seconds a token's time may be from the server clock (default 20)")
      ->check(CLI::Range(0, 86400));
  app.add_option("--audience", o.audiences, "a name this service answers to (aud); repeatable");
  app.add_option("--origin", o.origin,
                 "scheme://host[:port] clients call this server at (default http://HOST:PORT); bound tokens "
                 "must name it");
  bool no_binding = false;
  app.add_flag("--no-require-binding", no_binding,
               "also accept tokens not bound to their request (clients of the original Python library)");
  app.add_option("--keys-db", o.keys_db,
                 "also take users' keys from this key database, kept live (sqlite:///path.db, "
                 "postgresql://...; manage it with `ajwt keys`, docs/keys-db.md)")
      ->type_name("URL");
  app.add_option("--redis", o.redis_url,
                 "keep nonces in this Redis (redis://host:port[/db], unix:///path), shared by replicas");
  app.get_option("--port")->excludes(app.get_option("--listen"));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_status = app.exit(e) == 0 ? 0 : exit_usage;  // --help: 0; anything else is a usage error
    return std::nullopt;
  }
  o.require_binding = !no_binding;
  if (port) o.port = *port;
  if (!listen.empty()) parse_listen(listen, o);

  for (const auto& value : jwks) {
    const auto eq = value.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == value.size())
      throw usage_error("--jwks needs USER=FILE or USER=URL, not \"" + value + "\"");
    std::string where = value.substr(eq + 1);
    if (is_url(where, "http://") || is_url(where, "https://"))
      o.jwks_urls.emplace_back(value.substr(0, eq), std::move(where));
    else
      o.jwks_files.emplace_back(value.substr(0, eq), std::move(where));
  }
  for (const auto& a : o.audiences)
    if (a.empty()) throw usage_error("--audience must not be empty");
  if (!o.origin.empty()) {
    // scheme://host[:port] alone: no path, query or fragment (a trailing '/' is dropped).
    const std::string given = o.origin;
    if (o.origin.back() == '/') o.origin.pop_back();
    const auto authority = o.origin.find("://");
    const bool bare =
        authority != std::string::npos && o.origin.find_first_of("/?#", authority + 3) == std::string::npos;
    if (!bare || !ajwt::normalize_url(o.origin))
      throw usage_error("--origin needs scheme://host[:port], like https://api.example.com, not \"" + given +
                        "\"");
  }
  if (app.count("--redis") && o.redis_url.empty())
    throw usage_error("--redis needs a URL, like redis://127.0.0.1:6379");
  if (o.authorized_keys_files.empty() && o.jwks_files.empty() && o.jwks_urls.empty() && o.keys_db.empty())
    throw usage_error(
        "no users: give --authorized-keys FILE, --jwks USER=FILE|URL or --keys-db URL (see --help)");
#if !AJWT_EXAMPLE_HAVE_KEYS_DB
  if (!o.keys_db.empty())
    throw usage_error("--keys-db: this example was built without SQLite or PostgreSQL support");
#endif
  for (const auto& [user, url] : o.jwks_urls) {
#if !AJWT_EXAMPLE_HAVE_CURL
    throw usage_error("--jwks " + url +
                      ": this example was built without libcurl, so it cannot fetch JWKS URLs");
#endif
    if (is_url(url, "http://") && !o.allow_http_jwks)
      throw usage_error("--jwks " + url +
                        ": plain http is refused (anyone on the path could swap the keys); " +
                        "use https, or --allow-http-jwks for tests on loopback");
  }
  return o;
}

// A signing key file may hold the private key (the service signs with it) or only its public half.
ajwt::public_key load_signing_public_key(const std::string& file) {
  try {
    return ajwt::private_key::load_file(file).public_part();
  } catch (const ajwt::key_error&) {
    return ajwt::public_key::load_file(file);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Serving.

/// What the nonce store says about itself for /healthz: "" when it answers.
struct nonce_health {
  std::string name;
  std::function<std::string()> check;
};

/// Why /healthz said 503, for the access log line of that request (set and read on its thread).
thread_local std::string health_note;

/// Serves until SIGTERM or SIGINT; SIGHUP reloads the key files. All three are blocked in every thread
/// and taken by a watcher thread with sigwait: httplib's stop() and the reload are not async-signal-safe.
/// Returns the exit status.
template <class Verifier>
int serve(const Verifier& verifier, const key_sources& sources, const nonce_health& nonces,
          const options& opt, const std::vector<ajwt::public_key>& signing_keys, const sigset_t& signals) {
  httplib::Server http;
  // Exclusive bind: SO_REUSEADDR (a restart may bind while old connections are in TIME_WAIT) but not
  // httplib's default SO_REUSEPORT, with which a second server would silently share the port.
  int listen_fd = -1;
  http.set_socket_options([&listen_fd](int fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd = fd;
  });
  int port = opt.port;
  if (port == 0) {
    port = http.bind_to_any_port(opt.host);
  } else if (!http.bind_to_port(opt.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    std::cerr << "server: cannot listen on " << host_port(opt.host, opt.port)
              << ": the address is taken or not this machine's\n";
    return exit_bind;
  }
  // httplib listens with a backlog of 5; listen() again on the bound socket raises it (the kernel caps it
  // at net.core.somaxconn).
  if (listen_fd >= 0 && ::listen(listen_fd, opt.backlog) != 0)
    log_line("server: warning: cannot raise the accept backlog to " + std::to_string(opt.backlog));

  const std::string self = host_port(opt.host, port);
  // The URL a request was sent to is the origin clients call this server at plus the request target as
  // received ("/whoami?x=1"): never the Host header, which the client chooses.
  ajwt::http::httplib_options hopt;
  hopt.origin = opt.origin.empty() ? "http://" + self : opt.origin;
  hopt.protect = [](const httplib::Request& req) {
    return req.path == "/whoami" && (req.method == "GET" || req.method == "POST");
  };
  const auto auth = ajwt::http::install_verification(http, verifier, hopt);

  const auto whoami = [auth](const httplib::Request& req, httplib::Response& res) {
    const auto* token = auth.require(req, res);  // nullptr: res is the 401 already
    if (!token) return;
    res.set_content("hello " + token->username() + "\n", "text/plain");
  };
  http.Get("/whoami", whoami);
  http.Post("/whoami", whoami);

  http.Get("/healthz", [&sources, &nonces](const httplib::Request&, httplib::Response& res) {
    health_note.clear();
    std::string failing, why;
    if (auto problem = nonces.check(); !problem.empty()) {
      failing = "nonce store (" + nonces.name + ")";
      why = std::move(problem);
    } else if (auto source = sources.check()) {
      failing = "key source (" + source->first + ")";
      why = std::move(source->second);
    }
    if (failing.empty()) {
      res.set_content("ok\n", "text/plain");
      return;
    }
    health_note = "unavailable: " + failing + ": " + why;  // the details go to the log only
    res.status = 503;
    res.set_content("unavailable: " + failing + "\n", "text/plain");
  });

  if (!signing_keys.empty()) {
    const std::string jwks = ajwt::make_jwks(signing_keys).dump();
    http.Get("/.well-known/jwks.json", [jwks](const httplib::Request&, httplib::Response& res) {
      res.set_content(jwks, "application/json");
    });
  }

  // The access log: written after the response (httplib calls its logger then), on the request's thread.
  http.set_logger([auth](const httplib::Request& req, const httplib::Response& res) {
    std::string line = utc_now() + ' ' + host_port(req.remote_addr, req.remote_port) + ' ' + req.method +
                       ' ' + log_path(req.path) + ' ' + std::to_string(res.status) + ' ';
    const auto o = auth.outcome(req);
    using status = ajwt::http::httplib_outcome::status;
    switch (o.state) {
      case status::accepted: line += "accepted " + o.username; break;
      case status::rejected:
        line += "rejected " + std::string(ajwt::to_string(*o.why)) + ": " + o.detail;
        break;
      case status::no_header: line += "rejected: no Authorization header"; break;
      default: line += req.path == "/healthz" && !health_note.empty() ? health_note : std::string("-"); break;
    }
    health_note.clear();
    log_line(std::move(line));
  });

  std::cout << "listening on http://" << self << std::endl;  // flushed: a script waits for it

  std::atomic<bool> listen_returned{false};
  std::thread watcher([&] {
    for (;;) {
      int sig = 0;
      sigwait(&signals, &sig);
      if (sig == SIGHUP) {
        if (listen_returned) return;
        sources.reload();  // requests go on meanwhile, with the keys read before
        continue;
      }
      if (listen_returned) return;  // woken by serve() below: nothing to stop
      // stop() acts only once listen_after_bind() has started; a signal may arrive just before that.
      while (!http.is_running() && !listen_returned)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      // Closes the listening socket; the requests in progress are answered, then the workers end.
      if (!listen_returned) http.stop();
      return;
    }
  });

  // listen_after_bind() returns true after stop() (once the workers are done), false on a socket error.
  const bool clean = http.listen_after_bind();
  listen_returned = true;
  // Returned on its own (or after stop()): wake the watcher if it still waits; SIGHUP, because it checks
  // listen_returned first for that one too.
  pthread_kill(watcher.native_handle(), SIGHUP);
  watcher.join();
  log_line("server: stopped");
  return clean ? 0 : 1;
}

int run(int argc, char** argv) {
  int exit_status = 0;
  std::optional<options> parsed;
  try {
    parsed = parse_options(argc, argv, exit_status);
  } catch (const usage_error& e) {
    std::cerr << "server: " << e.what() << '\n';
    return exit_usage;
  }
  if (!parsed) return exit_status;
  const options& opt = *parsed;

  // SIGTERM, SIGINT and SIGHUP are blocked before any thread starts (httplib's workers inherit the
  // mask) and taken synchronously by the watcher thread in serve().
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // The users' keys, and the keys served as this service's JWKS document.
  key_sources sources;
  std::vector<ajwt::public_key> signing_keys;
  try {
    if (!opt.authorized_keys_files.empty() || !opt.jwks_files.empty()) {
      auto files = std::make_shared<file_key_source>(opt.authorized_keys_files, opt.jwks_files);
      if (files->users() == 0)
        log_line(
            "server: warning: the key files hold no user: every token is refused until SIGHUP reloads them");
      sources.add(std::move(files));
    }
    if (!opt.jwks_urls.empty()) sources.add(std::make_shared<jwks_url_key_source>(opt));
#if AJWT_EXAMPLE_HAVE_KEYS_DB
    if (!opt.keys_db.empty()) sources.add(std::make_shared<key_db_key_source>(opt));
#endif
    for (const auto& file : opt.signing_key_files) signing_keys.push_back(load_signing_public_key(file));
  } catch (const ajwt::error& e) {  // messages name the file (and line) and what is wrong
    std::cerr << "server: " << e.what() << '\n';
    return exit_usage;
  }
  ajwt::verifier_options vopt;
  vopt.tolerance = opt.tolerance;
  vopt.audiences = opt.audiences;
  vopt.require_binding = opt.require_binding;
  // A nonce store keeps each nonce as long as the widest window it serves (the verifier refuses a store
  // that keeps them for less than its tolerance).
  const std::int64_t max_tolerance = std::max<std::int64_t>(opt.tolerance, 60);

  // One verifier serves every worker thread: verify_header is const and thread-safe, and the nonce store
  // records each nonce atomically (a replay sent to two threads, or two replicas sharing Redis, at once is
  // still accepted only once).
  if (!opt.redis_url.empty()) {
#if AJWT_EXAMPLE_HAVE_REDIS
    std::optional<ajwt::redis_nonce_store> store;
    try {
      ajwt::redis_nonce_store_options ropt;
      ropt.url = opt.redis_url;
      ropt.max_tolerance = max_tolerance;
      store.emplace(ropt);  // checks the URL; connects on first use
    } catch (const ajwt::error& e) {
      std::cerr << "server: " << e.what() << '\n';
      return exit_usage;
    }
    if (!store->ping())  // not fatal: Redis may come up later; meanwhile tokens fail closed
      log_line("server: warning: Redis does not answer yet: " + store->last_error());
    // Copies of the store share its connections: this one answers /healthz.
    const nonce_health health{
        "redis", [probe = *store]() mutable { return probe.ping() ? std::string() : probe.last_error(); }};
    using redis_verifier = ajwt::verifier<key_sources, ajwt::redis_nonce_store>;
    return serve(redis_verifier(sources, vopt, *store), sources, health, opt, signing_keys, signals);
#else
    std::cerr << "server: --redis: this example was built without Redis support (hiredis was not found)\n";
    return exit_usage;
#endif
  }
  const nonce_health health{"memory", [] { return std::string(); }};
  ajwt::memory_nonce_store store(ajwt::memory_nonce_store_options{max_tolerance});
  return serve(ajwt::verifier<key_sources>(sources, vopt, store), sources, health, opt, signing_keys,
               signals);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // not expected: out of memory, no thread could be started...
    std::cerr << "server: " << e.what() << '\n';
    return 1;
  }
}
