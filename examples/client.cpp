// SPDX-License-Identifier: ISC
// client: calls a service protected by ajwt (or by the Python library) with a signed Authorization header.
// `client --help` lists the options:
//
//   client --key KEYFILE --user NAME --url http://HOST:PORT/PATH
//          [--passphrase-env VAR] [--time UNIX] [--audience AUD]... [--no-binding] [--bind-url URL]
//          [--repeat-header]
//
//   --key KEYFILE          the private key: PEM (PKCS#8, PKCS#1, SEC1; encrypted or not), OpenSSH, or JWK.
//   --user NAME            the username the server registered this key's public half for.
//   --passphrase-env VAR   the passphrase of an encrypted key, read from environment variable VAR (never
//                          from the command line, where other users of the machine could read it).
//   --time UNIX            sign this `time` claim instead of the current time: a token from the past or
//                          the future, which the server refuses when it is outside its tolerance.
//   --audience AUD         add the `aud` claim: the service the token is meant for (repeatable).
//   --no-binding           do not bind the token to the request. By default it is bound (claims htm, htu,
//                          htq, htb: docs/binding.md) to GET and the URL called, so a captured header is
//                          refused by any other endpoint, method, query or body.
//   --bind-url URL         bind the token to URL instead of the one called (to show a token made for
//                          another endpoint being refused).
//   --repeat-header        send the same header twice: the server accepts it once, then refuses the replay.
//
// Prints "HTTP <status>" and the response body for each request.
// Exit status: 0 when the request got a 2xx answer (with --repeat-header: when the first did and the
// replay got 401), 1 otherwise; 2 for bad arguments, an unusable key or no connection.
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <httplib.h>
#include <CLI/CLI.hpp>

#include <ajwt/ajwt.hpp>

namespace {

struct options {
  std::string key_file;
  std::string user;
  std::string url;
  std::string passphrase_env;
  std::optional<std::int64_t> time;
  std::vector<std::string> audiences;
  bool bind = true;
  std::string bind_url;  // empty: the URL called
  bool repeat_header = false;
};

/// A problem with the command line: printed with a pointer to --help, then exit 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Parses the command line; throws usage_error, or returns nullopt after --help (printed).
std::optional<options> parse_options(int argc, char** argv, int& exit_status) {
  options o;
  CLI::App app{
      "Calls a service protected by ajwt (or by the Python library asymmetric-jwt-auth) with a signed "
      "\"Authorization: JWT <token>\" header, bound to the request, and prints \"HTTP <status>\" and "
      "the body. Exit status: 0 on a 2xx answer, 1 otherwise, 2 for bad arguments, an unusable key or "
      "no connection.",
      "client"};
  app.get_formatter()->column_width(30);
  app.add_option("--key", o.key_file,
                 "private key: PEM (PKCS#8, PKCS#1, SEC1; encrypted or not), OpenSSH or JWK")
      ->required();
  app.add_option("--user", o.user, "the username the server registered this key's public half for")
      ->required();
  app.add_option("--url", o.url, "http://HOST:PORT/PATH[?QUERY] to GET")->required();
  app.add_option("--passphrase-env", o.passphrase_env,
                 "environment variable holding an encrypted key's passphrase (never the command line)");
  app.add_option("--time", o.time, "sign this Unix time instead of now (to show a stale token refused)");
  app.add_option("--audience", o.audiences, "add the aud claim: the service the token is for; repeatable");
  bool no_binding = false;
  auto* nb = app.add_flag("--no-binding", no_binding,
                          "do not bind the token to the request (htm, htu, htq, htb: docs/binding.md)");
  app.add_option("--bind-url", o.bind_url,
                 "bind the token to this URL instead of the one called (to show it refused elsewhere)")
      ->excludes(nb);
  app.add_flag("--repeat-header", o.repeat_header,
               "send the same header twice: the server accepts it once, then refuses the replay");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_status = app.exit(e) == 0 ? 0 : 2;  // --help: 0; anything else is a usage error
    return std::nullopt;
  }
  o.bind = !no_binding;
  for (const auto& a : o.audiences)
    if (a.empty()) throw usage_error("--audience must not be empty");
  return o;
}

// Splits "http://host:port/path?query" into httplib's "scheme://host:port" and "/path?query".
bool split_url(const std::string& url, std::string& origin, std::string& target) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos || url.compare(0, scheme_end, "http") != 0) return false;
  const auto path_start = url.find('/', scheme_end + 3);
  origin = url.substr(0, path_start);
  target = path_start == std::string::npos ? "/" : url.substr(path_start);
  return origin.size() > scheme_end + 3;
}

int run(int argc, char** argv) {
  int exit_status = 0;
  std::optional<options> parsed;
  try {
    parsed = parse_options(argc, argv, exit_status);
  } catch (const usage_error& e) {
    std::cerr << "client: " << e.what() << "\nRun with --help for more information.\n";
    return 2;
  }
  if (!parsed) return exit_status;
  const options& opt = *parsed;
  std::string origin, target;
  if (!split_url(opt.url, origin, target)) {
    std::cerr << "client: --url must look like http://HOST:PORT/PATH\n";
    return 2;
  }

  std::string header;
  try {
    std::optional<std::string> passphrase;
    if (!opt.passphrase_env.empty()) {
      const char* p = std::getenv(opt.passphrase_env.c_str());
      if (!p) {
        std::cerr << "client: environment variable " << opt.passphrase_env << " is not set\n";
        return 2;
      }
      passphrase = p;
    }
    // Each header() call signs a new token: current time (unless --time), fresh random nonce.
    ajwt::token_builder builder(ajwt::private_key::load_file(opt.key_file, passphrase), opt.user);
    if (opt.time) builder.time(*opt.time);
    if (opt.audiences.size() == 1) builder.audience(opt.audiences.front());
    if (opt.audiences.size() > 1) builder.audiences(opt.audiences);
    if (opt.bind) {
      // The request exactly as it will be sent: GET, this URL, no body. The server checks the same
      // claims against the request it receives. header(request) leaves the builder as it is, so one
      // builder could sign many requests, on many threads.
      ajwt::http_request request;
      request.method = "GET";
      request.url = opt.bind_url.empty() ? opt.url : opt.bind_url;
      header = builder.header(request);  // throws config_error for a URL that is not absolute http(s)
    } else {
      header = builder.header();  // "JWT <token>"
    }
  } catch (const ajwt::error& e) {
    // An unreadable or unsupported key, or a wrong passphrase (the message names the file), or a URL
    // request binding cannot use.
    std::cerr << "client: " << e.what() << '\n';
    return 2;
  }

  httplib::Client http(origin);
  http.set_connection_timeout(5);
  http.set_read_timeout(10);
  const httplib::Headers headers{{"Authorization", header}};

  // The same header, sent once or twice. A replay is the exact same bytes, so the second request
  // carries a nonce the server has already recorded.
  int statuses[2] = {0, 0};
  const int sends = opt.repeat_header ? 2 : 1;
  for (int i = 0; i < sends; ++i) {
    const auto res = http.Get(target, headers);
    if (!res) {
      std::cerr << "client: no response from " << origin << ": " << httplib::to_string(res.error()) << '\n';
      return 2;
    }
    statuses[i] = res->status;
    std::cout << "HTTP " << res->status << '\n' << res->body;
    if (!res->body.empty() && res->body.back() != '\n') std::cout << '\n';
  }
  std::cout.flush();

  const bool first_ok = statuses[0] >= 200 && statuses[0] < 300;
  if (!opt.repeat_header) return first_ok ? 0 : 1;
  return first_ok && statuses[1] == 401 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // not expected: out of memory, no thread could be started...
    std::cerr << "client: " << e.what() << '\n';
    return 1;
  }
}
