// SPDX-License-Identifier: ISC
#include "cli_support.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include <openssl/crypto.h>
#include <CLI/CLI.hpp>

namespace ajwt_cli {

// ---------------------------------------------------------------------------------------------------------
// Secrets and passphrases.

secret_string& secret_string::operator=(const secret_string& other) {
  if (this != &other) {
    OPENSSL_cleanse(value_.data(), value_.size());
    value_ = other.value_;
  }
  return *this;
}

secret_string::~secret_string() { OPENSSL_cleanse(value_.data(), value_.size()); }

namespace {

// The terminal state to restore if a signal arrives while echo is off (tcsetattr is async-signal-safe).
struct termios saved_termios;
volatile std::sig_atomic_t echo_is_off = 0;

extern "C" void restore_echo_and_reraise(int sig) {
  // Nothing useful can be done about a failure inside a signal handler: the results are ignored on purpose.
  if (echo_is_off) (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
  (void)std::signal(sig, SIG_DFL);
  (void)std::raise(sig);
}

constexpr int restoring_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

/// Echo off on the terminal of standard input for the guard's lifetime. A signal that ends the process
/// meanwhile (Ctrl-C) restores the terminal first.
class echo_off_guard {
 public:
  explicit echo_off_guard(const std::string& path) {
    if (tcgetattr(STDIN_FILENO, &saved_termios) != 0)
      throw usage_error(
          path + ": cannot read the terminal settings to prompt for the passphrase: " + std::strerror(errno));
    struct termios quiet = saved_termios;
    quiet.c_lflag &= static_cast<tcflag_t>(~(ECHO | ECHONL));
    quiet.c_lflag |= ICANON;
    for (std::size_t i = 0; i < std::size(restoring_signals); ++i)
      previous_[i] = std::signal(restoring_signals[i], restore_echo_and_reraise);
    echo_is_off = 1;
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) {
      const int err = errno;
      restore_signals();
      throw usage_error(
          path + ": cannot turn off terminal echo to prompt for the passphrase: " + std::strerror(err));
    }
  }
  echo_off_guard(const echo_off_guard&) = delete;
  echo_off_guard& operator=(const echo_off_guard&) = delete;
  ~echo_off_guard() {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
    restore_signals();
  }

 private:
  void restore_signals() noexcept {
    echo_is_off = 0;
    for (std::size_t i = 0; i < std::size(restoring_signals); ++i)
      (void)std::signal(restoring_signals[i], previous_[i]);  // restoring a handler that was installed
  }
  void (*previous_[std::size(restoring_signals)])(int) = {};
};

/// Turns echo off, shows `prompt` on standard error and reads one line from standard input (both
/// terminals). The prompt appears only once echo is off, so nothing typed in answer can be echoed.
secret_string prompt_without_echo(const std::string& prompt, const std::string& path) {
  secret_string line;
  bool got_newline = false;
  {
    const echo_off_guard quiet(path);
    write_all(STDERR_FILENO, prompt, "standard error");
    for (;;) {
      char c = 0;
      const ssize_t n = ::read(STDIN_FILENO, &c, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (c == '\n') {
        got_newline = true;
        break;
      }
      line.str().push_back(c);
    }
  }
  write_all(STDERR_FILENO, "\n", "standard error");
  if (!got_newline && line.str().empty()) throw usage_error(path + ": no passphrase was entered");
  if (!line.str().empty() && line.str().back() == '\r') line.str().pop_back();
  return line;
}

}  // namespace

passphrase_source::passphrase_source(const std::string& env_var, bool offers_option)
    : offers_option_(offers_option) {
  if (env_var.empty()) return;
  const char* value = std::getenv(env_var.c_str());
  if (!value) throw usage_error("--passphrase-env: the environment variable " + env_var + " is not set");
  env_value_.emplace(std::string(value));
}

std::optional<secret_string> passphrase_source::for_key(const std::string& path, bool encrypted) const {
  if (env_value_) return env_value_;
  if (!encrypted || !isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) return std::nullopt;
  return prompt_without_echo("Passphrase for " + path + ": ", path);
}

// ---------------------------------------------------------------------------------------------------------
// Key files.

void check_input_path(const std::string& path) {
  if (path.empty()) throw usage_error("an empty path was given where a file name belongs");
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw usage_error(path + ": is a directory; give the path of a file in it");
}

std::string read_text_file(const std::string& path) {
  check_input_path(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error(path + ": cannot open file: " + std::strerror(errno));
  std::string data;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<std::size_t>(in.gcount()));
    if (data.size() > ajwt::max_key_text_bytes) {
      OPENSSL_cleanse(data.data(), data.size());
      throw usage_error(path + ": file is larger than " + std::to_string(ajwt::max_key_text_bytes) +
                        " bytes");
    }
  }
  if (in.bad()) throw usage_error(path + ": read error");
  return data;
}

bool looks_like_private_key(std::string_view text) {
  return text.find("PRIVATE KEY-----") != std::string_view::npos;
}

bool looks_encrypted(std::string_view text) {
  if (text.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos) return true;
  if (text.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos) return true;
  constexpr std::string_view openssh_begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
  const auto begin = text.find(openssh_begin);
  if (begin == std::string_view::npos) return false;
  // An unencrypted openssh-key-v1 file starts with "openssh-key-v1\0", the string "none" (the cipher) and
  // the first byte of the next length: exactly these 32 base64 characters. Anything else is encrypted
  // (or corrupt, which the library reports once the passphrase has been asked for).
  constexpr std::string_view unencrypted_prefix = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUA";
  std::string body;
  for (std::size_t i = begin + openssh_begin.size();
       i < text.size() && body.size() < unencrypted_prefix.size(); ++i)
    if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n') body += text[i];
  return body != unencrypted_prefix;
}

ajwt::private_key load_private(const std::string& path, const passphrase_source& pass) {
  secret_string text(read_text_file(path));
  const bool encrypted = looks_encrypted(text.str());
  const auto passphrase = pass.for_key(path, encrypted);
  if (!passphrase) {
    if (encrypted)
      throw usage_error(
          path + ": the private key is encrypted and no passphrase was given" +
          (pass.offers_option()
               ? std::string(": name the environment variable that holds it with --passphrase-env "
                             "VAR, or run at a terminal to be prompted")
               : std::string(": give the public key instead (ajwt pubkey --passphrase-env VAR " + path +
                             " prints it)")));
    return ajwt::private_key::load_file(path);
  }
  return ajwt::private_key::load_file(path, std::string_view(passphrase->str()));
}

ajwt::public_key load_public_from_any(const std::string& path, const passphrase_source& pass) {
  const secret_string text(read_text_file(path));
  if (looks_like_private_key(text.str())) return load_private(path, pass).public_part();
  if (text.str().find("-----BEGIN CERTIFICATE-----") != std::string::npos ||
      text.str().find("-----BEGIN TRUSTED CERTIFICATE-----") != std::string::npos)
    throw usage_error(path +
                      ": this is an X.509 certificate, and certificates are not keys: extract its public key "
                      "with `openssl x509 -in " +
                      path + " -pubkey -noout`");
  // Public PEM, OpenSSH public lines and JWKs (private members of a JWK are ignored; its kid/alg kept).
  return ajwt::public_key::load_file(path);
}

std::string read_binary_file(const std::string& path) {
  check_input_path(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error(path + ": cannot open file: " + std::strerror(errno));
  std::string data;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) data.append(buf, static_cast<std::size_t>(in.gcount()));
  if (in.bad()) throw usage_error(path + ": read error");
  return data;
}

// ---------------------------------------------------------------------------------------------------------
// Request binding.

void request_options::add_to(CLI::App& app, const std::string& verb) {
  app.add_option("--method", method, verb + " this HTTP method, case-sensitive (needs --url)")
      ->type_name("M");
  app.add_option("--url", url, verb + " this absolute http(s) URL, query included (needs --method)")
      ->type_name("URL");
  app.add_option("--body-file", body_file, verb + " this request body: the bytes of file F (default: empty)")
      ->type_name("F");
}

namespace {
bool is_http_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (const char c : s) {
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) return false;
  }
  return true;
}
}  // namespace

std::optional<ajwt::http_request> request_options::request() const {
  if (!method && !url) {
    if (body_file) throw usage_error("--body-file needs --method and --url");
    return std::nullopt;
  }
  if (!method) throw usage_error("--url needs --method");
  if (!url) throw usage_error("--method needs --url");
  if (!is_http_token(*method))
    throw usage_error("--method: \"" + *method +
                      "\" is not an HTTP method (letters, digits and !#$%&'*+-.^_`|~)");
  if (!ajwt::normalize_url(*url))
    throw usage_error("--url: \"" + *url +
                      "\" is not an absolute http or https URL without user info (check the port and any "
                      "percent-encoding, and percent-encode spaces)");
  ajwt::http_request req;
  req.method = *method;
  req.url = *url;
  if (body_file) req.body = read_binary_file(*body_file);
  return req;
}

// ---------------------------------------------------------------------------------------------------------
// Files and output.

bool path_exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

void write_new_file(const std::string& path, std::string_view data, mode_t mode, bool replace) {
  if (replace) {
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) throw usage_error(path + ": is a directory");
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
      throw usage_error(path + ": cannot replace: " + std::strerror(errno));
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) {
    if (errno == EEXIST) throw usage_error(path + ": already exists (use --force to overwrite it)");
    throw usage_error(path + ": cannot create: " + std::strerror(errno));
  }
  try {
    write_all(fd, data, path);
  } catch (...) {
    ::close(fd);
    ::unlink(path.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(path.c_str());
    throw usage_error(path + ": write error: " + std::strerror(err));
  }
}

void write_all(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw usage_error(what + ": write error: " + std::strerror(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

output_buffer::~output_buffer() {
  try {
    flush();
  } catch (...) {
    // Nothing more can be reported from a destructor; flush() explicitly to see errors.
  }
}

void output_buffer::flush() {
  if (buf_.empty()) return;
  std::string pending;
  pending.swap(buf_);
  buf_.reserve(threshold_ + 4096);
  write_all(fd_, pending, fd_ == STDOUT_FILENO ? "standard output" : "standard error");
}

std::string_view without_ajwt_prefix(std::string_view message) noexcept {
  constexpr std::string_view prefix = "ajwt: ";
  while (message.substr(0, prefix.size()) == prefix) message.remove_prefix(prefix.size());
  return message;
}

}  // namespace ajwt_cli
