// SPDX-License-Identifier: ISC
// Tests of the authorized-keys format (include/ajwt/repository/authorized_keys.hpp): one
// "USERNAME KEYTYPE BASE64 [COMMENT]" per line, blank and '#' lines skipped, and every error naming the
// file and line. Fixtures live in tests/data/authorized_keys/; the end-to-end tests make fresh keys with
// ssh-keygen, as an operator would, and sign tokens with the OpenSSH private keys.
#include "ajwt/repository/authorized_keys.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ajwt/clock.hpp"
#include "ajwt/error.hpp"
#include "ajwt/keys.hpp"
#include "ajwt/nonce/memory.hpp"
#include "ajwt/repository/static.hpp"
#include "ajwt/token.hpp"
#include "ajwt/verifier.hpp"
#include "support.hpp"

#ifndef AJWT_TEST_DATA_DIR
#error "AJWT_TEST_DATA_DIR must name tests/data (tests/CMakeLists.txt defines it)"
#endif

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t t0 = 1'700'000'000;

fs::path fixture(const char* name) { return fs::path(AJWT_TEST_DATA_DIR) / "authorized_keys" / name; }

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The OpenSSH key part ("TYPE BASE64 [COMMENT]") of line `n` (1-based) of a fixture.
std::string key_part_of_line(const fs::path& p, int n) {
  std::istringstream lines(read_text(p));
  std::string line;
  for (int i = 0; i < n; ++i) REQUIRE(std::getline(lines, line));
  const auto sp = line.find_first_of(" \t");
  REQUIRE(sp != std::string::npos);
  return line.substr(sp + 1);
}

const ajwt::private_key& ed_key() {
  return ajwt_test::cached_key("authorized_keys/ed_key", ajwt::key_type::ed25519);
}

/// A scratch directory, removed with everything in it at the end of the test.
class scratch_dir {
 public:
  scratch_dir()
      : path_(fs::temp_directory_path() / ("ajwt-authorized-keys-test-" + ajwt::generate_nonce(12))) {
    fs::create_directories(path_);
  }
  ~scratch_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

/// Runs ssh-keygen to make an unencrypted key pair at `file` (and file.pub). Fails the test, saying
/// why, when ssh-keygen is missing or fails.
void ssh_keygen(const std::string& args, const fs::path& file) {
  const std::string cmd =
      "ssh-keygen -q " + args + " -N '' -C test-key -f '" + file.string() + "' </dev/null >/dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  INFO("command: " << cmd);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    FAIL("ssh-keygen failed or is not installed (exit status "
         << (WIFEXITED(status) ? WEXITSTATUS(status) : -1) << "); install openssh-client to run this test");
  }
  REQUIRE(fs::exists(file));
  REQUIRE(fs::exists(file.string() + ".pub"));
}

}  // namespace

TEST_CASE("a valid authorized-keys file gives each line's key to its user, skipping blanks and comments",
          "[authorized_keys]") {
  const auto path = fixture("valid");
  const auto entries = ajwt::parse_authorized_keys_file(path);
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].first == "alice");
  CHECK(entries[0].second.type() == ajwt::key_type::ed25519);
  CHECK(entries[1].first == "alice");  // separated from its key by a tab
  CHECK(entries[1].second.type() == ajwt::key_type::rsa);
  CHECK(entries[1].second.bits() == 2048);
  CHECK(entries[2].first == "bob");  // no comment after the key
  CHECK(entries[2].second.type() == ajwt::key_type::ec_p256);
  // Each key is the one its line holds.
  CHECK(entries[0].second == ajwt::public_key::load(key_part_of_line(path, 4)));
  CHECK(entries[1].second == ajwt::public_key::load(key_part_of_line(path, 6)));
  CHECK(entries[2].second == ajwt::public_key::load(key_part_of_line(path, 8)));

  ajwt::static_key_repository<> r;
  r.add_authorized_keys_file(path);
  CHECK(r.size() == 2);
  CHECK(r.find("alice", "")->keys.size() == 2);
  CHECK(r.find("bob", "")->keys.size() == 1);
}

TEST_CASE("authorized-keys errors name the file and the line", "[authorized_keys]") {
  struct row {
    const char* file;
    int line;
    const char* what;  // a word the message must contain
  };
  const row rows[] = {
      {"bad_base64", 4, "base64"},
      {"unknown_key_type", 3, "ssh-dss"},
      {"missing_key", 2, "USERNAME KEYTYPE BASE64"},
      {"missing_key_data", 2, "OpenSSH public key"},
      {"rsa_1024", 5, "1024"},
      {"ecdsa_p384", 2, "nistp384"},
  };
  for (const auto& row : rows) {
    const auto path = fixture(row.file);
    INFO(path.string());
    REQUIRE(fs::exists(path));
    try {
      (void)ajwt::parse_authorized_keys_file(path);
      FAIL("no error for " << row.file);
    } catch (const ajwt::config_error& e) {
      const std::string msg = e.what();
      CHECK_THAT(msg, Catch::StartsWith(path.string() + ":" + std::to_string(row.line) + ": "));
      CHECK_THAT(msg, Catch::Contains(row.what));
      // The same parts, separately, for a program that formats its own message.
      CHECK(e.source() == path.string());
      CHECK(e.line() == static_cast<std::size_t>(row.line));
      CHECK_THAT(e.problem(), Catch::Contains(row.what));
      CHECK(msg == e.source() + ":" + std::to_string(e.line()) + ": " + e.problem());
    }
    // The repository takes all or nothing from a file with a bad line.
    ajwt::static_key_repository<> r;
    CHECK_THROWS_AS(r.add_authorized_keys_file(path), ajwt::config_error);
    CHECK(r.size() == 0);
  }
}

TEST_CASE("a missing authorized-keys file is an error naming the file", "[authorized_keys]") {
  const auto path = fixture("no-such-file");
  CHECK_THROWS_WITH(ajwt::parse_authorized_keys_file(path), Catch::Contains(path.string()));
  CHECK_THROWS_AS(ajwt::parse_authorized_keys_file(path), ajwt::error);
}

TEST_CASE("authorized-keys text: line numbers count every line; CRLF and indentation are tolerated",
          "[authorized_keys]") {
  const std::string key = ed_key().public_part().to_openssh("c");
  CHECK(ajwt::parse_authorized_keys("", "empty").empty());
  CHECK(ajwt::parse_authorized_keys("\n\n# only comments\n   \n", "comments").empty());

  const auto crlf =
      ajwt::parse_authorized_keys("# keys\r\nalice " + key + "\r\n\r\n  bob\t" + key + "  \r\n", "crlf");
  REQUIRE(crlf.size() == 2);
  CHECK(crlf[0].first == "alice");
  CHECK(crlf[1].first == "bob");
  CHECK(crlf[1].second == ed_key().public_part());

  const std::string text = "# 1\n\nalice " + key + "\n# 4\nbob " + key + "\ncarol not-a-key\n";
  CHECK_THROWS_WITH(ajwt::parse_authorized_keys(text, "keys.txt"), Catch::StartsWith("keys.txt:6: "));
}

TEST_CASE("authorized-keys lines that are not USERNAME KEYTYPE BASE64 are errors", "[authorized_keys]") {
  const auto pub = ed_key().public_part();
  const std::string key = pub.to_openssh();
  const std::string b64 = key.substr(key.find(' ') + 1);
  auto error_of = [](const std::string& line) -> std::string {
    try {
      (void)ajwt::parse_authorized_keys(line + "\n", "src");
    } catch (const ajwt::config_error& e) {
      return e.what();
    }
    return "(no error)";
  };
  SECTION("a bare OpenSSH line without a username") {
    CHECK_THAT(error_of(key + " comment"), Catch::StartsWith("src:1: "));
  }
  SECTION("the type word disagrees with the key inside") {
    CHECK_THAT(error_of("alice ssh-rsa " + b64), Catch::StartsWith("src:1: "));
  }
  SECTION("an unknown key type word") {
    CHECK_THAT(error_of("alice ssh-foo " + b64), Catch::StartsWith("src:1: "));
  }
  SECTION("truncated key data") {
    CHECK_THAT(error_of("alice ssh-ed25519 " + b64.substr(0, 40)), Catch::StartsWith("src:1: "));
  }
  SECTION("a username longer than 256 bytes") {
    CHECK(error_of(std::string(257, 'u') + " " + key) == "src:1: username is longer than 256 bytes");
    CHECK(ajwt::parse_authorized_keys(std::string(256, 'u') + " " + key, "src").size() == 1);
  }
}

TEST_CASE("keys made by ssh-keygen: authorized_keys lines verify tokens signed with the OpenSSH private keys",
          "[authorized_keys][ssh-keygen]") {
  scratch_dir dir;
  struct kind {
    const char* name;
    const char* args;
    ajwt::key_type type;
  };
  const kind kinds[] = {
      {"ed25519", "-t ed25519", ajwt::key_type::ed25519},
      {"rsa", "-t rsa -b 2048", ajwt::key_type::rsa},
      {"ecdsa", "-t ecdsa -b 256", ajwt::key_type::ec_p256},
  };
  std::string authorized;
  authorized += "# made by ssh-keygen at test time\n";
  for (const auto& k : kinds) {
    ssh_keygen(k.args, dir.path() / k.name);
    std::string pub = read_text(dir.path() / (std::string(k.name) + ".pub"));
    authorized += "svc-" + std::string(k.name) + " " + pub;
  }
  const auto file = dir.path() / "authorized_keys";
  std::ofstream(file, std::ios::binary) << authorized;

  ajwt::static_key_repository<> keys;
  keys.add_authorized_keys_file(file);
  REQUIRE(keys.size() == 3);
  const ajwt::verifier<ajwt::static_key_repository<>, ajwt::memory_nonce_store, ajwt::fixed_clock> v(
      keys, {}, {}, ajwt::fixed_clock(t0));
  for (const auto& k : kinds) {
    INFO(k.name);
    const std::string user = "svc-" + std::string(k.name);
    const auto priv = ajwt::private_key::load_file(dir.path() / k.name);
    CHECK(priv.type() == k.type);
    REQUIRE(keys.find(user, "") != nullptr);
    CHECK(keys.find(user, "")->keys.at(0) == priv.public_part());
    ajwt::token_builder b(priv, user);
    b.time(t0);
    const auto r = v.verify_header(b.header());
    REQUIRE(r.ok());
    CHECK(r->username() == user);
    CHECK(r->key() == priv.public_part());
    // The key does not sign for another line's user.
    ajwt::token_builder other(priv, user == "svc-ed25519" ? "svc-rsa" : "svc-ed25519");
    other.time(t0);
    CHECK_FALSE(v.verify_header(other.header()).ok());
  }
}

TEST_CASE("a 1024-bit RSA key made by ssh-keygen is refused with the file and line",
          "[authorized_keys][ssh-keygen]") {
  scratch_dir dir;
  ssh_keygen("-t rsa -b 1024", dir.path() / "weak");
  ssh_keygen("-t ed25519", dir.path() / "strong");
  const auto file = dir.path() / "authorized_keys";
  std::ofstream(file, std::ios::binary) << "alice " << read_text(dir.path() / "strong.pub") << "\n"
                                        << "alice " << read_text(dir.path() / "weak.pub");
  CHECK_THROWS_WITH(ajwt::parse_authorized_keys_file(file),
                    Catch::StartsWith(file.string() + ":3: ") && Catch::Contains("1024"));
}
