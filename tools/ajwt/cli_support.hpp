// SPDX-License-Identifier: ISC
// Shared pieces of the `ajwt` tool: exit codes, the usage error, passphrases, key loading, file creation and
// buffered output. Every command goes through these, so every command loads keys and reports mistakes alike.
#ifndef AJWT_TOOLS_CLI_SUPPORT_HPP
#define AJWT_TOOLS_CLI_SUPPORT_HPP

#include <sys/types.h>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <ajwt/keys.hpp>
#include <ajwt/request.hpp>

namespace CLI {
class App;
}  // namespace CLI

namespace ajwt_cli {

/// Exit codes: every header accepted / some header rejected / usage, configuration or key error.
inline constexpr int exit_ok = 0;
inline constexpr int exit_rejected = 1;
inline constexpr int exit_usage = 2;

/// A usage or configuration mistake found by the tool itself; main prints "ajwt: <message>" and exits 2.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A subcommand and what runs it once the command line has been parsed into its options.
struct command {
  CLI::App* app;
  std::function<int()> run;
};

/// A string that holds secret bytes and is wiped (OPENSSL_cleanse) when destroyed.
class secret_string {
 public:
  secret_string() = default;
  explicit secret_string(std::string value) : value_(std::move(value)) {}
  secret_string(const secret_string& other) : value_(other.value_) {}
  secret_string& operator=(const secret_string& other);
  ~secret_string();
  [[nodiscard]] const std::string& str() const noexcept { return value_; }
  [[nodiscard]] std::string& str() noexcept { return value_; }

 private:
  std::string value_;
};

/// Where a private key's passphrase comes from: the environment variable named by --passphrase-env, or,
/// without it, a prompt with echo off when standard input and standard error are both terminals.
/// A passphrase is never taken from the command line.
class passphrase_source {
 public:
  /// `env_var` empty means no --passphrase-env. Throws usage_error naming the variable when it is not set.
  /// `offers_option` says whether the command has --passphrase-env, so that the error for an encrypted key
  /// without a passphrase can point to it (or, where there is none, to the public key instead).
  explicit passphrase_source(const std::string& env_var = {}, bool offers_option = true);

  /// Whether the command offers --passphrase-env (see the constructor).
  [[nodiscard]] bool offers_option() const noexcept { return offers_option_; }

  /// The passphrase from --passphrase-env, if one was given.
  [[nodiscard]] const std::optional<secret_string>& from_environment() const noexcept { return env_value_; }

  /// The passphrase to decrypt the key in `path`: the environment's when given; else, for an encrypted key
  /// and an interactive session, what the user types at the prompt; else nothing (the library then says
  /// that the key needs a passphrase).
  [[nodiscard]] std::optional<secret_string> for_key(const std::string& path, bool encrypted) const;

 private:
  std::optional<secret_string> env_value_;
  bool offers_option_ = true;
};

/// Refuses, with a usage_error naming `path`, an empty path or one that names a directory: the one check
/// every file option of the tool (keys, key sources, bodies, keygen's --out) goes through before the file
/// is opened or created.
void check_input_path(const std::string& path);

/// Reads a key or configuration file of at most ajwt::max_key_text_bytes (after check_input_path). Errors
/// name the file.
std::string read_text_file(const std::string& path);

/// True when `text` holds a private key in a format ajwt reads (PEM or OpenSSH private key, JWK with "d").
bool looks_like_private_key(std::string_view text);

/// True when `text` holds an encrypted private key: PKCS#8 "ENCRYPTED PRIVATE KEY", legacy PEM with
/// "Proc-Type: 4,ENCRYPTED", or an OpenSSH private key whose cipher is not "none".
bool looks_encrypted(std::string_view text);

/// Loads the private key in `path` (every format of ajwt::private_key::load), asking `pass` for the
/// passphrase when the key is encrypted. Throws ajwt::key_error or usage_error naming the file.
ajwt::private_key load_private(const std::string& path, const passphrase_source& pass);

/// Loads a public key from any key file: a private key (whose public half is returned) or a public one
/// (PEM, OpenSSH line, JWK). Every command that needs only a public key uses this. An X.509 certificate
/// is refused with a hint: certificates are not keys.
ajwt::public_key load_public_from_any(const std::string& path, const passphrase_source& pass);

/// Reads a whole file as bytes (a request body for --body-file), whatever its size (after
/// check_input_path). Errors name the file.
std::string read_binary_file(const std::string& path);

/// The request-binding options shared by `header` and `verify`: --method M --url URL [--body-file F].
struct request_options {
  std::optional<std::string> method;
  std::optional<std::string> url;
  std::optional<std::string> body_file;

  /// Adds --method, --url and --body-file to `app`; `verb` ("Bind the token to", ...) starts their help.
  void add_to(CLI::App& app, const std::string& verb);

  /// The request these options describe, or nullopt when none was given. Throws usage_error when only one
  /// of --method and --url is given, when --body-file comes without them, when the method is not an HTTP
  /// token (RFC 9110 section 9.1: letters, digits and !#$%&'*+-.^_`|~), when the URL is not one request
  /// binding accepts (ajwt::normalize_url), or when the body file cannot be read.
  [[nodiscard]] std::optional<ajwt::http_request> request() const;
};

/// True when something (a file, a directory, a symbolic link, even a dangling one) exists at `path`.
bool path_exists(const std::string& path);

/// Creates `path` with `mode` from the moment it exists (O_CREAT|O_EXCL, never a chmod afterwards) and
/// writes `data`. When `replace` is true an existing file is first removed, so the new one is a fresh inode
/// with `mode`, whatever the old file's mode, owner, hard links or symbolic link were; when false an
/// existing file is an error that names it. A failed write removes the partial file.
void write_new_file(const std::string& path, std::string_view data, mode_t mode, bool replace);

/// Output gathered in memory and written to a file descriptor in large blocks: once `threshold` bytes are
/// pending, and on flush() or destruction. Write errors throw (flush) or are ignored (destructor).
class output_buffer {
 public:
  explicit output_buffer(int fd, std::size_t threshold = 1 << 16) : fd_(fd), threshold_(threshold) {
    buf_.reserve(threshold + 4096);
  }
  output_buffer(const output_buffer&) = delete;
  output_buffer& operator=(const output_buffer&) = delete;
  ~output_buffer();

  output_buffer& operator<<(std::string_view s) {
    buf_.append(s.data(), s.size());
    if (buf_.size() >= threshold_) flush();
    return *this;
  }
  void flush();

 private:
  int fd_;
  std::size_t threshold_;
  std::string buf_;
};

/// Writes all of `data` to `fd`, retrying after partial writes and EINTR; throws on error.
void write_all(int fd, std::string_view data, const std::string& what);

/// The message of a library exception without its leading "ajwt: " (main adds its own).
std::string_view without_ajwt_prefix(std::string_view message) noexcept;

}  // namespace ajwt_cli

#endif  // AJWT_TOOLS_CLI_SUPPORT_HPP
