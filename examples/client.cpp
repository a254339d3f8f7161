// SPDX-License-Identifier: ISC
// client: calls a service protected by ajwt (or by the Python library) with a signed Authorization header.
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
#include <string>
#include <vector>

#include <httplib.h>

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

// With a problem: prints it and the usage on stderr, exits 2. Without (--help): the usage on stdout, exits 0.
[[noreturn]] void usage(const std::string& problem = {}) {
  auto& out = problem.empty() ? std::cout : std::cerr;
  if (!problem.empty()) out << "client: " << problem << "\n";
  out << "usage: client --key KEYFILE --user NAME --url http://HOST:PORT/PATH\n"
      << "              [--passphrase-env VAR] [--time UNIX] [--audience AUD]... [--no-binding]\n"
      << "              [--bind-url URL] [--repeat-header]\n";
  std::exit(problem.empty() ? 0 : 2);
}

options parse_options(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") usage();
    if (flag == "--repeat-header") {
      o.repeat_header = true;
      continue;
    }
    if (flag == "--no-binding") {
      o.bind = false;
      continue;
    }
    if (i + 1 >= argc) usage("unknown option or missing value: " + flag);
    const std::string value = argv[++i];
    if (flag == "--key") {
      o.key_file = value;
    } else if (flag == "--user") {
      o.user = value;
    } else if (flag == "--url") {
      o.url = value;
    } else if (flag == "--passphrase-env") {
      o.passphrase_env = value;
    } else if (flag == "--audience") {
      if (value.empty()) usage("--audience must not be empty");
      o.audiences.push_back(value);
    } else if (flag == "--bind-url") {
      o.bind_url = value;
    } else if (flag == "--time") {
      try {
        std::size_t used = 0;
        o.time = std::stoll(value, &used);
        if (used != value.size()) throw std::invalid_argument(value);
      } catch (const std::exception&) {
        usage("--time needs Unix seconds, not \"" + value + "\"");
      }
    } else {
      usage("unknown option " + flag);
    }
  }
  if (o.key_file.empty() || o.user.empty() || o.url.empty()) usage("--key, --user and --url are required");
  if (!o.bind && !o.bind_url.empty()) usage("--bind-url and --no-binding exclude each other");
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
  const options opt = parse_options(argc, argv);
  std::string origin, target;
  if (!split_url(opt.url, origin, target)) usage("--url must look like http://HOST:PORT/PATH");

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
      // claims against the request it receives.
      ajwt::http_request request;
      request.method = "GET";
      request.url = opt.bind_url.empty() ? opt.url : opt.bind_url;
      builder.bind(request);  // throws config_error for a URL that is not absolute http(s)
    }
    header = builder.header();  // "JWT <token>"
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
