// SPDX-License-Identifier: ISC
#include "verify_command.hpp"

#include "db_commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <ajwt/clock.hpp>
#include <ajwt/detail/json.hpp>
#include <ajwt/nonce/memory.hpp>
#include <ajwt/repository/authorized_keys.hpp>
#include <ajwt/repository/combined.hpp>
#include <ajwt/repository/jwks_url.hpp>
#include <ajwt/repository/static.hpp>
#include <ajwt/request.hpp>
#include <ajwt/verifier.hpp>
#include <nlohmann/json.hpp>

// AJWT_CLI_HAVE_REDIS: 1 when tools/ajwt/CMakeLists.txt found ajwt::redis (hiredis), for --redis.
#if AJWT_CLI_HAVE_REDIS
#include <ajwt/nonce/redis.hpp>
#endif
// AJWT_CLI_HAVE_CURL: 1 when tools/ajwt/CMakeLists.txt found ajwt::curl (libcurl), for --jwks USER=URL.
#if AJWT_CLI_HAVE_CURL
#include <ajwt/repository/curl_fetcher.hpp>
#endif

namespace ajwt_cli {

namespace {

/// The verifier's clock: pinned to --now for every time check (time, exp, nbf) when given, else the system
/// clock.
struct pinnable_clock {
  std::optional<ajwt::fixed_clock> pinned;
  [[nodiscard]] std::int64_t now() const noexcept {
    return pinned ? pinned->now() : ajwt::system_clock().now();
  }
};

/// Keys from files (--user-key, --authorized-keys, --jwks USER=FILE) first, then those fetched from
/// --jwks USER=URL, then those of --keys-db, for the same user or for others.
using repository = ajwt::combined_key_repository<
    ajwt::combined_key_repository<ajwt::static_key_repository<>, ajwt::jwks_url_key_repository<>>,
    optional_key_db>;
/// The verifier of `verify`, over the nonce store chosen by --redis (memory by default).
template <class NonceStore>
using cli_verifier = ajwt::verifier<repository, NonceStore, pinnable_clock>;

struct verify_options {
  std::vector<std::string> user_keys;
  std::vector<std::string> authorized_keys;
  std::vector<std::string> jwks;
  bool allow_http_jwks = false;
  std::optional<std::int64_t> jwks_timeout_ms;
  std::int64_t tolerance = 20;
  std::optional<std::int64_t> now;
  std::string scheme{ajwt::default_scheme};
  std::vector<std::string> audiences;
  bool require_audience = false;
  std::size_t max_token_bytes = ajwt::default_max_token_bytes;
  std::vector<std::string> allow_algs;
  request_options binding;  ///< the request every header is checked against (docs/binding.md)
  bool require_binding = false;
  std::optional<std::string> redis_url;
  std::optional<std::string> keys_db;
  bool verbose = false;
  bool json = false;
  std::vector<std::string> headers;
};

/// What the verifier's observer saw of the last header: with --json, a rejection reports the claimed
/// (unverified) username and kid when the token could be read that far.
struct observed {
  std::optional<std::string> username;
  std::optional<std::string> kid;
};

/// `s` made safe to print as part of one output line: control characters become '?'.
std::string one_line(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

/// Splits "USER=FILE" (spelled `form` in messages) at the first '='; both parts must be non-empty.
std::pair<std::string, std::string> split_user_file(const std::string& value, const char* option,
                                                    const char* form) {
  const auto eq = value.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == value.size())
    throw usage_error(std::string(option) + ": expected " + form + ", got \"" + value + "\"");
  return {value.substr(0, eq), value.substr(eq + 1)};
}

/// True when a --jwks value names a URL rather than a file: it starts with http:// or https://
/// (scheme in any case).
bool is_jwks_url(std::string_view location) {
  const auto starts_with = [&](std::string_view prefix) {
    return location.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), location.begin(), [](char p, char c) {
             return p == (c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
           });
  };
  return starts_with("http://") || starts_with("https://");
}

/// The repository of the --jwks URLs: fetched with libcurl, under the options given on the command line.
ajwt::jwks_url_key_repository<> make_url_repository(const verify_options& o) {
  ajwt::jwks_url_options options;
  options.allow_http = o.allow_http_jwks;
  // A key the document holds but ajwt cannot use is skipped; say so on stderr, always: otherwise a
  // publisher's new key that is refused would look like a client problem.
  options.on_skipped_key = [](const std::string& /*url*/, const std::string& message) {
    std::cerr << "ajwt verify: JWKS key skipped: " << one_line(message) << "\n";
  };
  if (o.jwks_timeout_ms) {
    options.fetch_timeout = std::chrono::milliseconds(*o.jwks_timeout_ms);
    options.connect_timeout = std::min(options.connect_timeout, options.fetch_timeout);
  }
#if AJWT_CLI_HAVE_CURL
  return ajwt::jwks_url_key_repository<>(ajwt::curl_fetcher{}, options);
#else
  // Never called: load_keys refuses every URL first. The repository still needs a fetcher.
  return ajwt::jwks_url_key_repository<>(
      [](const ajwt::fetch_request&) {
        ajwt::fetch_result r;
        r.error = "this ajwt was built without libcurl";
        return r;
      },
      options);
#endif
}

/// Loads every key source into one repository. Throws (naming the option, file and line) on any mistake.
/// A --jwks URL is only checked here; it is fetched when the first token of its user arrives.
repository load_keys(const verify_options& o) {
  if (o.user_keys.empty() && o.authorized_keys.empty() && o.jwks.empty() && !o.keys_db)
    throw usage_error(
        "verify needs at least one key source: --user-key USER=KEYFILE, --authorized-keys FILE, "
        "--jwks USER=FILE|URL or --keys-db URL");
  repository all{{ajwt::static_key_repository<>(), make_url_repository(o)}, {}};
  if (o.keys_db) all.second = open_verify_key_db(*o.keys_db, o.allow_http_jwks);
  auto& keys = all.first;
  const passphrase_source pass({}, /*offers_option=*/false);
  for (const auto& value : o.user_keys) {
    const auto [user, path] = split_user_file(value, "--user-key", "USER=KEYFILE");
    keys.first.add(user, load_public_from_any(path, pass));
  }
  for (const auto& path : o.authorized_keys) {
    const auto entries = ajwt::parse_authorized_keys(read_text_file(path), path);
    if (entries.empty())
      std::cerr << "ajwt verify: warning: " << one_line(path)
                << " holds no keys (only blank or comment lines), so no user can log in with it\n";
    for (const auto& [user, key] : entries) keys.first.add(user, key);
  }
  for (const auto& value : o.jwks) {
    const auto [user, location] = split_user_file(value, "--jwks", "USER=FILE or USER=URL");
    if (is_jwks_url(location)) {
#if !AJWT_CLI_HAVE_CURL
      throw usage_error("--jwks " + one_line(location) +
                        ": this ajwt was built without libcurl, so it cannot fetch JWKS URLs (save the "
                        "document and give USER=FILE)");
#endif
      const bool plain_http = location[4] == ':';  // "http:" rather than "https"
      if (plain_http && !o.allow_http_jwks)
        throw usage_error("--jwks " + one_line(location) +
                          ": plain http is refused (anyone on the path could swap the keys); use https, or "
                          "--allow-http-jwks for a test server on loopback");
      keys.second.add_url(user, location);  // config_error naming the URL when it is malformed
      continue;
    }
    const std::string text = read_text_file(location);
    // A lone JWK where a JWKS belongs is a common slip: say how to wrap it.
    // (Parsed strictly and depth-bounded, as every untrusted document; what does not parse is left to
    // load_jwks, whose error says where.)
    if (const auto doc = ajwt::detail::parse_json_strict(text);
        doc && doc->is_object() && doc->contains("kty") && !doc->contains("keys"))
      throw usage_error(
          "--jwks " + location +
          ": this is a single JWK, not a JWKS document; a JWKS wraps it: {\"keys\": [ <the JWK> ]} "
          "(ajwt jwks KEYFILE... prints one)");
    std::vector<std::string> skipped;
    const auto found = ajwt::load_jwks(text, &skipped, location);
    if (found.empty()) {
      std::string why = location + ": the JWKS document holds no usable key";
      for (const auto& s : skipped) why += "; " + s;
      throw usage_error(why);
    }
    for (const auto& k : found) keys.first.add(user, k);
  }
  return all;
}

ajwt::verifier_options make_options(const verify_options& o) {
  if (o.scheme.empty() || o.scheme.find_first_of(" \t\r\n") != std::string::npos)
    throw usage_error("--scheme must be one word, like JWT or Bearer");
  ajwt::verifier_options v;
  v.scheme = o.scheme;
  v.tolerance = o.tolerance;
  v.max_token_bytes = o.max_token_bytes;
  v.audiences = o.audiences;
  v.require_audience = o.require_audience;
  v.require_binding = o.require_binding;
  for (const auto& name : o.allow_algs) {
    auto a = ajwt::parse_algorithm(name);
    if (!a)
      throw usage_error("--allow-alg: unknown algorithm " + name +
                        " (expected RS256, RS384, RS512, PS256, PS384, PS512, ES256, EdDSA or Ed25519)");
    v.algorithms.insert(*a);
  }
  return v;
}

/// A JSON value for an optional string: the string, or null.
nlohmann::json json_or_null(const std::optional<std::string>& s) {
  return s ? nlohmann::json(*s) : nlohmann::json(nullptr);
}

/// The --json line of one verification: {"accepted", "username", "kid"} and, for a rejection, "reason"
/// and "detail"; a rejection's username and kid are the token's claims as far as they could be read
/// (unverified), else null.
template <class Result>
std::string json_line(const Result& r, const observed& last_event) {
  nlohmann::json line;
  line["accepted"] = static_cast<bool>(r);
  if (r) {
    line["username"] = r->username();
    line["kid"] = r->kid().empty() ? nlohmann::json(nullptr) : nlohmann::json(r->kid());
  } else {
    line["username"] = json_or_null(last_event.username);
    line["kid"] = json_or_null(last_event.kid);
    line["reason"] = std::string(ajwt::to_string(r.reason()));
    line["detail"] = r.detail();
  }
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

/// Verifies one header (against `request` when given) and appends its line to `out` (and, with --verbose,
/// the detail to `err`, followed by `store_error()` when the nonce store was unavailable). With --json the
/// line is a JSON object (json_line), flushed at once so a reader sees each verdict as it is made. Returns
/// whether it was accepted.
template <class Verifier, class StoreError>
bool check_one(const Verifier& v, std::string_view header, const std::optional<ajwt::http_request>& request,
               const verify_options& o, observed& last_event, const StoreError& store_error,
               output_buffer& out, output_buffer& err) {
  last_event = observed{};
  const auto r = request ? v.verify_header(header, *request) : v.verify_header(header);
  const bool verbose = o.verbose;
  if (o.json) {
    out << json_line(r, last_event);
    out.flush();
    if (r || !verbose) return static_cast<bool>(r);
  } else if (r) {
    out << "ok " << one_line(r->username()) << "\n";
    return true;
  }
  const auto reason = ajwt::to_string(r.reason());
  if (!o.json) out << "rejected " << reason << "\n";
  if (verbose) {
    err << "rejected " << reason << ": " << one_line(r.detail());
    if (r.reason() == ajwt::reason::nonce_store_unavailable) {
      const std::string why = store_error();
      if (!why.empty()) err << " (" << one_line(why) << ")";
    }
    err << "\n";
  }
  return false;
}

/// Checks every header (the arguments, else the non-blank lines of standard input) with `v`, one shared
/// nonce store, and prints one line for each. Returns the exit code.
template <class Verifier, class StoreError>
int verify_all(const Verifier& v, const verify_options& o, const std::optional<ajwt::http_request>& request,
               observed& last_event, const StoreError& store_error) {
  output_buffer out(STDOUT_FILENO);
  output_buffer err(STDERR_FILENO);
  std::size_t seen = 0;
  bool all_ok = true;
  if (!o.headers.empty()) {
    for (const auto& h : o.headers) {
      ++seen;
      all_ok = check_one(v, h, request, o, last_event, store_error, out, err) && all_ok;
      err.flush();  // each line as it is decided: verify may run as a long-lived co-process
      out.flush();
    }
  } else {
    if (isatty(STDIN_FILENO))
      std::cerr
          << "ajwt verify: reading Authorization header values from the terminal, one per line; end with "
             "Ctrl-D (or give them as arguments)\n";
    std::ios::sync_with_stdio(false);
    std::string line;
    while (std::getline(std::cin, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank lines are skipped
      ++seen;
      all_ok = check_one(v, line, request, o, last_event, store_error, out, err) && all_ok;
      // Flushed whenever no more input is buffered, i.e. before reading could wait: a co-process gets each
      // answer at once, a batch from a file or pipe still writes in large blocks.
      if (std::cin.rdbuf()->in_avail() <= 0) {
        err.flush();
        out.flush();
      }
    }
    if (std::cin.bad()) throw usage_error("standard input: read error");
  }
  if (seen == 0)
    throw usage_error("verify: no headers to check (give them as arguments or as lines on standard input)");
  out.flush();
  err.flush();
  return all_ok ? exit_ok : exit_rejected;
}

int run_verify(const verify_options& o) {
  // All configuration is loaded and checked before the first header, so a configuration error prints
  // nothing on standard output.
  const auto request = o.binding.request();
  if (o.require_binding && !request) throw usage_error("--require-binding needs --method and --url");
  auto options = make_options(o);
  observed last_event;
  if (o.json)
    options.observer = [&last_event](const ajwt::verify_event& e) {
      if (!e.username.empty()) last_event.username.emplace(e.username);
      if (!e.kid.empty()) last_event.kid.emplace(e.kid);
    };
  pinnable_clock clock;
  if (o.now) clock.pinned.emplace(*o.now);
  auto keys = load_keys(o);
  if (o.redis_url) {
#if AJWT_CLI_HAVE_REDIS
    // The store checks the URL here (config_error: exit 2) but connects only when the first token that
    // passed every other check reaches it; with Redis down, that token is rejected nonce_store_unavailable.
    ajwt::redis_nonce_store_options store_options;
    store_options.url = *o.redis_url;
    store_options.max_tolerance = o.tolerance;  // the shared retention widens to it if needed
    ajwt::redis_nonce_store store(std::move(store_options));
    const cli_verifier<ajwt::redis_nonce_store> v(std::move(keys), std::move(options), store, clock);
    return verify_all(v, o, request, last_event, [&store] { return store.last_error(); });
#else
    throw usage_error("--redis: this ajwt was built without Redis support (hiredis was not found)");
#endif
  }
  const cli_verifier<ajwt::memory_nonce_store> v(std::move(keys), std::move(options),
                                                 ajwt::memory_nonce_store({o.tolerance}), clock);
  return verify_all(v, o, request, last_event, [] { return std::string(); });
}

}  // namespace

command add_verify_command(CLI::App& parent) {
  auto o = std::make_shared<verify_options>();
  auto* app = parent.add_subcommand(
      "verify",
      "Verify Authorization header values (arguments, else lines of standard input); print \"ok USERNAME\" "
      "or "
      "\"rejected REASON\" for each. Exit 0 when all were accepted, 1 when any was rejected, 2 on errors");
  app->add_option("--user-key", o->user_keys, "A key of USER (repeat for several keys and users)")
      ->allow_extra_args(false)
      ->type_name("USER=KEYFILE");
  app->add_option("--authorized-keys", o->authorized_keys,
                  "A file of lines \"USERNAME KEYTYPE BASE64 [COMMENT]\" (repeatable)")
      ->allow_extra_args(false)
      ->type_name("FILE");
  app->add_option(
         "--jwks", o->jwks,
         "A JWKS document holding keys of USER (repeatable): a FILE, or an https:// URL fetched when a "
         "token of USER arrives (and again for a kid it lacks)")
      ->allow_extra_args(false)
      ->type_name("USER=FILE|URL");
  app->add_flag(
      "--allow-http-jwks", o->allow_http_jwks,
      "Also accept plain http:// --jwks URLs (for test servers on loopback: without TLS anyone on the "
      "path could swap the keys)");
  app->add_option("--jwks-timeout", o->jwks_timeout_ms,
                  "Bound on each fetch of a --jwks URL, connection included (default 5000)")
      ->check(CLI::Range(1, 600000))
      ->type_name("MS");
  app->add_option("--tolerance", o->tolerance, "Accept time claims within now +/- SECONDS (default 20)")
      ->check(CLI::Range(0, 86400))
      ->type_name("SECONDS");
  app->add_option("--now", o->now, "Pin the clock to this Unix time for every time check")->type_name("UNIX");
  app->add_option("--scheme", o->scheme, "The authorization scheme word (default JWT)")->type_name("NAME");
  auto* audience =
      app->add_option("--audience", o->audiences, "An audience this verifier answers to (repeatable)")
          ->allow_extra_args(false)
          ->type_name("AUD");
  app->add_flag("--require-audience", o->require_audience, "Reject tokens without an aud claim")
      ->needs(audience);
  app->add_option("--max-token-bytes", o->max_token_bytes,
                  "Reject longer tokens before decoding (default 8192)")
      ->check(CLI::Range(16, 1 << 24))
      ->type_name("N");
  app->add_option("--allow-alg", o->allow_algs, "Also accept this algorithm, e.g. PS256 (repeatable)")
      ->allow_extra_args(false)
      ->type_name("ALG");
  o->binding.add_to(*app, "Check each token against");
  app->add_flag("--require-binding", o->require_binding,
                "Reject tokens not bound to the request given by --method and --url (request_mismatch)");
  app->add_option(
         "--redis", o->redis_url,
         "Record nonces in this Redis, shared with other verifiers (redis://[[user]:password@]host[:port]"
         "[/db] or unix:///path); default: in memory, for this run only")
      ->type_name("URL");
  app->add_option("--keys-db", o->keys_db,
                  "Also take keys (and trusted JWKS URLs) from this key database, kept live: "
                  "sqlite:///path.db or postgresql://... (docs/keys-db.md)")
      ->type_name("URL");
  app->add_flag("-v,--verbose", o->verbose, "Print \"rejected REASON: detail\" on standard error");
  app->add_flag("--json", o->json,
                "Print one JSON object per header instead, flushed as written: accepted, username, kid, and "
                "for a rejection reason and detail (username and kid then as claimed, unverified, or null)");
  app->add_option("HEADER", o->headers, "Authorization header values (\"JWT <token>\")");
  return {app, [o] { return run_verify(*o); }};
}

}  // namespace ajwt_cli
