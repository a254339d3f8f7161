// SPDX-License-Identifier: ISC
#include "header_command.hpp"

#include <unistd.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <ajwt/algorithm.hpp>
#include <ajwt/token.hpp>
#include <ajwt/verifier.hpp>

namespace ajwt_cli {

namespace {

/// Upper bound of --count: a million lines is far more than any test or benchmark needs.
constexpr int max_count = 1000000;

struct header_options {
  std::string key;
  std::string user;
  std::string passphrase_env;
  std::string alg;
  std::optional<std::int64_t> time;
  int count = 1;
  std::vector<std::string> audiences;
  request_options binding;  ///< the request-binding extension: htm, htu, htq and htb (docs/binding.md)
};

ajwt::algorithm parse_algorithm_option(const std::string& name, const char* option) {
  if (auto a = ajwt::parse_algorithm(name)) return *a;
  throw usage_error(std::string(option) + ": unknown algorithm " + name +
                    " (expected RS256, RS384, RS512, PS256, PS384, PS512, ES256, EdDSA or Ed25519)");
}

int run_header(const header_options& o) {
  // Every option is checked, and the body file read, before the key is loaded (and its passphrase asked).
  const auto request = o.binding.request();
  if (o.user.empty()) throw usage_error("--user must not be empty");
  // A verifier refuses longer usernames (verifier_options::max_username_bytes, 256 by default), so such a
  // header could never be accepted: refuse it here, where the mistake is made.
  if (const auto limit = ajwt::verifier_options{}.max_username_bytes; o.user.size() > limit)
    throw usage_error("--user is " + std::to_string(o.user.size()) +
                      " bytes long; verifiers accept at most " + std::to_string(limit));
  for (const auto& aud : o.audiences)
    if (aud.empty()) throw usage_error("--audience must not be empty");
  std::optional<ajwt::algorithm> alg;
  if (!o.alg.empty()) alg = parse_algorithm_option(o.alg, "--alg");

  ajwt::token_builder builder(load_private(o.key, passphrase_source(o.passphrase_env)), o.user);
  if (alg) builder.algorithm(*alg);
  if (o.time) builder.time(*o.time);
  if (o.audiences.size() == 1) builder.audience(o.audiences.front());
  if (o.audiences.size() > 1) builder.audiences(o.audiences);
  if (request) builder.bind(*request);

  output_buffer out(STDOUT_FILENO);
  for (int i = 0; i < o.count; ++i) {
    out << builder.header() << "\n";  // header() draws a fresh nonce every time
  }
  out.flush();
  return exit_ok;
}

}  // namespace

command add_header_command(CLI::App& parent) {
  auto o = std::make_shared<header_options>();
  auto* app = parent.add_subcommand("header",
                                    "Print Authorization header values \"JWT <token>\" signed with a "
                                    "private key, each with a fresh nonce");
  app->add_option("--key", o->key, "Private key file (PEM, encrypted PEM, OpenSSH, JWK)")
      ->required()
      ->type_name("KEYFILE");
  app->add_option("--user", o->user, "The username claim")->required()->type_name("NAME");
  app->add_option("--passphrase-env", o->passphrase_env,
                  "Read the key's passphrase from the environment variable VAR (without it, an encrypted key "
                  "is unlocked at a terminal prompt)")
      ->type_name("VAR");
  app->add_option("--alg", o->alg,
                  "Signature algorithm (default: RS512 for RSA, EdDSA for Ed25519, ES256 for P-256)")
      ->type_name("ALG");
  app->add_option("--time", o->time, "The time claim, Unix seconds (default: now)")->type_name("UNIX");
  app->add_option("--count", o->count, "How many header lines to print, 1 to 1000000 (default 1)")
      ->check(CLI::Range(1, max_count))
      ->type_name("N");
  app->add_option("--audience", o->audiences, "Add the aud claim (repeat for several audiences)")
      ->allow_extra_args(false)
      ->type_name("AUD");
  o->binding.add_to(*app, "Bind the token to");
  return {app, [o] { return run_header(*o); }};
}

}  // namespace ajwt_cli
