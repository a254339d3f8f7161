// SPDX-License-Identifier: ISC
#include "db_commands.hpp"

#include <unistd.h>

#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <ajwt/repository/sql/open.hpp>
#include <nlohmann/json.hpp>

// AJWT_CLI_HAVE_CURL: 1 when tools/ajwt/CMakeLists.txt found ajwt::curl (libcurl), for JWKS URLs.
#if AJWT_CLI_HAVE_CURL
#include <ajwt/repository/curl_fetcher.hpp>
#endif

namespace ajwt_cli {

namespace {

struct keys_options {
  std::string db;
  std::string user;
  std::string file;
  std::optional<std::string> comment;
  std::string kid;
  std::string url;
  bool json = false;
  bool allow_http = false;
};

/// The database of --db, schema created or checked. A bad URL, an unreachable database, a schema from a
/// newer ajwt: exit 2 with the library's message (which never shows a password).
ajwt::key_database open_db(const keys_options& o) {
  if (o.db.empty()) throw usage_error("keys: --db URL is required");
  try {
    return ajwt::open_key_database(o.db);
  } catch (const ajwt::error& e) {
    throw usage_error(std::string(without_ajwt_prefix(e.what())));
  }
}

/// `s` made safe to print on one line: control characters become '?'.
std::string printable(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

/// Unix seconds as ISO 8601 UTC ("2026-01-31T12:00:00Z").
std::string iso_time(std::int64_t t) {
  const auto tt = static_cast<std::time_t>(t);
  std::tm tm{};
  if (!gmtime_r(&tt, &tm)) return std::to_string(t);
  char buf[32];
  if (std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) return std::to_string(t);
  return buf;
}

nlohmann::json json_time(const std::optional<std::int64_t>& t) {
  return t ? nlohmann::json(iso_time(*t)) : nlohmann::json(nullptr);
}

nlohmann::json json_or_null(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

/// The key text to store for KEYFILE: a public key file as written; a private key file's public part (PEM).
std::string key_text_of(const std::string& path) {
  std::string text = read_text_file(path);
  if (!looks_like_private_key(text)) return text;
  return load_private(path, passphrase_source()).public_part().to_pem();
}

int run_add(const keys_options& o) {
  const std::string text = key_text_of(o.file);  // before opening the database: a bad file changes nothing
  auto db = open_db(o);
  const auto [kid, added] =
      db.add_key(o.user, text, o.comment ? std::optional<std::string_view>(*o.comment) : std::nullopt);
  std::cout << kid << std::endl;
  if (!added)
    std::cerr << "ajwt keys add: user \"" << printable(o.user) << "\" already has this key" << std::endl;
  return exit_ok;
}

int run_import(const keys_options& o) {
  const std::string text = read_text_file(o.file);
  auto db = open_db(o);
  const auto added = db.import_authorized_keys(text, o.file);
  std::cout << "imported " << added << (added == 1 ? " key" : " keys") << std::endl;
  return exit_ok;
}

int run_list(const keys_options& o) {
  auto db = open_db(o);
  const auto keys = db.keys(o.user);
  const auto urls = db.jwks_urls(o.user);
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& k : keys)
      out.push_back({{"kind", "key"},
                     {"username", k.username},
                     {"kid", k.kid},
                     {"type", k.type},
                     {"comment", k.comment},
                     {"created", iso_time(k.created)},
                     {"last_used", json_time(k.last_used)},
                     {"jwk_kid", json_or_null(k.jwk_kid)},
                     {"alg", json_or_null(k.alg)},
                     {"url", nullptr}});
    for (const auto& u : urls)
      out.push_back({{"kind", "jwks_url"},
                     {"username", u.username},
                     {"url", u.url},
                     {"kid", nullptr},
                     {"type", nullptr},
                     {"comment", nullptr},
                     {"created", iso_time(u.created)},
                     {"last_used", json_time(u.last_used)},
                     {"jwk_kid", nullptr},
                     {"alg", nullptr}});
    std::cout << out.dump(2) << std::endl;
    return exit_ok;
  }
  for (const auto& k : keys)
    std::cout << printable(k.username) << " " << k.kid << " " << k.type << " " << iso_time(k.created) << " "
              << (k.last_used ? iso_time(*k.last_used) : "never") << (k.comment.empty() ? "" : " ")
              << printable(k.comment) << "\n";
  for (const auto& u : urls)
    std::cout << printable(u.username) << " jwks-url " << printable(u.url) << " " << iso_time(u.created)
              << " " << (u.last_used ? iso_time(*u.last_used) : "never") << "\n";
  std::cout.flush();
  return exit_ok;
}

int run_remove(const keys_options& o) {
  auto db = open_db(o);
  if (!db.remove_key(o.user, o.kid)) {
    std::cerr << "ajwt keys remove: user \"" << printable(o.user) << "\" has no key " << printable(o.kid)
              << std::endl;
    return exit_rejected;
  }
  return exit_ok;
}

int run_trust(const keys_options& o) {
  auto db = open_db(o);
  if (!db.trust_jwks_url(o.user, o.url, o.allow_http))
    std::cerr << "ajwt keys trust-jwks: user \"" << printable(o.user) << "\" already trusts "
              << printable(o.url) << std::endl;
  return exit_ok;
}

int run_untrust(const keys_options& o) {
  auto db = open_db(o);
  if (!db.untrust_jwks_url(o.user, o.url)) {
    std::cerr << "ajwt keys untrust-jwks: user \"" << printable(o.user) << "\" does not trust "
              << printable(o.url) << std::endl;
    return exit_rejected;
  }
  return exit_ok;
}

CLI::App* sub(CLI::App& keys, const char* name, const char* help, keys_options& o) {
  auto* app = keys.add_subcommand(name, help);
  app->add_option("--db", o.db,
                  "The key database: sqlite:///absolute/path.db, sqlite://relative/path.db or "
                  "postgresql://user@host:port/dbname (password from PGPASSWORD or ~/.pgpass)")
      ->required()
      ->type_name("URL");
  return app;
}

}  // namespace

command add_keys_command(CLI::App& parent) {
  auto o = std::make_shared<keys_options>();
  auto* keys = parent.add_subcommand("keys", "Manage the keys in a key database (docs/keys-db.md)");
  keys->require_subcommand(1);

  auto* add = sub(*keys, "add",
                  "Add USER's public key (any key file; a private key's public part); print the kid", *o);
  add->add_option("USER", o->user, "The username")->required();
  add->add_option("KEYFILE", o->file, "A public key (PEM, OpenSSH line, JWK) or private key file")
      ->required();
  add->add_option("--comment", o->comment,
                  "Up to 100 characters (default: the comment of an OpenSSH public key line)");

  auto* import = sub(*keys, "import",
                     "Add every line \"USERNAME KEYTYPE BASE64 [COMMENT]\" of FILE, all or nothing", *o);
  import->add_option("FILE", o->file, "An authorized-keys file")->required();

  auto* list = sub(*keys, "list", "List the keys and JWKS URLs (of USER)", *o);
  list->add_option("USER", o->user, "Only this user's");
  list->add_flag("--json", o->json, "One JSON array of objects");

  auto* remove = sub(*keys, "remove", "Remove USER's key KID (exit 1 when there is none)", *o);
  remove->add_option("USER", o->user, "The username")->required();
  remove->add_option("KID", o->kid, "The key's kid (fingerprint) or JWK kid")->required();

  auto* trust = sub(*keys, "trust-jwks", "Trust the keys published at JWKS_URL for USER", *o);
  trust->add_option("USER", o->user, "The username")->required();
  trust->add_option("JWKS_URL", o->url, "An https:// URL")->required();
  trust->add_flag("--allow-http", o->allow_http, "Accept a plain http:// URL (tests on loopback only)");

  auto* untrust = sub(*keys, "untrust-jwks", "Stop trusting JWKS_URL for USER (exit 1 when it was not)", *o);
  untrust->add_option("USER", o->user, "The username")->required();
  untrust->add_option("JWKS_URL", o->url, "The URL as trusted")->required();

  return {keys, [=] {
            if (add->parsed()) return run_add(*o);
            if (import->parsed()) return run_import(*o);
            if (list->parsed()) return run_list(*o);
            if (remove->parsed()) return run_remove(*o);
            if (trust->parsed()) return run_trust(*o);
            if (untrust->parsed()) return run_untrust(*o);
            throw usage_error(
                "keys: a subcommand is required (add, import, list, remove, trust-jwks, untrust-jwks)");
          }};
}

optional_key_db open_verify_key_db(const std::string& url, bool allow_http) {
  ajwt::sql_repository_options options;
  options.jwks.allow_http = allow_http;
  options.on_error = [](const std::string& m) {
    std::cerr << "ajwt verify: key database: " << m << std::endl;
  };
#if AJWT_CLI_HAVE_CURL
  options.jwks_fetcher = [fetcher = ajwt::curl_fetcher{}](const ajwt::fetch_request& r) mutable {
    return fetcher.fetch(r);
  };
#endif
  try {
    return {std::make_shared<ajwt::sql_key_repository>(ajwt::open_key_repository(url, std::move(options)))};
  } catch (const ajwt::error& e) {
    throw usage_error("--keys-db: " + std::string(without_ajwt_prefix(e.what())));
  }
}

}  // namespace ajwt_cli
