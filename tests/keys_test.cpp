// SPDX-License-Identifier: ISC
// ajwt::public_key and ajwt::private_key: every input format, every output format, the key id, the RFC 7638
// thumbprint, JWKS documents, generation, and the precise key_error of every refused input. Keys come from
// three places, none of them ajwt: committed fixtures (tests/data/keys, tests/data/kid), and keys made by
// the `openssl` and `ssh-keygen` commands while the test runs (both must be on PATH; the test fails
// without them).
#include "ajwt/keys.hpp"
#include "ajwt/jws.hpp"
#include "ajwt/jws_sign.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#ifndef AJWT_TEST_DATA_DIR
#error "AJWT_TEST_DATA_DIR must name tests/data (tests/CMakeLists.txt defines it)"
#endif

namespace {

namespace fs = std::filesystem;
using ajwt::key_type;
using ajwt::private_key;
using ajwt::public_key;
using nlohmann::json;

const fs::path keys_dir = fs::path(AJWT_TEST_DATA_DIR) / "keys";
/// The passphrase of every encrypted file in tests/data/keys (see its README.md).
constexpr std::string_view fixture_passphrase = "fixture passphrase";
/// The passphrase of the encrypted keys the tools make at test time.
constexpr std::string_view tool_passphrase = "tool passphrase";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) FAIL("cannot read test input " << path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

/// The bytes of a base64url JWK member.
std::string decoded(const json& member) {
  std::string out;
  out = ajwt::detail::base64url_decode(member.get<std::string>()).value();
  return out;
}

/// The first two fields ("TYPE BASE64") of an OpenSSH public key line.
std::string openssh_key_fields(const std::string& line) {
  std::istringstream in(line);
  std::string type, blob;
  in >> type >> blob;
  return type + " " + blob;
}

/// Runs `f`, requires it to throw ajwt::key_error and returns the message.
template <class F>
std::string key_error_message(F&& f) {
  try {
    f();
  } catch (const ajwt::key_error& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("expected ajwt::key_error, got another exception: " << e.what());
  }
  FAIL("expected ajwt::key_error, but nothing was thrown");
  return {};
}

/// A fresh directory under the system temporary directory, removed with its contents at destruction.
class scratch_dir {
 public:
  scratch_dir() {
    std::string templ = (fs::temp_directory_path() / "ajwt-keys-test-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
  }
  ~scratch_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }
  [[nodiscard]] fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

/// Runs a shell script in `dir` with stdin from /dev/null; fails the test, quoting its output, unless it
/// exits with 0.
void run_script(const scratch_dir& dir, const std::string& script) {
  const fs::path file = dir / "script.sh";
  const fs::path log = dir / "script.log";
  {
    std::ofstream out(file);
    out << "set -eu\numask 077\ncd '" << dir.path().string() << "'\n" << script;
  }
  const std::string command = "sh '" + file.string() + "' </dev/null >'" + log.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  if (status != 0) {
    FAIL(
        "a key-making command failed (this test needs `openssl`, `ssh-keygen` and `sha256sum` on PATH); "
        "output:\n"
        << read_text(log) << "\nscript:\n"
        << script);
  }
}

/// Keys made by the openssl command, once per process (CTest runs each TEST_CASE in its own process, so the
/// tests that use them are few TEST_CASEs with SECTIONs):
///   {rsa,ed25519,p256}.pkcs8.pem, .spki.pem, .pkcs8-encrypted.pem (PBES2 AES-256-CBC), .kid (sha256sum);
///   rsa.pkcs1.pem, rsa.pkcs1-public.pem; p256.sec1.pem; {rsa,p256}.pub (ssh-keygen -y of the PEM).
const scratch_dir& openssl_keys() {
  static const scratch_dir dir;
  static const bool made = [] {
    const std::string pass(tool_passphrase);
    run_script(dir, R"(
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pkcs8.pem 2>/dev/null
openssl rsa -in rsa.pkcs8.pem -traditional -out rsa.pkcs1.pem
openssl rsa -in rsa.pkcs8.pem -pubout -RSAPublicKey_out -out rsa.pkcs1-public.pem
openssl genpkey -algorithm ED25519 -out ed25519.pkcs8.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pkcs8.pem
openssl ec -in p256.pkcs8.pem -out p256.sec1.pem
for k in rsa ed25519 p256; do
  openssl pkey -in $k.pkcs8.pem -pubout -out $k.spki.pem
  openssl pkcs8 -topk8 -v2 aes-256-cbc -passout 'pass:)" +
                        pass + R"(' -in $k.pkcs8.pem -out $k.pkcs8-encrypted.pem
  sha256sum $k.spki.pem | cut -d' ' -f1 >$k.kid
done
ssh-keygen -y -f rsa.pkcs1.pem >rsa.pub
ssh-keygen -y -f p256.sec1.pem >p256.pub
)");
    return true;
  }();
  (void)made;
  return dir;
}

/// Keys made by ssh-keygen, once per process: ssh-{ed25519,rsa,ecdsa} and .pub (ssh-keygen -t),
/// ssh-{rsa,ecdsa}.spki.pem (ssh-keygen -e -m PKCS8), ssh-ed25519-encrypted (-N, bcrypt 2 rounds).
const scratch_dir& ssh_keys() {
  static const scratch_dir dir;
  static const bool made = [] {
    const std::string pass(tool_passphrase);
    run_script(dir, R"(
ssh-keygen -q -t ed25519 -N '' -C 'ajwt test ed25519' -f ssh-ed25519
ssh-keygen -q -t rsa -b 2048 -N '' -C 'ajwt test rsa' -f ssh-rsa
ssh-keygen -q -t ecdsa -b 256 -N '' -C 'ajwt test ecdsa' -f ssh-ecdsa
ssh-keygen -e -m PKCS8 -f ssh-rsa.pub >ssh-rsa.spki.pem
ssh-keygen -e -m PKCS8 -f ssh-ecdsa.pub >ssh-ecdsa.spki.pem
ssh-keygen -q -t ed25519 -a 2 -N ')" +
                        pass + R"(' -f ssh-ed25519-encrypted
)");
    return true;
  }();
  (void)made;
  return dir;
}

/// A private key file and the passphrase it needs, if any.
struct private_file {
  std::string name;
  std::optional<std::string_view> passphrase;
};

/// One key in several files: every private file must load to a key whose public part equals every public
/// file's key, with the recorded kid.
struct key_files {
  std::string label;
  fs::path dir;
  key_type type;
  int bits;
  std::string spki;  ///< the SPKI PEM file, the reference
  std::string kid;   ///< the kid as another tool computed it
  std::vector<private_file> privates;
  std::vector<std::string> publics;
};

key_files fixture_rsa() {
  const std::string kid = trimmed(read_text(keys_dir / "rsa-2048.kid"));
  return {"fixture RSA-2048",
          keys_dir,
          key_type::rsa,
          2048,
          "rsa-2048.spki.pem",
          kid,
          {{"rsa-2048.pkcs8.pem", std::nullopt},
           {"rsa-2048.pkcs8-encrypted.pem", fixture_passphrase},
           {"rsa-2048.pkcs1.pem", std::nullopt},
           {"rsa-2048.pkcs1-encrypted.pem", fixture_passphrase},
           {"rsa-2048.openssh", std::nullopt},
           {"rsa-2048.private.jwk.json", std::nullopt}},
          {"rsa-2048.spki.pem", "rsa-2048.pkcs1-public.pem", "rsa-2048.pub", "rsa-2048.jwk.json",
           "rsa-2048.private.jwk.json"}};
}

key_files fixture_ed25519() {
  const std::string kid = trimmed(read_text(keys_dir / "ed25519.kid"));
  return {"fixture Ed25519",
          keys_dir,
          key_type::ed25519,
          256,
          "ed25519.spki.pem",
          kid,
          {{"ed25519.pkcs8.pem", std::nullopt},
           {"ed25519.pkcs8-encrypted.pem", fixture_passphrase},
           {"ed25519.openssh", std::nullopt},
           {"ed25519.private.jwk.json", std::nullopt}},
          {"ed25519.spki.pem", "ed25519.pub", "ed25519.jwk.json", "ed25519.private.jwk.json"}};
}

key_files fixture_p256() {
  const std::string kid = trimmed(read_text(keys_dir / "p256.kid"));
  return {"fixture P-256",
          keys_dir,
          key_type::ec_p256,
          256,
          "p256.spki.pem",
          kid,
          {{"p256.pkcs8.pem", std::nullopt},
           {"p256.pkcs8-encrypted.pem", fixture_passphrase},
           {"p256.sec1.pem", std::nullopt},
           {"p256.sec1-encrypted.pem", fixture_passphrase},
           {"p256.openssh", std::nullopt},
           {"p256.openssh-encrypted", fixture_passphrase},
           {"p256.private.jwk.json", std::nullopt}},
          {"p256.spki.pem", "p256.pub", "p256.jwk.json", "p256.private.jwk.json"}};
}

std::vector<key_files> openssl_key_files() {
  const auto& dir = openssl_keys();
  auto kid = [&](const char* name) { return trimmed(read_text(dir / name)); };
  return {
      {"openssl RSA-2048",
       dir.path(),
       key_type::rsa,
       2048,
       "rsa.spki.pem",
       kid("rsa.kid"),
       {{"rsa.pkcs8.pem", std::nullopt},
        {"rsa.pkcs8-encrypted.pem", tool_passphrase},
        {"rsa.pkcs1.pem", std::nullopt}},
       {"rsa.spki.pem", "rsa.pkcs1-public.pem", "rsa.pub"}},
      {"openssl Ed25519",
       dir.path(),
       key_type::ed25519,
       256,
       "ed25519.spki.pem",
       kid("ed25519.kid"),
       {{"ed25519.pkcs8.pem", std::nullopt}, {"ed25519.pkcs8-encrypted.pem", tool_passphrase}},
       {"ed25519.spki.pem"}},
      {"openssl P-256",
       dir.path(),
       key_type::ec_p256,
       256,
       "p256.spki.pem",
       kid("p256.kid"),
       {{"p256.pkcs8.pem", std::nullopt},
        {"p256.pkcs8-encrypted.pem", tool_passphrase},
        {"p256.sec1.pem", std::nullopt}},
       {"p256.spki.pem", "p256.pub"}},
  };
}

/// Loads every file of `k` and checks that all of them hold the one key.
void check_one_key_in_every_format(const key_files& k) {
  INFO(k.label);
  const public_key reference = public_key::load_file(k.dir / k.spki);
  CHECK(reference.type() == k.type);
  CHECK(reference.bits() == k.bits);
  CHECK(reference.kid() == k.kid);
  CHECK(reference.kid().size() == 64);
  // The SPKI PEM ajwt writes (and hashes for the kid) is byte for byte the file openssl wrote.
  CHECK(reference.to_pem() == read_text(k.dir / k.spki));
  for (const auto& name : k.publics) {
    INFO("public file " << name);
    const public_key key = public_key::load_file(k.dir / name);
    CHECK(key == reference);
    CHECK(key.type() == k.type);
    CHECK(key.kid() == k.kid);
    CHECK(key.thumbprint() == reference.thumbprint());
    CHECK(key.to_pem() == reference.to_pem());
  }
  for (const auto& file : k.privates) {
    INFO("private file " << file.name);
    const private_key key = private_key::load_file(k.dir / file.name, file.passphrase);
    CHECK(key.public_part() == reference);
    CHECK(key.type() == k.type);
    CHECK(key.bits() == k.bits);
    CHECK(key.kid() == k.kid);
    CHECK(key.public_part().thumbprint() == reference.thumbprint());
  }
}

/// Checks that every output format of `key` loads back to the same key.
void check_round_trips(const private_key& key) {
  const public_key& pub = key.public_part();
  CHECK(public_key::load(pub.to_pem()) == pub);
  CHECK(public_key::load(pub.to_openssh()) == pub);
  CHECK(public_key::load(pub.to_openssh("user@example comment")) == pub);
  CHECK(public_key::load(pub.to_jwk().dump()) == pub);
  CHECK(public_key::from_jwk(pub.to_jwk()) == pub);
  CHECK(public_key::from_native(pub.native_handle()) == pub);
  CHECK(public_key::load(pub.to_jwk().dump()).kid() == pub.kid());

  // Private keys compare through their (deterministic) unencrypted PKCS#8 encoding.
  const std::string pkcs8 = key.to_pem();
  CHECK(pkcs8.rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);
  CHECK(private_key::load(pkcs8).to_pem() == pkcs8);
  const std::string encrypted = key.to_pem("round trip passphrase");
  CHECK(encrypted.rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----\n", 0) == 0);
  CHECK(private_key::load(encrypted, std::string_view("round trip passphrase")).to_pem() == pkcs8);
  CHECK(private_key::from_jwk(key.to_jwk()).to_pem() == pkcs8);
  CHECK(private_key::load(key.to_jwk().dump()).to_pem() == pkcs8);
  CHECK(private_key::from_native(key.native_handle()).to_pem() == pkcs8);
  CHECK(private_key::load(pkcs8).public_part() == pub);
}

/// The JWK members of `python` other than PyJWT's "key_ops", which ajwt does not write.
json jwk_members_without_key_ops(json python) {
  python.erase("key_ops");
  return python;
}

/// The RFC JOSE vectors copied into tests/data (from /work/shared/vectors, unchanged).
const json& rfc_vectors() {
  static const json doc = json::parse(read_text(fs::path(AJWT_TEST_DATA_DIR) / "jose-rfc-vectors.json"));
  return doc;
}

const json& rfc_vector(std::string_view id) {
  for (const auto& v : rfc_vectors()["vectors"])
    if (v["id"] == id) return v;
  FAIL("no vector " << id << " in tests/data/jose-rfc-vectors.json");
  throw std::logic_error("unreachable");
}

/// A big-endian number of `bits` bits (top bit set, odd), base64url-encoded: an RSA modulus of that size.
std::string modulus_of_bits(int bits) {
  std::string n(static_cast<std::size_t>((bits + 7) / 8), '\x5a');
  const int top = (bits - 1) % 8;
  n.front() = static_cast<char>(1 << top);
  n.back() = static_cast<char>(n.back() | 1);
  return ajwt::detail::base64url_encode(n);
}

json fixture_json(const std::string& name) { return json::parse(read_text(keys_dir / name)); }

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Every format, one key.

TEST_CASE("a fixture RSA key is the same key in every private and public format", "[keys]") {
  check_one_key_in_every_format(fixture_rsa());
}

TEST_CASE("a fixture Ed25519 key is the same key in every private and public format", "[keys]") {
  check_one_key_in_every_format(fixture_ed25519());
}

TEST_CASE("a fixture P-256 key is the same key in every private and public format", "[keys]") {
  check_one_key_in_every_format(fixture_p256());
}

TEST_CASE("keys made by the openssl command at test time load in every format and write what openssl writes",
          "[keys][tools]") {
  const auto& dir = openssl_keys();
  SECTION("every private and public format holds the same key") {
    for (const auto& k : openssl_key_files()) check_one_key_in_every_format(k);
  }
  SECTION("every output format reloads to an equal key") {
    for (const char* name : {"rsa", "ed25519", "p256"}) {
      INFO(name);
      check_round_trips(private_key::load_file(dir / (std::string(name) + ".pkcs8.pem")));
    }
  }
  SECTION("to_openssh writes the line ssh-keygen -y writes") {
    for (const char* name : {"rsa", "p256"}) {
      INFO(name);
      const auto key = private_key::load_file(dir / (std::string(name) + ".pkcs8.pem"));
      CHECK(key.public_part().to_openssh() ==
            openssh_key_fields(read_text(dir / (std::string(name) + ".pub"))));
    }
  }
  SECTION("openssl and ssh-keygen read the keys ajwt writes") {
    const std::string pass = "written by ajwt";
    for (const char* name : {"rsa", "ed25519", "p256"}) {
      INFO(name);
      const auto key = private_key::load_file(dir / (std::string(name) + ".pkcs8.pem"));
      const std::string base = std::string("ajwt-") + name;
      std::ofstream(dir / (base + ".enc.pem")) << key.to_pem(pass);
      std::ofstream(dir / (base + ".pem")) << key.to_pem();
      std::ofstream(dir / (base + ".spki.pem")) << key.public_part().to_pem();
      const bool ssh = std::string(name) != "ed25519";  // ssh-keygen 9.2 cannot read Ed25519 PEM
      run_script(dir, "chmod 600 " + base + ".pem\n" + "openssl pkey -in " + base +
                          ".enc.pem -passin 'pass:" + pass + "' -pubout -out " + base + ".from-enc.pem\n" +
                          "openssl pkey -pubin -in " + base + ".spki.pem -out " + base + ".from-spki.pem\n" +
                          (ssh ? "ssh-keygen -y -f " + base + ".pem >" + base + ".pub\n" : ""));
      CHECK(read_text(dir / (base + ".from-enc.pem")) == key.public_part().to_pem());
      CHECK(read_text(dir / (base + ".from-spki.pem")) == key.public_part().to_pem());
      if (ssh) CHECK(openssh_key_fields(read_text(dir / (base + ".pub"))) == key.public_part().to_openssh());
    }
  }
}

TEST_CASE("keys made by ssh-keygen at test time load and match their public lines", "[keys][tools]") {
  const auto& dir = ssh_keys();
  SECTION("each private key has the public key of its .pub line and of ssh-keygen's PKCS8 export") {
    const std::pair<const char*, key_type> keys[] = {
        {"ssh-ed25519", key_type::ed25519}, {"ssh-rsa", key_type::rsa}, {"ssh-ecdsa", key_type::ec_p256}};
    for (const auto& [name, type] : keys) {
      INFO(name);
      const std::string line = read_text(dir / (std::string(name) + ".pub"));
      const private_key priv = private_key::load_file(dir / name);
      const public_key pub = public_key::load_file(dir / (std::string(name) + ".pub"));
      CHECK(priv.type() == type);
      CHECK(priv.public_part() == pub);
      CHECK(priv.kid() == pub.kid());
      CHECK(pub.to_openssh() == openssh_key_fields(line));
      if (type != key_type::ed25519) {  // ssh-keygen 9.2 cannot export Ed25519 keys as PKCS8
        const std::string spki = read_text(dir / (std::string(name) + ".spki.pem"));
        CHECK(pub.to_pem() == spki);
        CHECK(public_key::load(spki) == pub);
      }
      check_round_trips(priv);
    }
  }
  SECTION("an encrypted key loads with its passphrase only") {
    const auto file = dir / "ssh-ed25519-encrypted";
    const auto key = private_key::load_file(file, tool_passphrase);
    CHECK(key.public_part() == public_key::load_file(dir / "ssh-ed25519-encrypted.pub"));
    const auto missing = key_error_message([&] { (void)private_key::load_file(file); });
    CHECK_THAT(missing, Catch::StartsWith(file.string() + ": ") && Catch::Contains("encrypted") &&
                            Catch::Contains("passphrase"));
    const auto wrong =
        key_error_message([&] { (void)private_key::load_file(file, std::string_view("not it")); });
    CHECK_THAT(wrong, Catch::StartsWith(file.string() + ": ") && Catch::Contains("wrong passphrase"));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Output formats.

TEST_CASE("every output format of a fixture key reloads to an equal key", "[keys]") {
  for (const char* name : {"rsa-2048.pkcs8.pem", "ed25519.pkcs8.pem", "p256.pkcs8.pem"}) {
    INFO(name);
    check_round_trips(private_key::load_file(keys_dir / name));
  }
}

TEST_CASE("private to_pem writes the PKCS#8 text openssl writes", "[keys]") {
  for (const char* name : {"rsa-2048", "ed25519", "p256"}) {
    INFO(name);
    const std::string pkcs8 = read_text(keys_dir / (std::string(name) + ".pkcs8.pem"));
    CHECK(private_key::load(pkcs8).to_pem() == pkcs8);
    // Every other private format converts to the same PKCS#8.
    CHECK(private_key::load_file(keys_dir / (std::string(name) + ".pkcs8-encrypted.pem"), fixture_passphrase)
              .to_pem() == pkcs8);
    CHECK(private_key::load_file(keys_dir / (std::string(name) + ".openssh")).to_pem() == pkcs8);
    CHECK(private_key::load_file(keys_dir / (std::string(name) + ".private.jwk.json")).to_pem() == pkcs8);
  }
  CHECK(private_key::load_file(keys_dir / "rsa-2048.pkcs1.pem").to_pem() ==
        read_text(keys_dir / "rsa-2048.pkcs8.pem"));
  CHECK(private_key::load_file(keys_dir / "p256.sec1.pem").to_pem() ==
        read_text(keys_dir / "p256.pkcs8.pem"));
}

TEST_CASE("to_openssh writes the line ssh-keygen writes", "[keys]") {
  for (const char* name : {"rsa-2048", "ed25519", "p256"}) {
    INFO(name);
    const std::string line = read_text(keys_dir / (std::string(name) + ".pub"));
    const auto key = public_key::load_file(keys_dir / (std::string(name) + ".spki.pem"));
    CHECK(key.to_openssh() == openssh_key_fields(line));
    CHECK(key.to_openssh("alice@example") == openssh_key_fields(line) + " alice@example");
  }
}

TEST_CASE("to_jwk writes the members PyJWT writes, plus use, alg and kid", "[keys]") {
  const std::pair<const char*, const char*> keys[] = {
      {"rsa-2048", "RS512"}, {"ed25519", "EdDSA"}, {"p256", "ES256"}};
  for (const auto& [name, alg] : keys) {
    INFO(name);
    const auto key = private_key::load_file(keys_dir / (std::string(name) + ".pkcs8.pem"));
    const json python_public = jwk_members_without_key_ops(fixture_json(std::string(name) + ".jwk.json"));
    const json python_private =
        jwk_members_without_key_ops(fixture_json(std::string(name) + ".private.jwk.json"));

    json expected_public = python_public;
    expected_public["use"] = "sig";
    expected_public["alg"] = alg;
    expected_public["kid"] = key.kid();
    CHECK(key.public_part().to_jwk() == expected_public);

    json expected_private = python_private;
    expected_private["use"] = "sig";
    expected_private["alg"] = alg;
    expected_private["kid"] = key.kid();
    CHECK(key.to_jwk() == expected_private);
    CHECK_FALSE(key.public_part().to_jwk().contains("d"));
  }
}

TEST_CASE("an encrypted to_pem is PBES2 with PBKDF2 and AES-256-CBC and needs its passphrase", "[keys]") {
  const auto key = private_key::load_file(keys_dir / "ed25519.pkcs8.pem");
  const std::string encrypted = key.to_pem("secret words");
  CHECK(encrypted != key.to_pem("secret words"));  // a fresh salt and IV each time
  const scratch_dir dir;
  std::ofstream(dir / "asn1.pem") << encrypted;
  run_script(dir, "openssl asn1parse -in asn1.pem >asn1.txt\n");
  const std::string asn1 = read_text(dir / "asn1.txt");
  CHECK_THAT(asn1,
             Catch::Contains(":PBES2") && Catch::Contains(":PBKDF2") && Catch::Contains(":aes-256-cbc"));
  CHECK_THAT(key_error_message([&] { (void)private_key::load(encrypted); }),
             Catch::Contains("the private key is encrypted; a passphrase is needed"));
  CHECK_THAT(key_error_message([&] { (void)private_key::load(encrypted, std::string_view("secret word")); }),
             Catch::Contains("wrong passphrase"));
  CHECK_THROWS_AS(key.to_pem(std::string_view("")), ajwt::config_error);
}

// ---------------------------------------------------------------------------------------------------------
// Key ids and thumbprints.

TEST_CASE("kid equals the Python library's fingerprint for every file of the kid fixtures", "[keys][kid]") {
  const fs::path dir = fs::path(AJWT_TEST_DATA_DIR) / "kid";
  const json manifest = json::parse(read_text(dir / "kids.json"));
  std::set<std::string> listed = {"kids.json", "make_fixtures.py"};
  REQUIRE(manifest["keys"].size() == 3);
  for (const auto& entry : manifest["keys"]) {
    const std::string kid = entry["kid"];
    INFO(entry["name"].get<std::string>() << ", Python kid " << kid);
    const public_key spki = public_key::load_file(dir / (entry["name"].get<std::string>() + ".spki.pem"));
    CHECK(to_string(spki.type()) == entry["type"].get<std::string>());
    for (const auto& file : entry["private"]) {
      INFO(file.get<std::string>());
      CHECK(private_key::load_file(dir / file.get<std::string>()).kid() == kid);
      listed.insert(file.get<std::string>());
    }
    for (const auto& file : entry["public"]) {
      INFO(file.get<std::string>());
      CHECK(public_key::load_file(dir / file.get<std::string>()).kid() == kid);
      listed.insert(file.get<std::string>());
    }
  }
  // No fixture file goes unchecked.
  for (const auto& f : fs::directory_iterator(dir)) {
    INFO(f.path());
    CHECK(listed.count(f.path().filename().string()) == 1);
  }
}

TEST_CASE("kid is the lowercase hex SHA-256 of the SPKI PEM text", "[keys][kid]") {
  const auto key = public_key::load_file(keys_dir / "p256.spki.pem");
  CHECK(key.kid() ==
        ajwt::detail::hex_lower(ajwt::detail::sha256_bytes(read_text(keys_dir / "p256.spki.pem"))));
  CHECK(key.kid() == trimmed(read_text(keys_dir / "p256.kid")));
  for (char c : key.kid()) CHECK(((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')));
}

TEST_CASE("the thumbprint of the RFC 7638 section 3.1 key is the published one", "[keys][thumbprint]") {
  const auto& v = rfc_vector("rfc7638-3.1-rsa-thumbprint");
  const auto key = public_key::from_jwk(v["jwk_public"]);
  CHECK(key.thumbprint() == v["thumbprint"].get<std::string>());
  CHECK(key.thumbprint() == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  // The JWK's own kid and alg are kept; the kid matches by either name.
  CHECK(key.jwk_kid() == "2011-04-29");
  CHECK(key.matches_kid("2011-04-29"));
  CHECK(key.matches_kid(key.thumbprint()));
  CHECK(key.matches_kid(key.kid()));
  CHECK_FALSE(key.matches_kid(""));
  CHECK_FALSE(key.matches_kid("2011-04-30"));
  CHECK(key.default_algorithm() == ajwt::algorithm::rs256);
}

TEST_CASE("the thumbprint of the RFC 8037 A.3 Ed25519 key is the published one", "[keys][thumbprint]") {
  const auto& v = rfc_vector("rfc8037-a4-eddsa-ed25519");
  const auto pub = public_key::from_jwk(v["jwk_public"]);
  CHECK(pub.thumbprint() == v["thumbprint"].get<std::string>());
  CHECK(pub.thumbprint() == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
  std::string raw;
  raw = ajwt::detail::base64url_decode(pub.thumbprint()).value();
  CHECK(ajwt::detail::hex_lower(raw) == v["thumbprint_sha256_hex"].get<std::string>());
  // The private JWK of A.1 has the same public key and thumbprint.
  const auto priv = private_key::from_jwk(v["jwk_private"]);
  CHECK(priv.public_part() == pub);
  CHECK(priv.public_part().thumbprint() == pub.thumbprint());
}

TEST_CASE("the thumbprint does not depend on the format the key was loaded from", "[keys][thumbprint]") {
  for (const auto& k : {fixture_rsa(), fixture_ed25519(), fixture_p256()}) {
    INFO(k.label);
    const auto reference = public_key::load_file(k.dir / k.spki).thumbprint();
    CHECK(reference.size() == 43);
    for (const auto& f : k.privates)
      CHECK(private_key::load_file(k.dir / f.name, f.passphrase).public_part().thumbprint() == reference);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Algorithms a key allows.

TEST_CASE("a key allows exactly the algorithms of its type", "[keys]") {
  using ajwt::algorithm;
  const auto rsa = public_key::load_file(keys_dir / "rsa-2048.spki.pem");
  const auto ed = public_key::load_file(keys_dir / "ed25519.spki.pem");
  const auto ec = public_key::load_file(keys_dir / "p256.spki.pem");
  for (auto a : {algorithm::rs256, algorithm::rs384, algorithm::rs512, algorithm::ps256, algorithm::ps384,
                 algorithm::ps512, algorithm::es256, algorithm::eddsa, algorithm::ed25519}) {
    INFO(to_string(a));
    CHECK(rsa.allows(a) == (ajwt::required_key_type(a) == key_type::rsa));
    CHECK(ed.allows(a) == (a == algorithm::eddsa || a == algorithm::ed25519));
    CHECK(ec.allows(a) == (a == algorithm::es256));
  }
  CHECK(rsa.default_algorithm() == algorithm::rs512);
  CHECK(ed.default_algorithm() == algorithm::eddsa);
  CHECK(ec.default_algorithm() == algorithm::es256);
}

TEST_CASE("a JWK's alg restricts its key to that algorithm", "[keys]") {
  using ajwt::algorithm;
  json jwk = fixture_json("rsa-2048.jwk.json");
  jwk["alg"] = "PS384";
  const auto key = public_key::from_jwk(jwk);
  CHECK(key.allows(algorithm::ps384));
  CHECK_FALSE(key.allows(algorithm::rs512));
  CHECK_FALSE(key.allows(algorithm::rs256));
  CHECK(key.default_algorithm() == algorithm::ps384);
  // Written back out, the JWK keeps its alg.
  CHECK(key.to_jwk()["alg"] == "PS384");
  // For Ed25519, "EdDSA" and "Ed25519" name one signature algorithm: either allows both.
  json ed = fixture_json("ed25519.jwk.json");
  ed["alg"] = "EdDSA";
  CHECK(public_key::from_jwk(ed).allows(algorithm::ed25519));
}

TEST_CASE("a public key from a private JWK ignores the private members", "[keys]") {
  // Documented contract (the ajwt tool relies on it to print the public part of a private JWK file).
  const auto key = public_key::load_file(keys_dir / "p256.private.jwk.json");
  CHECK(key == public_key::load_file(keys_dir / "p256.spki.pem"));
  CHECK_FALSE(key.to_jwk().contains("d"));
}

// ---------------------------------------------------------------------------------------------------------
// Encrypted keys.

TEST_CASE("encrypted PEM keys load with the right passphrase", "[keys][encrypted]") {
  for (const char* name :
       {"rsa-2048.pkcs8-encrypted.pem", "rsa-2048.pkcs1-encrypted.pem", "ed25519.pkcs8-encrypted.pem",
        "p256.pkcs8-encrypted.pem", "p256.sec1-encrypted.pem", "p256.openssh-encrypted"}) {
    INFO(name);
    CHECK_NOTHROW(private_key::load_file(keys_dir / name, fixture_passphrase));
  }
}

TEST_CASE("an encrypted key without a passphrase is a key_error that says a passphrase is needed",
          "[keys][encrypted]") {
  for (const char* name :
       {"rsa-2048.pkcs8-encrypted.pem", "rsa-2048.pkcs1-encrypted.pem", "ed25519.pkcs8-encrypted.pem",
        "p256.pkcs8-encrypted.pem", "p256.sec1-encrypted.pem"}) {
    INFO(name);
    const auto msg = key_error_message([&] { (void)private_key::load_file(keys_dir / name); });
    CHECK(msg == (keys_dir / name).string() + ": the private key is encrypted; a passphrase is needed");
  }
  const auto msg =
      key_error_message([&] { (void)private_key::load_file(keys_dir / "p256.openssh-encrypted"); });
  CHECK_THAT(msg, Catch::StartsWith((keys_dir / "p256.openssh-encrypted").string() + ": ") &&
                      Catch::Contains("encrypted") && Catch::Contains("passphrase"));
  // From text, the message names "private key".
  CHECK(key_error_message([&] {
          (void)private_key::load(read_text(keys_dir / "p256.pkcs8-encrypted.pem"));
        }) == "private key: the private key is encrypted; a passphrase is needed");
}

TEST_CASE("an encrypted key with a wrong passphrase is a key_error that says so", "[keys][encrypted]") {
  for (const char* name :
       {"rsa-2048.pkcs8-encrypted.pem", "rsa-2048.pkcs1-encrypted.pem", "ed25519.pkcs8-encrypted.pem",
        "p256.pkcs8-encrypted.pem", "p256.sec1-encrypted.pem", "p256.openssh-encrypted"}) {
    INFO(name);
    for (std::string_view wrong : {std::string_view("fixture passphrasE"), std::string_view("x")}) {
      const auto msg = key_error_message([&] { (void)private_key::load_file(keys_dir / name, wrong); });
      CHECK_THAT(msg,
                 Catch::StartsWith((keys_dir / name).string() + ": ") && Catch::Contains("wrong passphrase"));
    }
    // An empty passphrase is wrong too (OpenSSH files take it for no passphrase, and say one is needed).
    const auto msg =
        key_error_message([&] { (void)private_key::load_file(keys_dir / name, std::string_view()); });
    CHECK_THAT(msg, Catch::StartsWith((keys_dir / name).string() + ": ") && Catch::Contains("passphrase"));
  }
}

TEST_CASE("a passphrase given for an unencrypted key is ignored", "[keys][encrypted]") {
  for (const char* name : {"rsa-2048.pkcs8.pem", "p256.sec1.pem", "ed25519.openssh"}) {
    INFO(name);
    CHECK(private_key::load_file(keys_dir / name, std::string_view("unused")).to_pem() ==
          private_key::load_file(keys_dir / name).to_pem());
  }
}

TEST_CASE("a PEM passphrase longer than OpenSSL's 1024-byte buffer is refused, not truncated",
          "[keys][encrypted]") {
  const std::string too_long(1025, 'p');
  for (const char* name : {"rsa-2048.pkcs1-encrypted.pem", "rsa-2048.pkcs8-encrypted.pem"}) {
    INFO(name);
    CHECK(key_error_message([&] {
            (void)private_key::load_file(keys_dir / name, std::string_view(too_long));
          }) == (keys_dir / name).string() + ": passphrase is too long");
  }
  // A long passphrase that fits works both ways.
  const std::string long_pass(1000, 'q');
  const auto key = private_key::load_file(keys_dir / "ed25519.pkcs8.pem");
  CHECK(private_key::load(key.to_pem(long_pass), std::string_view(long_pass)).to_pem() == key.to_pem());
  CHECK_THAT(key_error_message([&] {
               (void)private_key::load(key.to_pem(long_pass), std::string_view(long_pass).substr(1));
             }),
             Catch::Contains("wrong passphrase"));
}

TEST_CASE("loading an encrypted key without a passphrase never prompts on the terminal",
          "[keys][encrypted]") {
  // The child gets a pseudo-terminal as its controlling terminal (where OpenSSL's default password prompt
  // would go) and /dev/null as stdin. It must fail at once with a key_error, write nothing to the terminal
  // and not wait for input; the parent kills it after 30 s.
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0) {
    // A minimal chroot may have no /dev/pts. CTest reports this test as skipped (its
    // SKIP_REGULAR_EXPRESSION matches the line below), never as passed.
    std::cout << "AJWT_SKIPPED: this system has no pseudo-terminals (posix_openpt: " << std::strerror(errno)
              << ")" << std::endl;
    return;
  }
  REQUIRE(::grantpt(master) == 0);
  REQUIRE(::unlockpt(master) == 0);
  const std::string slave_name = ::ptsname(master);
  const std::string files[] = {(keys_dir / "rsa-2048.pkcs8-encrypted.pem").string(),
                               (keys_dir / "rsa-2048.pkcs1-encrypted.pem").string(),
                               (keys_dir / "p256.openssh-encrypted").string()};
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(master);
    ::setsid();
    const int tty = ::open(slave_name.c_str(), O_RDWR);
    const int null = ::open("/dev/null", O_RDONLY);
    if (tty < 0 || null < 0 || ::ioctl(tty, TIOCSCTTY, 0) != 0) ::_exit(10);
    ::dup2(null, 0);
    ::dup2(tty, 1);
    ::dup2(tty, 2);
    ::alarm(60);
    int failures = 0;
    for (const auto& f : files) {
      try {
        (void)private_key::load_file(f);
        ++failures;
      } catch (const ajwt::key_error& e) {
        if (std::string_view(e.what()).find("passphrase") == std::string_view::npos) ++failures;
      } catch (...) {
        ++failures;
      }
    }
    ::_exit(failures);
  }
  std::string tty_output;
  int status = 0;
  bool exited = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!exited && std::chrono::steady_clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0 && (p.revents & POLLIN)) {
      char buf[256];
      const auto n = ::read(master, buf, sizeof buf);
      if (n > 0) tty_output.append(buf, static_cast<std::size_t>(n));
    }
    exited = ::waitpid(pid, &status, WNOHANG) == pid;
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  ::close(master);
  INFO("written to the terminal: \"" << tty_output << "\"");
  REQUIRE(exited);
  CHECK(tty_output.empty());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

// ---------------------------------------------------------------------------------------------------------
// Refused keys.

TEST_CASE("an RSA key under 2048 bits is refused in every format as too small", "[keys][reject]") {
  for (const char* name : {"rsa-1024.pkcs8.pem"}) {
    const auto msg = key_error_message([&] { (void)private_key::load_file(keys_dir / name); });
    CHECK(msg == (keys_dir / name).string() + ": RSA key of 1024 bits is too small (minimum 2048)");
  }
  for (const char* name : {"rsa-1024.spki.pem", "rsa-1024.pub"}) {
    INFO(name);
    const auto msg = key_error_message([&] { (void)public_key::load_file(keys_dir / name); });
    CHECK(msg == (keys_dir / name).string() + ": RSA key of 1024 bits is too small (minimum 2048)");
  }
  json jwk = fixture_json("rsa-2048.jwk.json");
  jwk["n"] = modulus_of_bits(2047);
  CHECK_THAT(key_error_message([&] { (void)public_key::from_jwk(jwk); }),
             Catch::Contains("2047 bits is too small"));
}

TEST_CASE("EC keys on curves other than P-256 are refused, naming the curve", "[keys][reject]") {
  const std::pair<const char*, const char*> cases[] = {{"p384.pkcs8.pem", "secp384r1"},
                                                       {"p384.spki.pem", "secp384r1"},
                                                       {"secp256k1.pkcs8.pem", "secp256k1"},
                                                       {"secp256k1.spki.pem", "secp256k1"}};
  for (const auto& [name, curve] : cases) {
    INFO(name);
    const bool is_private = std::string_view(name).find("pkcs8") != std::string_view::npos;
    const auto msg = key_error_message([&, n = name] {
      if (is_private)
        (void)private_key::load_file(keys_dir / n);
      else
        (void)public_key::load_file(keys_dir / n);
    });
    CHECK(msg ==
          (keys_dir / name).string() + ": EC curve " + curve + " is not supported; only P-256 (ES256) is");
  }
  const auto ssh = key_error_message([] { (void)public_key::load_file(keys_dir / "p384.pub"); });
  CHECK_THAT(ssh, Catch::StartsWith((keys_dir / "p384.pub").string() + ": ") &&
                      Catch::Contains("ecdsa-sha2-nistp384") && Catch::Contains("not supported"));
}

TEST_CASE("DSA, X25519, Ed448 and RSA-PSS keys are refused, naming the type", "[keys][reject]") {
  const std::pair<const char*, const char*> cases[] = {
      {"dsa", "DSA"}, {"x25519", "X25519"}, {"ed448", "ED448"}, {"rsa-pss", "RSA-PSS"}};
  for (const auto& [name, type] : cases) {
    INFO(name);
    const std::string expected = std::string(": key type ") + type +
                                 " is not supported; use RSA (2048 bits or more), Ed25519 or EC P-256";
    const auto priv = keys_dir / (std::string(name) + ".pkcs8.pem");
    const auto pub = keys_dir / (std::string(name) + ".spki.pem");
    CHECK(key_error_message([&] { (void)private_key::load_file(priv); }) == priv.string() + expected);
    CHECK(key_error_message([&] { (void)public_key::load_file(pub); }) == pub.string() + expected);
  }
}

TEST_CASE("garbage is refused as an unrecognised key format", "[keys][reject]") {
  for (const char* text : {"hello", "ssh-rsa", "AAAAB3NzaC1yc2EAAAADAQABAAABAQ",
                           "-----BEGIN CERTIFICATE-----\nAAAA\n"
                           "-----END CERTIFICATE-----\n"}) {
    INFO(text);
    CHECK_THAT(key_error_message([&] { (void)public_key::load(text); }),
               Catch::StartsWith("public key: unrecognised public key format"));
    CHECK_THAT(key_error_message([&] { (void)private_key::load(text); }),
               Catch::StartsWith("private key: unrecognised private key format"));
  }
  CHECK_THAT(key_error_message([] {
               (void)public_key::load("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
             }),
             Catch::StartsWith("public key: cannot decode PEM public key"));
  CHECK_THAT(key_error_message([] {
               (void)private_key::load("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
             }),
             Catch::StartsWith("private key: cannot decode PEM private key"));
  // A PEM cut short.
  const std::string pem = read_text(keys_dir / "p256.pkcs8.pem");
  CHECK_THAT(key_error_message([&] { (void)private_key::load(pem.substr(0, pem.size() / 2)); }),
             Catch::StartsWith("private key: "));
  const std::string spki = read_text(keys_dir / "p256.spki.pem");
  CHECK_THAT(key_error_message([&] { (void)public_key::load(spki.substr(0, spki.size() - 30)); }),
             Catch::StartsWith("public key: "));
}

TEST_CASE("empty and oversized key texts are refused", "[keys][reject]") {
  CHECK(key_error_message([] { (void)public_key::load(""); }) == "public key: empty key");
  CHECK(key_error_message([] { (void)public_key::load(" \n\t\r\n"); }) == "public key: empty key");
  CHECK(key_error_message([] { (void)private_key::load(""); }) == "private key: empty key");
  const std::string huge(ajwt::max_key_text_bytes + 1, ' ');
  CHECK(key_error_message([&] { (void)public_key::load(huge); }) == "public key: key text is too large");
  CHECK(key_error_message([&] { (void)private_key::load(huge); }) == "private key: key text is too large");
}

TEST_CASE("a public key where a private key is needed is refused", "[keys][reject]") {
  for (const char* name : {"rsa-2048.spki.pem", "rsa-2048.pkcs1-public.pem", "rsa-2048.pub", "ed25519.pub"}) {
    INFO(name);
    CHECK(key_error_message([&] { (void)private_key::load_file(keys_dir / name); }) ==
          (keys_dir / name).string() + ": this is a public key; a private key is needed here");
  }
  CHECK(key_error_message([] { (void)private_key::load_file(keys_dir / "p256.jwk.json"); }) ==
        (keys_dir / "p256.jwk.json").string() + ": JWK has no private member \"d\"; a private key is needed");
}

TEST_CASE("a private key where a public key is expected is refused", "[keys][reject]") {
  for (const char* name : {"rsa-2048.pkcs8.pem", "rsa-2048.pkcs1.pem", "rsa-2048.pkcs8-encrypted.pem",
                           "p256.sec1.pem", "p256.openssh", "ed25519.openssh"}) {
    INFO(name);
    CHECK(key_error_message([&] { (void)public_key::load_file(keys_dir / name); }) ==
          (keys_dir / name).string() + ": this is a private key; a public key is expected here");
  }
}

TEST_CASE("a JWKS document passed to public_key::load is refused with a pointer to load_jwks",
          "[keys][reject]") {
  const std::string jwks = ajwt::make_jwks({public_key::load_file(keys_dir / "ed25519.spki.pem")}).dump();
  CHECK(key_error_message([&] { (void)public_key::load(jwks); }) ==
        "public key: this is a JWKS document (a set of keys); load it with load_jwks");
}

TEST_CASE("a key file that does not exist is a key_error naming the file", "[keys][reject]") {
  const fs::path missing = keys_dir / "no-such-key.pem";
  CHECK(key_error_message([&] { (void)public_key::load_file(missing); }) ==
        missing.string() + ": cannot open file: No such file or directory");
  CHECK(key_error_message([&] { (void)private_key::load_file(missing); }) ==
        missing.string() + ": cannot open file: No such file or directory");
  CHECK(key_error_message([&] { (void)ajwt::load_jwks_file(missing); }) ==
        missing.string() + ": cannot open file: No such file or directory");
  CHECK(key_error_message([&] { (void)public_key::load_file(keys_dir); }) ==
        keys_dir.string() + ": is a directory, not a key file");
}

// ---------------------------------------------------------------------------------------------------------
// Refused JWKs.

TEST_CASE("JWK members that are not canonical unpadded base64url are refused, naming the member",
          "[keys][jwk]") {
  const json rsa = fixture_json("rsa-2048.jwk.json");
  const json ec = fixture_json("p256.jwk.json");
  const json ed = fixture_json("ed25519.private.jwk.json");
  struct bad_member {
    const json* base;
    const char* member;
    std::string value;
  };
  const std::string n = rsa["n"];
  const std::string x = ec["x"];
  const std::string ed_x = ed["x"];
  const std::string ed_d = ed["d"];
  const std::vector<bad_member> cases = {
      {&rsa, "n", n + "=="},                                // padding (n is 256 bytes: 342 characters + 2)
      {&rsa, "n", "+" + n.substr(1)},                       // standard alphabet
      {&rsa, "n", n.substr(0, 100) + " " + n.substr(100)},  // whitespace
      {&rsa, "e", "AQAB\n"},
      {&rsa, "e", ""},  // empty
      {&ec, "x",
       x.substr(0, 42) + "B"},  // non-canonical trailing bits (43 characters, last one low bits set)
      {&ec, "y", "/" + ec["y"].get<std::string>().substr(1)},
      {&ed, "x", ed_x + "="},
      {&ed, "d", ed_d.substr(0, 42) + "-"},
  };
  for (const auto& c : cases) {
    INFO(c.member << " = \"" << c.value << "\"");
    json jwk = *c.base;
    jwk[c.member] = c.value;
    const bool priv = jwk.contains("d");
    const auto msg = key_error_message([&] {
      if (priv)
        (void)private_key::from_jwk(jwk);
      else
        (void)public_key::from_jwk(jwk);
    });
    CHECK(msg == std::string("JWK: JWK member \"") + c.member + "\" is not canonical unpadded base64url");
  }
}

TEST_CASE("JWKs with missing or mistyped members are refused, naming the member", "[keys][jwk]") {
  const json rsa = fixture_json("rsa-2048.jwk.json");
  json j = rsa;
  j.erase("n");
  CHECK(key_error_message([&] { (void)public_key::from_jwk(j); }) == "JWK: JWK member \"n\" is missing");
  j = rsa;
  j["e"] = 65537;
  CHECK(key_error_message([&] { (void)public_key::from_jwk(j); }) ==
        "JWK: JWK member \"e\" must be a string");
  j = rsa;
  j.erase("kty");
  CHECK(key_error_message([&] { (void)public_key::from_jwk(j); }) == "JWK: JWK member \"kty\" is missing");
  j = rsa;
  j["kty"] = "oct";
  CHECK(key_error_message([&] { (void)public_key::from_jwk(j); }) ==
        "JWK: JWK key type \"oct\" is not supported; use RSA, EC (P-256) or OKP (Ed25519)");
  j = rsa;
  j["kid"] = 7;
  CHECK(key_error_message([&] { (void)public_key::from_jwk(j); }) ==
        "JWK: JWK member \"kid\" must be a string");
  CHECK(key_error_message([] { (void)public_key::from_jwk(json::array()); }) ==
        "JWK: a JWK must be a JSON object");
  j = fixture_json("p256.jwk.json");
  j["crv"] = "P-384";
  CHECK(key_error_message([&] { (void)public_key::from_jwk(j); }) ==
        "JWK: EC curve P-384 is not supported; only P-256 (ES256) is");
  j = fixture_json("p256.jwk.json");
  j["x"] = ajwt::detail::base64url_encode(std::string(33, '\x11'));
  CHECK(key_error_message([&] { (void)public_key::from_jwk(j); }) ==
        "JWK: P-256 JWK \"x\" and \"y\" must be 32 bytes each");
  j = fixture_json("p256.jwk.json");
  j["y"] = ajwt::detail::base64url_encode(std::string(1, '\0') + decoded(j["y"]));
  CHECK(key_error_message([&] { (void)public_key::from_jwk(j); }) ==
        "JWK: P-256 JWK \"x\" and \"y\" must be 32 bytes each");
  j = fixture_json("ed25519.jwk.json");
  j["crv"] = "X25519";
  CHECK(key_error_message([&] { (void)public_key::from_jwk(j); }) ==
        "JWK: OKP curve X25519 is not supported; only Ed25519 is");
  j = fixture_json("ed25519.jwk.json");
  j["x"] = ajwt::detail::base64url_encode(std::string(33, '\x11'));
  CHECK(key_error_message([&] { (void)public_key::from_jwk(j); }) ==
        "JWK: Ed25519 JWK \"x\" must be 32 bytes");
}

TEST_CASE("JWK texts that are not strict JSON are refused", "[keys][jwk]") {
  CHECK_THAT(key_error_message([] { (void)public_key::load("{\"kty\":\"OKP\""); }),
             Catch::StartsWith("public key: invalid JWK JSON: "));
  const std::string dup = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" +
                          fixture_json("ed25519.jwk.json")["x"].get<std::string>() +
                          "\",\"crv\":\"Ed25519\"}";
  CHECK(key_error_message([&] { (void)public_key::load(dup); }) ==
        "public key: invalid JWK JSON: duplicate member name \"crv\"");
  CHECK_THAT(key_error_message([&] { (void)private_key::load(dup); }),
             Catch::Contains("duplicate member name"));
}

TEST_CASE("P-256 JWK coordinates shorter than 32 bytes, as PyJWT 2.6 writes them, are the same key",
          "[keys][jwk]") {
  // p256-short's y is below 2^248: PyJWT wrote it in 31 bytes (42 characters); RFC 7518 asks for 32.
  const json python_public = fixture_json("p256-short.jwk.json");
  REQUIRE(python_public["y"].get<std::string>().size() == 42);
  const auto spki = public_key::load_file(keys_dir / "p256-short.spki.pem");
  const auto from_python = public_key::from_jwk(python_public);
  CHECK(from_python == spki);
  CHECK(from_python.kid() == spki.kid());
  CHECK(from_python.thumbprint() == spki.thumbprint());
  // Written back full-length, which is what the thumbprint hashes.
  CHECK(from_python.to_jwk()["y"].get<std::string>().size() == 43);
  CHECK(public_key::load(python_public.dump()) == spki);

  const auto private_from_python = private_key::from_jwk(fixture_json("p256-short.private.jwk.json"));
  CHECK(private_from_python.to_pem() == read_text(keys_dir / "p256-short.pkcs8.pem"));

  // A coordinate shorter still is read as the same integer: here it is no longer on the curve.
  json shorter = python_public;
  shorter["y"] = ajwt::detail::base64url_encode(decoded(shorter["y"]).substr(1));
  CHECK_THAT(key_error_message([&] { (void)public_key::from_jwk(shorter); }),
             Catch::StartsWith("JWK: P-256 JWK point (\"x\", \"y\") is not on the curve"));
}

TEST_CASE("a JWK EC point that is not on P-256 is refused", "[keys][jwk]") {
  json jwk = fixture_json("p256.jwk.json");
  std::string y;
  y = ajwt::detail::base64url_decode(jwk["y"].get<std::string>()).value();
  y[31] = static_cast<char>(y[31] ^ 1);
  jwk["y"] = ajwt::detail::base64url_encode(y);
  CHECK_THAT(key_error_message([&] { (void)public_key::from_jwk(jwk); }),
             Catch::StartsWith("JWK: P-256 JWK point (\"x\", \"y\") is not on the curve"));
  json priv = fixture_json("p256.private.jwk.json");
  priv["y"] = jwk["y"];
  CHECK_THAT(key_error_message([&] { (void)private_key::from_jwk(priv); }),
             Catch::Contains("is not on the curve"));
  // The point at x = 0, y = 0 is not on the curve either.
  jwk["x"] = jwk["y"] = ajwt::detail::base64url_encode(std::string(32, '\0'));
  CHECK_THAT(key_error_message([&] { (void)public_key::from_jwk(jwk); }),
             Catch::Contains("is not on the curve"));
}

TEST_CASE("a JWK whose use is not sig is refused", "[keys][jwk]") {
  for (const char* name : {"rsa-2048.jwk.json", "p256.jwk.json", "ed25519.private.jwk.json"}) {
    INFO(name);
    json jwk = fixture_json(name);
    jwk["use"] = "enc";
    CHECK(key_error_message([&] { (void)public_key::from_jwk(jwk); }) ==
          "JWK: JWK \"use\" is not \"sig\": this key is not for signatures");
    jwk["use"] = "sig";
    CHECK_NOTHROW(public_key::from_jwk(jwk));
  }
  json priv = fixture_json("ed25519.private.jwk.json");
  priv["use"] = "enc";
  CHECK_THAT(key_error_message([&] { (void)private_key::from_jwk(priv); }),
             Catch::Contains("not for signatures"));
}

TEST_CASE("a private JWK whose private part does not match its public part is refused", "[keys][jwk]") {
  json ed = fixture_json("ed25519.private.jwk.json");
  ed["x"] = rfc_vector("rfc8037-a4-eddsa-ed25519")["jwk_public"]["x"];  // another valid Ed25519 public key
  CHECK(key_error_message([&] { (void)private_key::from_jwk(ed); }) ==
        "JWK: Ed25519 JWK private key \"d\" does not match \"x\"");
  json ec = fixture_json("p256.private.jwk.json");
  ec["d"] = ajwt::detail::base64url_encode(std::string(31, '\0') + "\x05");
  CHECK(key_error_message([&] { (void)private_key::from_jwk(ec); }) ==
        "JWK: P-256 JWK private key \"d\" does not match \"x\"/\"y\"");
}

TEST_CASE("an RSA private JWK whose numbers do not belong together is refused", "[keys][jwk]") {
  const json good = fixture_json("rsa-2048.private.jwk.json");
  const std::string expected = "JWK: RSA JWK private members do not belong together: ";
  // Each private member replaced by the same member of another RSA key: each relation the check proves
  // is named (the first one the swap breaks).
  const json other = private_key::load_file(fs::path(AJWT_TEST_DATA_DIR) / "kid" / "rsa.pkcs8.pem").to_jwk();
  const std::pair<const char*, std::vector<std::string>> swaps[] = {
      {"d", {"d is out of range", "dp is not d mod (p-1)"}},
      {"p", {"n is not p*q"}},
      {"q", {"n is not p*q"}},
      {"dp", {"dp is not d mod (p-1)"}},
      {"dq", {"dq is not d mod (q-1)"}},
      {"qi",
       {"the CRT coefficient (qi, iqmp) is out of range",
        "the CRT coefficient (qi, iqmp) is not the inverse of q mod p"}},
  };
  for (const auto& [member, reasons] : swaps) {
    INFO(member);
    json jwk = good;
    jwk[member] = other[member];
    const std::string message = key_error_message([&] { (void)private_key::from_jwk(jwk); });
    CHECK(std::any_of(reasons.begin(), reasons.end(),
                      [&](const std::string& reason) { return message == expected + reason; }));
  }
  json no_crt = good;
  for (const char* member : {"p", "q", "dp", "dq", "qi"}) no_crt.erase(member);
  json bad_d = no_crt;
  bad_d["d"] = other["d"];
  const std::string bad_d_message = key_error_message([&] { (void)private_key::from_jwk(bad_d); });
  CHECK((bad_d_message == expected + "d is not the private exponent of n and e" ||
         bad_d_message == expected + "d is out of range"));
  // Numbers made to break exactly one relation each, so every reason is seen.
  json d_one = no_crt;
  d_one["d"] = ajwt::detail::base64url_encode(std::string("\x01", 1));
  CHECK(key_error_message([&] { (void)private_key::from_jwk(d_one); }) ==
        expected + "d is not the private exponent of n and e");
  json even_n = no_crt;
  std::string n_bytes;
  n_bytes = ajwt::detail::base64url_decode(even_n["n"].get<std::string>()).value();
  n_bytes.back() = static_cast<char>(n_bytes.back() & ~1);
  even_n["n"] = ajwt::detail::base64url_encode(n_bytes);
  CHECK(key_error_message([&] { (void)private_key::from_jwk(even_n); }) == expected + "n is even");
  json zero_d = good;
  zero_d["d"] = ajwt::detail::base64url_encode(std::string(1, '\0'));
  CHECK(key_error_message([&] { (void)private_key::from_jwk(zero_d); }) == expected + "d is out of range");
  json qi_one = good;
  qi_one["qi"] = ajwt::detail::base64url_encode(std::string("\x01", 1));
  CHECK(key_error_message([&] { (void)private_key::from_jwk(qi_one); }) ==
        expected + "the CRT coefficient (qi, iqmp) is not the inverse of q mod p");
  json even_p = good;
  even_p["p"] = ajwt::detail::base64url_encode(std::string("\x02", 1));
  CHECK(key_error_message([&] { (void)private_key::from_jwk(even_p); }) ==
        expected + "p and q must be odd numbers above 1");
  json qi_p = good;
  qi_p["qi"] = good["p"];
  CHECK(key_error_message([&] { (void)private_key::from_jwk(qi_p); }) ==
        expected + "the CRT coefficient (qi, iqmp) is out of range");
  // d + (q-1) keeps d mod (q-1) and moves d mod (p-1); with dp made to match it, the only broken relation is
  // e*d = 1 mod (p-1). The same the other way round for q.
  const auto bn_of = [](const json& member) {
    const std::string bytes = decoded(member);
    return ajwt::detail::bn_ptr(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                                          static_cast<int>(bytes.size()), nullptr));
  };
  const auto shifted = [&](const char* other_prime, const char* own_prime, const char* own_exponent) {
    ajwt::detail::bn_ctx_ptr ctx(BN_CTX_new());
    const auto d = bn_of(good["d"]), other = bn_of(good[other_prime]), own = bn_of(good[own_prime]);
    ajwt::detail::bn_ptr exponent(BN_new());
    REQUIRE((ctx && d && other && own && exponent));
    REQUIRE(BN_sub_word(other.get(), 1) == 1);
    REQUIRE(BN_add(d.get(), d.get(), other.get()) == 1);
    REQUIRE(BN_sub_word(own.get(), 1) == 1);
    REQUIRE(BN_mod(exponent.get(), d.get(), own.get(), ctx.get()) == 1);
    json j = good;
    j["d"] = ajwt::detail::base64url_encode(ajwt::detail::bn_to_bytes(d.get()));
    j[own_exponent] = ajwt::detail::base64url_encode(ajwt::detail::bn_to_bytes(exponent.get()));
    return j;
  };
  const json bad_p_side = shifted("q", "p", "dp");
  CHECK(key_error_message([&] { (void)private_key::from_jwk(bad_p_side); }) ==
        expected + "e*d is not 1 mod (p-1)");
  const json bad_q_side = shifted("p", "q", "dq");
  CHECK(key_error_message([&] { (void)private_key::from_jwk(bad_q_side); }) ==
        expected + "e*d is not 1 mod (q-1)");
  // The CRT members come all or none; the JWK loader refuses a partial set by name (below), and the check
  // itself says so to any other caller.
  ajwt::detail::bn_ptr one(BN_new());
  REQUIRE(BN_one(one.get()) == 1);
  CHECK(ajwt::detail::rsa_private_mismatch({one.get(), one.get(), one.get(), one.get()}) ==
        std::optional<std::string_view>("some but not all of the CRT members p, q, dp, dq and qi are given"));
  // Without the CRT members the key still loads and signs exactly as the full key does (PKCS#1 v1.5 is
  // deterministic).
  const auto full = private_key::from_jwk(good);
  const auto bare = private_key::from_jwk(no_crt);
  CHECK(bare.public_part() == full.public_part());
  CHECK(ajwt::jws::sign(bare, ajwt::algorithm::rs256, "input") ==
        ajwt::jws::sign(full, ajwt::algorithm::rs256, "input"));
  // Some but not all CRT members is an error too.
  json partial = good;
  partial.erase("qi");
  CHECK(key_error_message([&] { (void)private_key::from_jwk(partial); }) ==
        "JWK: JWK member \"qi\" is missing");
}

TEST_CASE("a JWK alg that does not fit the key type is refused", "[keys][jwk]") {
  const std::pair<const char*, const char*> cases[] = {
      {"rsa-2048.jwk.json", "ES256"}, {"rsa-2048.jwk.json", "EdDSA"}, {"rsa-2048.jwk.json", "HS256"},
      {"rsa-2048.jwk.json", "none"},  {"p256.jwk.json", "RS256"},     {"p256.jwk.json", "ES384"},
      {"ed25519.jwk.json", "ES256"},  {"ed25519.jwk.json", "rs256"},  {"p256.private.jwk.json", "EdDSA"},
  };
  for (const auto& [name, alg] : cases) {
    INFO(name << " with alg " << alg);
    json jwk = fixture_json(name);
    jwk["alg"] = alg;
    const std::string type(to_string(public_key::load_file(keys_dir / name).type()));
    const std::string expected =
        std::string("JWK: JWK \"alg\" ") + alg + " is not a supported algorithm for a " + type + " key";
    CHECK(key_error_message([&] { (void)public_key::from_jwk(jwk); }) == expected);
    if (jwk.contains("d")) CHECK(key_error_message([&] { (void)private_key::from_jwk(jwk); }) == expected);
  }
  json jwk = fixture_json("rsa-2048.private.jwk.json");
  jwk["alg"] = "ES256";
  CHECK_THAT(key_error_message([&] { (void)private_key::from_jwk(jwk); }),
             Catch::Contains("is not a supported algorithm for a rsa key"));
  jwk["alg"] = json::array({"RS256"});
  CHECK(key_error_message([&] { (void)public_key::from_jwk(jwk); }) ==
        "JWK: JWK member \"alg\" must be a string");
}

TEST_CASE("RSA JWK moduli above 8192 bits are refused and 8192 bits are accepted", "[keys][jwk]") {
  json jwk = fixture_json("rsa-2048.jwk.json");
  jwk["n"] = modulus_of_bits(8192);
  const auto big = public_key::from_jwk(jwk);
  CHECK(big.bits() == 8192);
  jwk["n"] = modulus_of_bits(8193);
  CHECK(key_error_message([&] { (void)public_key::from_jwk(jwk); }) ==
        "JWK: RSA key of 8193 bits is too large (maximum 8192)");
  jwk["n"] = modulus_of_bits(8200);
  CHECK(key_error_message([&] { (void)public_key::from_jwk(jwk); }) ==
        "JWK: RSA key of 8200 bits is too large (maximum 8192)");
  // Far larger: refused by length before any number is built.
  jwk["n"] = modulus_of_bits(16384);
  // The message names the limit: 1370 base64url characters, enough for 1025 bytes (a 8192-bit modulus
  // with a leading zero byte).
  CHECK(key_error_message([&] { (void)public_key::from_jwk(jwk); }) ==
        "JWK: JWK member \"n\" is too long (" + std::to_string(jwk["n"].get<std::string>().size()) +
            " characters; at most 1370)");
}

TEST_CASE("RSA public exponents of 1, even, or of 2^32 and above are refused", "[keys][jwk]") {
  json jwk = fixture_json("rsa-2048.jwk.json");
  const std::string expected = "JWK: RSA public exponent must be odd, at least 3 and below 2^32";
  const std::string exponents[] = {
      std::string("\x01"),                     // 1
      std::string("\x04"),                     // 4
      std::string("\x01\x00\x00", 3),          // 65536
      std::string("\x01\x00\x00\x00\x01", 5),  // 2^32 + 1
      std::string("\x01\x00\x00\x00\x00\x00\x01", 7),
      std::string(16, '\xff'),  // 128 bits, the longest accepted encoding
  };
  for (const auto& e : exponents) {
    INFO("e = " << ajwt::detail::hex_lower(e));
    jwk["e"] = ajwt::detail::base64url_encode(e);
    CHECK(key_error_message([&] { (void)public_key::from_jwk(jwk); }) == expected);
  }
  jwk["e"] = ajwt::detail::base64url_encode(std::string(20, '\xff'));
  CHECK(key_error_message([&] { (void)public_key::from_jwk(jwk); }) ==
        "JWK: JWK member \"e\" is too long (27 characters; at most 25)");
  // The largest and the smallest accepted exponents.
  jwk["e"] = ajwt::detail::base64url_encode(std::string(4, '\xff'));
  CHECK_NOTHROW(public_key::from_jwk(jwk));
  jwk["e"] = ajwt::detail::base64url_encode("\x03");
  CHECK_NOTHROW(public_key::from_jwk(jwk));
}

// ---------------------------------------------------------------------------------------------------------
// JWKS documents.

TEST_CASE("load_jwks keeps each key's kid and skips, and reports, keys it does not support", "[keys][jwks]") {
  json rsa = fixture_json("rsa-2048.jwk.json");
  rsa["kid"] = "rsa-1";
  json ec = fixture_json("p256.jwk.json");
  ec["kid"] = "ec-1";
  ec["use"] = "sig";
  json ed = fixture_json("ed25519.jwk.json");
  ed["kid"] = "ed-1";
  json p384 = public_key::load_file(keys_dir / "p256.spki.pem").to_jwk();
  p384["crv"] = "P-384";
  const json doc = {{"keys", json::array({
                                 rsa,
                                 json{{"kty", "oct"}, {"k", "c2VjcmV0"}},
                                 ec,
                                 p384,
                                 json{{"kty", "OKP"}, {"crv", "X25519"}, {"x", ed["x"]}},
                                 [&] {
                                   json e = rsa;
                                   e["use"] = "enc";
                                   e["kid"] = "rsa-enc";
                                   return e;
                                 }(),
                                 ed,
                             })}};
  std::vector<std::string> skipped;
  const auto keys = ajwt::load_jwks(doc.dump(), &skipped);
  REQUIRE(keys.size() == 3);
  CHECK(keys[0].jwk_kid() == "rsa-1");
  CHECK(keys[0].matches_kid("rsa-1"));
  CHECK(keys[0] == public_key::load_file(keys_dir / "rsa-2048.spki.pem"));
  CHECK(keys[1].jwk_kid() == "ec-1");
  CHECK(keys[1].type() == key_type::ec_p256);
  CHECK(keys[2].jwk_kid() == "ed-1");
  CHECK(keys[2].type() == key_type::ed25519);
  CHECK(skipped == std::vector<std::string>{
                       "JWKS key #1: key type \"oct\" is not supported",
                       "JWKS key #3: curve \"P-384\" is not supported",
                       "JWKS key #4: curve \"X25519\" is not supported",
                       "JWKS key #5: \"use\" is \"enc\", not \"sig\"",
                   });
  // Without a list for the skips, the same keys load.
  CHECK(ajwt::load_jwks(doc.dump()).size() == 3);
}

TEST_CASE("load_jwks accepts 256 keys and refuses 257", "[keys][jwks]") {
  const json ed = fixture_json("ed25519.jwk.json");
  json doc = {{"keys", json::array()}};
  for (int i = 0; i < 256; ++i) doc["keys"].push_back(ed);
  CHECK(ajwt::load_jwks(doc.dump()).size() == 256);
  doc["keys"].push_back(ed);
  CHECK(key_error_message([&] { (void)ajwt::load_jwks(doc.dump()); }) ==
        "JWKS: JWKS holds 257 keys (maximum 256)");
}

TEST_CASE("load_jwks refuses malformed documents, and documents whose every key is unusable",
          "[keys][jwks]") {
  const json ed = fixture_json("ed25519.jwk.json");
  const std::pair<std::string, std::string> cases[] = {
      {"", "JWKS: invalid JSON: "},
      {"{\"keys\":[]} x", "JWKS: invalid JSON: "},
      {"{\"keys\":[],\"keys\":[]}", "JWKS: invalid JSON: duplicate member name \"keys\""},
      {"[]", "JWKS: a JWKS document must be a JSON object"},
      {"{}", "JWKS: JWKS member \"keys\" must be an array"},
      {"{\"keys\":{}}", "JWKS: JWKS member \"keys\" must be an array"},
      {"{\"keys\":[1]}", "JWKS key #0: a JWK must be a JSON object"},
      {"{\"keys\":[{\"kty\":5}]}", "JWKS key #0: JWK member \"kty\" must be a string"},
      {"{\"keys\":[{\"crv\":\"Ed25519\"}]}", "JWKS key #0: JWK member \"kty\" must be a string"},
      {"{\"keys\":[{\"kty\":\"EC\",\"crv\":null}]}", "JWKS key #0: JWK member \"crv\" must be a string"},
      {"{\"keys\":[{\"kty\":\"RSA\",\"use\":[\"sig\"]}]}",
       "JWKS key #0: JWK member \"use\" must be a string"},
  };
  for (const auto& [text, expected] : cases) {
    INFO(text);
    // A malformed document is refused as such; a document whose only key is unusable says that no key
    // is usable and why the key was skipped.
    const std::string message = key_error_message([&, t = text] { (void)ajwt::load_jwks(t); });
    if (expected.rfind("JWKS key", 0) == 0) {
      CHECK_THAT(message, Catch::StartsWith("JWKS: no usable key in the JWKS document (" + expected));
    } else {
      CHECK_THAT(message, Catch::StartsWith(expected));
    }
  }
  // A supported key that is itself malformed is skipped (RFC 7517 section 5), naming the key; the
  // document's other keys load.
  json bad = ed;
  bad["x"] = "not base64url!";
  const json doc = {{"keys", json::array({ed, bad})}};
  std::vector<std::string> skipped;
  CHECK(ajwt::load_jwks(doc.dump(), &skipped).size() == 1);
  CHECK(skipped ==
        std::vector<std::string>{"JWKS key #1: JWK member \"x\" is not canonical unpadded base64url"});
  const std::string huge = "{\"keys\":[" + std::string(ajwt::max_key_text_bytes, ' ') + "]}";
  CHECK(key_error_message([&] { (void)ajwt::load_jwks(huge); }) == "JWKS: JWKS document is too large");
}

TEST_CASE("make_jwks round-trips through load_jwks with every key and kid", "[keys][jwks]") {
  const std::vector<public_key> keys = {public_key::load_file(keys_dir / "rsa-2048.spki.pem"),
                                        public_key::load_file(keys_dir / "ed25519.spki.pem"),
                                        public_key::load_file(keys_dir / "p256.spki.pem")};
  const json doc = ajwt::make_jwks(keys);
  REQUIRE(doc.is_object());
  REQUIRE(doc["keys"].size() == 3);
  std::vector<std::string> skipped;
  const auto back = ajwt::load_jwks(doc.dump(), &skipped);
  CHECK(skipped.empty());
  REQUIRE(back.size() == keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    INFO("key #" << i);
    CHECK(back[i] == keys[i]);
    CHECK(back[i].jwk_kid() == keys[i].kid());
    CHECK(back[i].matches_kid(keys[i].kid()));
    CHECK(back[i].default_algorithm() == keys[i].default_algorithm());
  }
  CHECK(ajwt::make_jwks({}) == json{{"keys", json::array()}});
}

TEST_CASE("load_jwks_file names the file in its errors", "[keys][jwks]") {
  const scratch_dir dir;
  std::ofstream(dir / "jwks.json") << "{\"keys\":[1]}";
  CHECK(key_error_message([&] { (void)ajwt::load_jwks_file(dir / "jwks.json"); }) ==
        (dir / "jwks.json").string() + ": no usable key in the JWKS document (" +
            (dir / "jwks.json").string() + " key #0: a JWK must be a JSON object)");
  std::ofstream(dir / "good.json")
      << ajwt::make_jwks({public_key::load_file(keys_dir / "p256.spki.pem")}).dump();
  CHECK(ajwt::load_jwks_file(dir / "good.json").size() == 1);
}

// ---------------------------------------------------------------------------------------------------------
// Generation.

TEST_CASE("generate makes working keys of every type and size", "[keys][generate]") {
  struct kind {
    key_type type;
    int rsa_bits;  ///< 0: the default
    int bits;
  };
  // RSA keys are slow to generate: each size once, here only (4096 bits can take seconds).
  for (const auto& k :
       {kind{key_type::ed25519, 0, 256}, kind{key_type::ec_p256, 0, 256}, kind{key_type::rsa, 0, 2048},
        kind{key_type::rsa, 3072, 3072}, kind{key_type::rsa, 4096, 4096}}) {
    INFO(to_string(k.type) << " " << k.rsa_bits);
    const auto key =
        k.rsa_bits == 0 ? private_key::generate(k.type) : private_key::generate(k.type, k.rsa_bits);
    CHECK(key.type() == k.type);
    CHECK(key.bits() == k.bits);
    CHECK(key.kid() == ajwt::detail::hex_lower(ajwt::detail::sha256_bytes(key.public_part().to_pem())));
    const std::string sig = ajwt::jws::sign(key, key.default_algorithm(), "signing input");
    CHECK(ajwt::jws::verify(key.public_part(), key.default_algorithm(), "signing input", sig));
    CHECK_FALSE(ajwt::jws::verify(key.public_part(), key.default_algorithm(), "signing inpuT", sig));
    if (k.rsa_bits == 0) check_round_trips(key);
  }
}

TEST_CASE("generate makes a new key on each call", "[keys][generate]") {
  for (auto type : {key_type::ed25519, key_type::ec_p256}) {
    INFO(to_string(type));
    const auto a = private_key::generate(type);
    const auto b = private_key::generate(type);
    CHECK(a.public_part() != b.public_part());
    CHECK(a.kid() != b.kid());
    CHECK(a.to_pem() != b.to_pem());
  }
}

TEST_CASE("generate refuses RSA sizes other than 2048, 3072 and 4096", "[keys][generate]") {
  for (int bits : {1024, 2047, 2049, 8192, 0, -1}) {
    INFO(bits);
    try {
      (void)private_key::generate(key_type::rsa, bits);
      FAIL("generate accepted " << bits << " bits");
    } catch (const ajwt::config_error& e) {
      CHECK(std::string(e.what()) ==
            "RSA key size: must be 2048, 3072 or 4096 bits, not " + std::to_string(bits));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Value semantics.

TEST_CASE("keys compare by public key material and copies share it", "[keys]") {
  const auto a = public_key::load_file(keys_dir / "rsa-2048.spki.pem");
  const auto b = public_key::load_file(keys_dir / "rsa-2048.pub");
  const auto c = public_key::load_file(keys_dir / "p256.spki.pem");
  CHECK(a == b);
  CHECK_FALSE(a != b);
  CHECK(a != c);
  const public_key copy = a;  // NOLINT(performance-unnecessary-copy-initialization)
  CHECK(copy == a);
  CHECK(copy.native_handle() == a.native_handle());
  const auto priv = private_key::load_file(keys_dir / "rsa-2048.pkcs8.pem");
  const private_key priv_copy = priv;  // NOLINT(performance-unnecessary-copy-initialization)
  CHECK(priv_copy.native_handle() == priv.native_handle());
  CHECK(priv.public_part().native_handle() != priv.native_handle());  // the public part holds no private key
}

TEST_CASE("a key error names its source in source() and says what is wrong in problem()", "[keys]") {
  try {
    (void)ajwt::public_key::load("ssh-ed25519 AAAA not-base64!");
    FAIL("no error");
  } catch (const ajwt::key_error& e) {
    CHECK(e.source() == "public key");
    CHECK_FALSE(e.problem().empty());
    CHECK(std::string(e.what()) == "public key: " + e.problem());
  }
}

TEST_CASE("a private JWK whose private member has the wrong size or whose type is unsupported is refused",
          "[keys][jwk]") {
  // The private import (detail/jwk_private.hpp) has its own checks beside the public ones: each is hit here.
  json ec = fixture_json("p256.private.jwk.json");
  ec["d"] = ajwt::detail::base64url_encode(std::string(33, '\x01'));
  CHECK(key_error_message([&] { (void)private_key::from_jwk(ec); }) ==
        "JWK: P-256 JWK \"d\" must be 32 bytes");
  json ed = fixture_json("ed25519.private.jwk.json");
  ed["d"] = ajwt::detail::base64url_encode(std::string(31, '\x01'));
  CHECK(key_error_message([&] { (void)private_key::from_jwk(ed); }) ==
        "JWK: Ed25519 JWK \"d\" must be 32 bytes");
  ed = fixture_json("ed25519.private.jwk.json");
  ed["crv"] = "Ed448";
  CHECK(key_error_message([&] { (void)private_key::from_jwk(ed); }) ==
        "JWK: OKP curve Ed448 is not supported; only Ed25519 is");
  json oct = {{"kty", "oct"}, {"k", "c2VjcmV0"}, {"d", "AQ"}};
  CHECK(key_error_message([&] { (void)private_key::from_jwk(oct); }) ==
        "JWK: JWK key type \"oct\" is not supported; use RSA, EC (P-256) or OKP (Ed25519)");
}
