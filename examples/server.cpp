// SPDX-License-Identifier: ISC
// server: an HTTP service on 127.0.0.1 that protects /whoami with ajwt::verifier.
//
//   server [--port N] [--authorized-keys FILE]... [--jwks USER=FILE|URL]... [--allow-http-jwks]
//          [--jwks-cooldown SECONDS] [--signing-key FILE]... [--tolerance SECONDS] [--audience AUD]...
//          [--origin URL] [--no-require-binding] [--redis URL]
//
//   --port N               0 (the default) picks a free port. Once listening, the server prints
//                          "listening on http://127.0.0.1:PORT" on stdout (flushed), so scripts can read it.
//   --authorized-keys FILE "USERNAME KEYTYPE BASE64 [COMMENT]" lines (OpenSSH public keys), repeatable.
//   --jwks USER=FILE       every key of a JWKS document is registered for USER, repeatable.
//   --jwks USER=URL        USER's keys are those published at this https:// URL (another service's
//                          /.well-known/jwks.json, say): fetched when USER's first token arrives, cached
//                          under the HTTP caching rules, fetched again for a kid the cache lacks, so the
//                          service's key rotations are followed without a restart (docs/jwks.md).
//                          Repeatable, also for one user, and combinable with the options above.
//   --allow-http-jwks      also accept http:// JWKS URLs (tests on loopback: without TLS anyone on the path
//                          could swap the keys).
//   --jwks-cooldown SECONDS  at most one fetch of a JWKS URL per this time (default 30), whatever starts it.
//   --signing-key FILE     a key (private or public) whose public JWK is served at /.well-known/jwks.json,
//                          as the Python library's JWKS endpoint serves its SIGNING_PUBLIC_KEYS. Repeatable.
//   --tolerance SECONDS    accepted distance between the token's `time` and the server clock (default 20).
//   --audience AUD         a name this service answers to: a token with `aud` must name one of them
//                          (repeatable; without it, tokens carrying `aud` are refused).
//   --origin URL           scheme://host[:port] the clients call this server at (default
//                          http://127.0.0.1:PORT): the URL a bound token must name is this origin followed
//                          by the request target. Replicas behind one load balancer share its origin.
//   --no-require-binding   also accept tokens not bound to the request (clients of the original Python
//                          library, which binds nothing). Bound tokens are checked either way.
//   --redis URL            keep nonces in this Redis (redis://host:port[/db], unix:///path) so that
//                          replicas sharing it refuse each other's replays; default: in this process.
//
// GET and POST /whoami answer 200 "hello USERNAME\n" to a valid "Authorization: JWT <token>" bound to the
// request actually received (method, origin + request target, body: docs/binding.md), and otherwise 401
// "unauthorized\n" with "WWW-Authenticate: JWT": the client learns nothing about why. The reason goes to
// the log on stderr, one line per request: "accepted USERNAME" or "rejected REASON: detail".
//
// SIGTERM or SIGINT stops the server cleanly (exit status 0). Exit status 2: bad arguments or key files;
// 1: the port could not be bound.
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <httplib.h>

#include <ajwt/ajwt.hpp>
#include <ajwt/repository/combined.hpp>
#include <ajwt/repository/jwks_url.hpp>
// AJWT_EXAMPLE_HAVE_REDIS: 1 when examples/CMakeLists.txt found ajwt::redis (hiredis), for --redis.
#if AJWT_EXAMPLE_HAVE_REDIS
#include <ajwt/nonce/redis.hpp>
#endif
// AJWT_EXAMPLE_HAVE_CURL: 1 when examples/CMakeLists.txt found ajwt::curl (libcurl), for --jwks USER=URL.
#if AJWT_EXAMPLE_HAVE_CURL
#include <ajwt/repository/curl_fetcher.hpp>
#endif

namespace {

struct options {
  int port = 0;
  std::vector<std::string> authorized_keys_files;
  std::vector<std::pair<std::string, std::string>> jwks_files;  // (username, file)
  std::vector<std::pair<std::string, std::string>> jwks_urls;   // (username, http(s) URL)
  bool allow_http_jwks = false;
  std::int64_t jwks_cooldown = 30;
  std::vector<std::string> signing_key_files;
  std::int64_t tolerance = 20;
  std::vector<std::string> audiences;
  std::string origin;  // empty: http://127.0.0.1:PORT
  bool require_binding = true;
  std::string redis_url;  // empty: the memory nonce store
};

// With a problem: prints it and the usage on stderr, exits 2. Without (--help): the usage on stdout, exits 0.
[[noreturn]] void usage(const std::string& problem = {}) {
  auto& out = problem.empty() ? std::cout : std::cerr;
  if (!problem.empty()) out << "server: " << problem << "\n";
  out << "usage: server [--port N] [--authorized-keys FILE]... [--jwks USER=FILE|URL]...\n"
      << "              [--allow-http-jwks] [--jwks-cooldown SECONDS] [--signing-key FILE]...\n"
      << "              [--tolerance SECONDS] [--audience AUD]... [--origin URL] [--no-require-binding]\n"
      << "              [--redis URL]\n";
  std::exit(problem.empty() ? 0 : 2);
}

// Whether `text` starts with `scheme_prefix` ("http://", "https://"), the scheme in any case.
bool is_url(const std::string& text, std::string_view scheme_prefix) {
  if (text.size() < scheme_prefix.size()) return false;
  for (std::size_t i = 0; i < scheme_prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != scheme_prefix[i]) return false;
  return true;
}

long parse_number(const std::string& flag, const std::string& text, long min, long max) {
  try {
    std::size_t used = 0;
    const long v = std::stol(text, &used);
    if (used == text.size() && v >= min && v <= max) return v;
  } catch (const std::exception&) {
  }
  usage(flag + " needs a number from " + std::to_string(min) + " to " + std::to_string(max) + ", not \"" +
        text + "\"");
}

options parse_options(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") usage();
    if (flag == "--no-require-binding") {
      o.require_binding = false;
      continue;
    }
    if (flag == "--allow-http-jwks") {
      o.allow_http_jwks = true;
      continue;
    }
    if (i + 1 >= argc) usage("unknown option or missing value: " + flag);
    const std::string value = argv[++i];
    if (flag == "--port") {
      o.port = static_cast<int>(parse_number(flag, value, 0, 65535));
    } else if (flag == "--authorized-keys") {
      o.authorized_keys_files.push_back(value);
    } else if (flag == "--jwks") {
      const auto eq = value.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == value.size())
        usage("--jwks needs USER=FILE or USER=URL");
      std::string where = value.substr(eq + 1);
      if (is_url(where, "http://") || is_url(where, "https://"))
        o.jwks_urls.emplace_back(value.substr(0, eq), std::move(where));
      else
        o.jwks_files.emplace_back(value.substr(0, eq), std::move(where));
    } else if (flag == "--jwks-cooldown") {
      o.jwks_cooldown = parse_number(flag, value, 0, 86400);
    } else if (flag == "--signing-key") {
      o.signing_key_files.push_back(value);
    } else if (flag == "--tolerance") {
      o.tolerance = parse_number(flag, value, 0, 86400);
    } else if (flag == "--audience") {
      if (value.empty()) usage("--audience must not be empty");
      o.audiences.push_back(value);
    } else if (flag == "--origin") {
      // scheme://host[:port] alone: no path, query or fragment (a trailing '/' is dropped).
      o.origin = value;
      if (!o.origin.empty() && o.origin.back() == '/') o.origin.pop_back();
      const auto authority = o.origin.find("://");
      const bool bare =
          authority != std::string::npos && o.origin.find_first_of("/?#", authority + 3) == std::string::npos;
      if (!bare || !ajwt::normalize_url(o.origin))
        usage("--origin needs scheme://host[:port], like https://api.example.com, not \"" + value + "\"");
    } else if (flag == "--redis") {
      if (value.empty()) usage("--redis needs a URL, like redis://127.0.0.1:6379");
      o.redis_url = value;
    } else {
      usage("unknown option " + flag);
    }
  }
  if (o.authorized_keys_files.empty() && o.jwks_files.empty() && o.jwks_urls.empty())
    usage("no users: give --authorized-keys FILE or --jwks USER=FILE|URL");
  for (const auto& [user, url] : o.jwks_urls) {
#if !AJWT_EXAMPLE_HAVE_CURL
    usage("--jwks " + url + ": this example was built without libcurl, so it cannot fetch JWKS URLs");
#endif
    if (is_url(url, "http://") && !o.allow_http_jwks)
      usage("--jwks " + url + ": plain http is refused (anyone on the path could swap the keys); " +
            "use https, or --allow-http-jwks for tests on loopback");
  }
  return o;
}

// One log line per request, written whole (handlers run on several threads). Control characters are
// replaced so a crafted username cannot forge extra log lines.
void log_line(std::string line) {
  for (char& c : line)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  line += '\n';
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  std::cerr << line << std::flush;
}

// The users' keys: those registered from files (authorized keys, JWKS documents), then those fetched
// from the users' JWKS URLs (another service's /.well-known/jwks.json, say). A KeyRepository is any type
// with `user_type` and a thread-safe `find(username, kid)` (include/ajwt/key_repository.hpp);
// combined_key_repository asks the URLs only when their answer can matter, so a token whose kid a file
// key matches is verified even while the user's JWKS URL is down. When a fetch fails, the repository
// throws and the verifier rejects the token (key_repository_unavailable, with the URL and the fetch error in
// the detail) — unless the kid is empty and file keys exist, which the verifier then tries.
using user_keys_repository =
    ajwt::combined_key_repository<ajwt::static_key_repository<>, ajwt::jwks_url_key_repository<>>;

// The JWKS URL repository: libcurl fetches (none without libcurl: parse_options refused every URL then).
ajwt::jwks_url_key_repository<> make_url_repository(const options& opt) {
  ajwt::jwks_url_options jopt;
  jopt.allow_http = opt.allow_http_jwks;
  jopt.refresh_cooldown = std::chrono::seconds(opt.jwks_cooldown);
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

// A signing key file may hold the private key (the service signs with it) or only its public half.
ajwt::public_key load_signing_public_key(const std::string& file) {
  try {
    return ajwt::private_key::load_file(file).public_part();
  } catch (const ajwt::key_error&) {
    return ajwt::public_key::load_file(file);
  }
}

// Serves /whoami (and the JWKS document) with `verifier` until SIGTERM or SIGINT (blocked in
// `stop_signals`). Returns the exit status.
template <class Verifier>
int serve(const Verifier& verifier, const options& opt, const std::vector<ajwt::public_key>& signing_keys,
          const sigset_t& stop_signals) {
  httplib::Server http;
  int port = opt.port;
  if (port == 0) {
    port = http.bind_to_any_port("127.0.0.1");
  } else if (!http.bind_to_port("127.0.0.1", port)) {
    port = -1;
  }
  if (port <= 0) {
    std::cerr << "server: cannot listen on 127.0.0.1:" << opt.port << '\n';
    return 1;
  }
  // The URL a request was sent to is the origin clients call this server at plus the request target as
  // received ("/whoami?x=1"): never the Host header, which the client chooses.
  const std::string origin = opt.origin.empty() ? "http://127.0.0.1:" + std::to_string(port) : opt.origin;

  const auto whoami = [&verifier, origin](const httplib::Request& req, httplib::Response& res) {
    ajwt::http_request received;
    received.method = req.method;
    received.url = origin + req.target;
    received.body = req.body;
    // A missing header is verified too (as ""), so it is logged with its reason like any other failure.
    const auto result = verifier.verify_header(req.get_header_value("Authorization"), received);
    if (!result) {
      // The precise reason is for the operator only; the client gets a generic answer.
      log_line("rejected " + std::string(ajwt::to_string(result.reason())) + ": " + result.detail());
      res.status = 401;
      res.set_header("WWW-Authenticate", "JWT");
      res.set_content("unauthorized\n", "text/plain");
      return;
    }
    log_line("accepted " + result->username());
    res.set_content("hello " + result->username() + "\n", "text/plain");
  };
  http.Get("/whoami", whoami);
  http.Post("/whoami", whoami);

  if (!signing_keys.empty()) {
    const std::string jwks = ajwt::make_jwks(signing_keys).dump();
    http.Get("/.well-known/jwks.json", [jwks](const httplib::Request&, httplib::Response& res) {
      res.set_content(jwks, "application/json");
    });
  }

  std::cout << "listening on http://127.0.0.1:" << port << std::endl;  // flushed: a script waits for it

  std::atomic<bool> listen_returned{false};
  std::atomic<bool> signalled{false};
  std::thread watcher([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    signalled = true;
    if (listen_returned) return;  // woken by serve() below: nothing to stop
    // stop() acts only once listen_after_bind() has started; a signal may arrive just before that.
    while (!http.is_running() && !listen_returned) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!listen_returned) http.stop();
  });

  // listen_after_bind() returns true after stop(), false at once on a socket error.
  const bool clean = http.listen_after_bind();
  listen_returned = true;
  if (!signalled) kill(getpid(), SIGTERM);  // returned on its own: wake the watcher, still in sigwait
  watcher.join();
  std::cerr << "server: stopped\n";
  return clean ? 0 : 1;
}

int run(int argc, char** argv) {
  const options opt = parse_options(argc, argv);

  // SIGTERM and SIGINT are blocked before any thread starts (httplib's workers inherit the mask) and
  // taken synchronously by a watcher thread with sigwait: Server::stop() is not async-signal-safe, so it
  // must never run inside a signal handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // The users' keys, and the keys served as this service's JWKS document.
  user_keys_repository users{ajwt::static_key_repository<>(), make_url_repository(opt)};
  std::vector<ajwt::public_key> signing_keys;
  try {
    for (const auto& file : opt.authorized_keys_files) users.first.add_authorized_keys_file(file);
    for (const auto& [user, file] : opt.jwks_files)
      for (const auto& key : ajwt::load_jwks_file(file)) users.first.add(user, key);
    // Only checked here (a malformed URL exits 2); fetched when the user's first token arrives.
    for (const auto& [user, url] : opt.jwks_urls) users.second.add_url(user, url);
    for (const auto& file : opt.signing_key_files) signing_keys.push_back(load_signing_public_key(file));
  } catch (const ajwt::error& e) {  // messages name the file (and line) and what is wrong
    std::cerr << "server: " << e.what() << '\n';
    return 2;
  }
  ajwt::verifier_options vopt;
  vopt.tolerance = opt.tolerance;
  vopt.audiences = opt.audiences;
  vopt.require_binding = opt.require_binding;

  // The verifier every worker thread shares: verify_header is const and thread-safe, and the nonce store
  // records each nonce atomically (a replay sent to two threads, or two replicas sharing Redis, at once is
  // still accepted only once).
  if (!opt.redis_url.empty()) {
#if AJWT_EXAMPLE_HAVE_REDIS
    std::optional<ajwt::redis_nonce_store> store;
    try {
      // The store keeps each nonce for the widest window it serves: at least this server's tolerance.
      ajwt::redis_nonce_store_options ropt;
      ropt.url = opt.redis_url;
      ropt.max_tolerance = std::max<std::int64_t>(opt.tolerance, ropt.max_tolerance);
      store.emplace(ropt);  // checks the URL; connects on first use
    } catch (const ajwt::error& e) {
      std::cerr << "server: " << e.what() << '\n';
      return 2;
    }
    if (!store->ping())  // not fatal: Redis may come up later; meanwhile tokens fail closed
      log_line("server: warning: Redis does not answer yet: " + store->last_error());
    using redis_verifier = ajwt::verifier<user_keys_repository, ajwt::redis_nonce_store>;
    return serve(redis_verifier(users, vopt, *store), opt, signing_keys, stop_signals);
#else
    std::cerr << "server: --redis: this example was built without Redis support (hiredis was not found)\n";
    return 2;
#endif
  }
  // An in-process store keeps each nonce for the widest window it serves: at least this server's tolerance.
  ajwt::memory_nonce_store_options mopt;
  mopt.max_tolerance = std::max<std::int64_t>(opt.tolerance, mopt.max_tolerance);
  return serve(ajwt::verifier<user_keys_repository>(users, vopt, ajwt::memory_nonce_store(mopt)), opt,
               signing_keys, stop_signals);
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
