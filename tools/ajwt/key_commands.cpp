// SPDX-License-Identifier: ISC
#include "key_commands.hpp"

#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <ajwt/keys.hpp>

namespace ajwt_cli {

namespace {

const char* const passphrase_env_help =
    "Read the passphrase from the environment variable VAR (without it, an encrypted key is unlocked at a "
    "terminal prompt)";

ajwt::key_type parse_key_type(const std::string& name) {
  for (auto t : {ajwt::key_type::rsa, ajwt::key_type::ed25519, ajwt::key_type::ec_p256})
    if (ajwt::to_string(t) == name) return t;
  throw usage_error("--type: unknown key type " + name + " (expected rsa, ed25519 or ec-p256)");
}

struct keygen_options {
  std::string type;
  int bits = 2048;
  std::string passphrase_env;
  std::string out;
  bool force = false;
  CLI::Option* bits_option = nullptr;
};

int run_keygen(const keygen_options& o) {
  const auto type = parse_key_type(o.type);
  if (type != ajwt::key_type::rsa && o.bits_option->count() > 0)
    throw usage_error("--bits applies only to --type rsa");
  check_input_path(o.out);  // an empty --out or a directory is named as such, not as "already exists"
  const passphrase_source pass(o.passphrase_env);
  const std::string pub_path = o.out + ".pub";
  // Refuse before generating anything, so a refused run changes nothing on disk.
  if (!o.force) {
    for (const auto* path : {&o.out, &pub_path})
      if (path_exists(*path)) throw usage_error(*path + ": already exists (use --force to overwrite it)");
  }
  const auto key = ajwt::private_key::generate(type, o.bits);
  const secret_string pem(
      pass.from_environment() ? key.to_pem(std::string_view(pass.from_environment()->str())) : key.to_pem());
  write_new_file(o.out, pem.str(), 0600, o.force);
  write_new_file(pub_path, key.public_part().to_pem(), 0644, o.force);
  // The kid is what a verifier's logs and a JWKS name the key by: print it, as `ajwt fingerprint` would.
  write_all(STDOUT_FILENO, key.public_part().kid() + "\n", "standard output");
  return exit_ok;
}

struct pubkey_options {
  std::string format = "pem";
  std::string passphrase_env;
  std::string keyfile;
};

int run_pubkey(const pubkey_options& o) {
  const auto key = load_public_from_any(o.keyfile, passphrase_source(o.passphrase_env));
  std::string text;
  if (o.format == "pem") {
    text = key.to_pem();
  } else if (o.format == "openssh") {
    text = key.to_openssh() + "\n";
  } else {
    text = key.to_jwk().dump() + "\n";
  }
  write_all(STDOUT_FILENO, text, "standard output");
  return exit_ok;
}

struct fingerprint_options {
  std::string passphrase_env;
  std::string keyfile;
};

int run_fingerprint(const fingerprint_options& o) {
  const auto key = load_public_from_any(o.keyfile, passphrase_source(o.passphrase_env));
  write_all(STDOUT_FILENO, key.kid() + "\n", "standard output");
  return exit_ok;
}

struct jwks_options {
  std::string passphrase_env;
  std::vector<std::string> keyfiles;
};

int run_jwks(const jwks_options& o) {
  const passphrase_source pass(o.passphrase_env);
  std::vector<ajwt::public_key> keys;
  keys.reserve(o.keyfiles.size());
  for (const auto& path : o.keyfiles) keys.push_back(load_public_from_any(path, pass));
  write_all(STDOUT_FILENO, ajwt::make_jwks(keys).dump() + "\n", "standard output");
  return exit_ok;
}

}  // namespace

command add_keygen_command(CLI::App& parent) {
  auto o = std::make_shared<keygen_options>();
  auto* app = parent.add_subcommand("keygen",
                                    "Generate a key pair: FILE (private, PKCS#8 PEM, mode 0600) and "
                                    "FILE.pub (SPKI PEM); print its kid");
  app->add_option("--type", o->type, "Key type")
      ->required()
      ->check(CLI::IsMember({"rsa", "ed25519", "ec-p256"}));
  o->bits_option = app->add_option("--bits", o->bits, "RSA modulus size (default 2048)")
                       ->check(CLI::IsMember({2048, 3072, 4096}));
  app->add_option("--passphrase-env", o->passphrase_env,
                  "Encrypt the private key with the passphrase in the "
                  "environment variable VAR")
      ->type_name("VAR");
  app->add_option("--out", o->out, "Where to write the private key (the public key goes to FILE.pub)")
      ->required()
      ->type_name("FILE");
  app->add_flag("--force", o->force, "Overwrite FILE and FILE.pub if they exist");
  return {app, [o] { return run_keygen(*o); }};
}

command add_pubkey_command(CLI::App& parent) {
  auto o = std::make_shared<pubkey_options>();
  auto* app = parent.add_subcommand("pubkey", "Print the public key of a key file");
  app->add_option("--format", o->format, "Output format (default pem)")
      ->check(CLI::IsMember({"pem", "openssh", "jwk"}));
  app->add_option("--passphrase-env", o->passphrase_env, passphrase_env_help)->type_name("VAR");
  app->add_option("KEYFILE", o->keyfile, "Private or public key file (PEM, OpenSSH, JWK)")->required();
  return {app, [o] { return run_pubkey(*o); }};
}

command add_fingerprint_command(CLI::App& parent) {
  auto o = std::make_shared<fingerprint_options>();
  auto* app = parent.add_subcommand("fingerprint",
                                    "Print the key id (kid): lowercase hex SHA-256 of the SPKI "
                                    "PEM text of the public key");
  app->add_option("--passphrase-env", o->passphrase_env, passphrase_env_help)->type_name("VAR");
  app->add_option("KEYFILE", o->keyfile, "Private or public key file (PEM, OpenSSH, JWK)")->required();
  return {app, [o] { return run_fingerprint(*o); }};
}

command add_jwks_command(CLI::App& parent) {
  auto o = std::make_shared<jwks_options>();
  auto* app = parent.add_subcommand("jwks", "Print a JWKS document {\"keys\":[...]} with the public keys");
  app->add_option(
         "--passphrase-env", o->passphrase_env,
         "Read the passphrase of encrypted private keys from the environment variable VAR (without it, "
         "each is unlocked at a terminal prompt)")
      ->type_name("VAR");
  app->add_option("KEYFILE", o->keyfiles, "Private or public key files (PEM, OpenSSH, JWK)")->required();
  return {app, [o] { return run_jwks(*o); }};
}

}  // namespace ajwt_cli
