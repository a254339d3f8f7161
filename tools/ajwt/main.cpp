// SPDX-License-Identifier: ISC
// `ajwt`: keys and Authorization headers for asymmetric-jwt-auth from the command line.
// Exit codes: 0 success, 1 some header was rejected (verify) or nothing to remove (keys remove,
// keys untrust-jwks), 2 usage, configuration, key or database error.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <ajwt/error.hpp>
#include <ajwt/version.hpp>

#include "cli_support.hpp"
#include "db_commands.hpp"
#include "header_command.hpp"
#include "inspect_command.hpp"
#include "key_commands.hpp"
#include "verify_command.hpp"

int main(int argc, char** argv) {
  using namespace ajwt_cli;
  try {
    CLI::App app{
        "Keys and JWT Authorization headers for server-to-server authentication "
        "(asymmetric-jwt-auth)",
        "ajwt"};
    app.set_version_flag("--version", std::string(ajwt::version_string), "Print the version and exit");
    app.require_subcommand(0, 1);
    const std::vector<command> commands = {
        add_keygen_command(app), add_pubkey_command(app), add_fingerprint_command(app), add_jwks_command(app),
        add_header_command(app), add_verify_command(app), add_inspect_command(app),     add_keys_command(app),
    };
    // A parse error names the --help of the subcommand it happened in, where the option is described.
    app.failure_message([](const CLI::App* top, const CLI::Error& e) {
      std::string help = "ajwt --help";
      for (const auto* sub : top->get_subcommands()) help = "ajwt " + sub->get_name() + " --help";
      return std::string("ajwt: ") + e.what() + "\nRun `" + help + "` for more information.\n";
    });
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      // --help and --version exit 0; every other parse error (unknown option or command, missing or
      // invalid value) is a usage error: exit 2, whatever CLI11's own code for it.
      return app.exit(e) == 0 ? exit_ok : exit_usage;
    }
    for (const auto& c : commands)
      if (c.app->parsed()) return c.run();
    std::cerr << app.help() << "ajwt: a command is required\n";
    return exit_usage;
  } catch (const ajwt::located_error& e) {
    // A key or configuration error: its what() is composed from where and what ("FILE:LINE: problem").
    std::cout.flush();
    std::cerr << "ajwt: " << e.what() << std::endl;
    return exit_usage;
  } catch (const std::exception& e) {
    // ajwt's other errors begin with "ajwt: " themselves; the CLI's own and the standard library's do not.
    std::cout.flush();
    std::cerr << "ajwt: " << without_ajwt_prefix(e.what()) << std::endl;
    return exit_usage;
  } catch (...) {
    std::cerr << "ajwt: unexpected error" << std::endl;
    return exit_usage;
  }
}
