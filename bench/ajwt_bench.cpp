// SPDX-License-Identifier: ISC
// ajwt_bench: ajwt's verify and sign paths against the raw-OpenSSL floors and the peer libraries, in
// one run, on the same keys and the same pre-made tokens. See docs/performance.md; `bash bench/run.sh`
// runs it with everything it needs. Sections:
//
//   verify   per algorithm (RS256, RS512, EdDSA, ES256): the floors (floors.hpp), ajwt's full path
//            (verify_header: header string in, verified_token out, memory nonce store, fixed clock),
//            its parts (jws::verify alone, jws::decode alone), libjwt and cpp-jwt (PEM per call), and
//            what parsing a PEM public key alone costs (the peers' per-call overhead).
//   sign     the plain EVP_DigestSign against token_builder::header() (JSON, nonce, base64 included).
//            Both sections run in interleaved rounds: every round times one batch of every case, in a
//            shuffled order, so slow phases of a shared machine hit all cases alike; a case's figure
//            is the median over rounds of its per-operation thread CPU time, and its ratio to a floor
//            is the median of the per-round ratios (each round pairs measurements seconds apart).
//   python   bench/python_bench.py (PyJWT) on the same tokens, bracketed by plain-floor batches.
//   cli      `ajwt verify` against bench/plain_verify.c on the same RS512 headers, whole processes,
//            and again on the EdDSA headers (cli_eddsa).
//   per_core verifications per second per core (thread CPU time of ajwt's full path) for RS256 and
//            RS512 with 2048-, 3072- and 4096-bit keys, ES256 and EdDSA with each Ed25519 backend.
// With ajwt::sodium (AJWT_WITH_SODIUM) ajwt's EdDSA cases run on libsodium, and the same cases with the
// OpenSSL backend (ajwt_openssl, sign_ajwt_openssl) and bare libsodium (sodium_raw) run beside them.
//   threads  verify throughput on 1 and 2 threads, gated by a spin loop that shows whether the
//            machine itself scaled.
//   nonce    the memory nonce store alone: inserts per second, bytes per entry.
//
// Every timed operation's result is checked (a token not accepted stops the run), so no figure can
// come from a failure path. --smoke runs every case a few times on a tiny corpus with those checks,
// plus negative checks (a tampered token is rejected everywhere, a replay is refused): CTest runs it.
#include <malloc.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <sys/utsname.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <ajwt/ajwt.hpp>
#include <nlohmann/json.hpp>

#include "bench_util.hpp"
#include "floors.hpp"
#include "peers.hpp"

namespace fs = std::filesystem;

// The region callgrind measures (--toggle-collect=ajwt_bench_profile_region): a function with external C
// linkage, never inlined, so the profile has one name to start from.
extern "C" __attribute__((noinline)) std::size_t ajwt_bench_profile_region(
    const std::function<std::size_t()>* f) {
  return (*f)();
}

using json = nlohmann::json;
using bench::check;

namespace {

using repo_t = ajwt::static_key_repository<>;
using verifier_t = ajwt::verifier<repo_t, ajwt::memory_nonce_store, ajwt::fixed_clock>;

constexpr int corpus_format = 1;
constexpr const char* bench_user = "bench";

// ---------------------------------------------------------------------------------------------------
// Options

struct options {
  std::string corpus = "corpus";
  std::string work = "work";
  std::string out = "latest.json";
  std::size_t tokens = 2000;
  std::size_t cli_lines = 20000;
  int rounds = 31;
  double batch_ms = 10;
  std::vector<std::string> algs{"RS256", "RS512", "EdDSA", "ES256"};
  std::set<std::string> sections{"verify", "sign", "python", "cli", "threads", "nonce", "per_core"};
  std::string cli, plain, python, python_script;
  int cli_runs = 7;
  std::size_t python_tokens = 200;
  int python_reps = 7;
  int thread_runs = 9;
  std::string thread_alg = "RS256";
  std::size_t nonce_entries = 1000000;
  int nonce_reps = 5;
  bool smoke = false;
  bool fresh_corpus = false;
  std::string note;                    // recorded in the results (run.sh passes the git revision)
  std::size_t nonce_memory_child = 0;  // internal: measure the store's memory in this fresh process
  std::string profile_loop;            // ajwt | floor_plain | floor_fast
  std::string profile_alg = "RS256";
  std::size_t profile_count = 2000;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr
      << "ajwt_bench: " << why << "\n"
      << "usage: ajwt_bench [--corpus DIR] [--work DIR] [--out FILE] [--tokens N] [--cli-lines N]\n"
         "                  [--rounds N] [--batch-ms MS] [--algs RS256,RS512,EdDSA,ES256]\n"
         "                  [--sections verify,sign,python,cli,threads,nonce,per_core] [--fresh-corpus]\n"
         "                  [--cli PATH --plain PATH] [--cli-runs N]\n"
         "                  [--python PATH --python-script PATH] [--python-tokens N] [--python-reps N]\n"
         "                  [--thread-runs N] [--thread-alg ALG] [--nonce-entries N] [--nonce-reps N]\n"
         "                  [--note TEXT]\n"
         "       ajwt_bench --smoke --work DIR [--cli PATH --plain PATH] [--python PATH --python-script "
         "PATH]\n"
         "       ajwt_bench --profile-loop ajwt|floor_plain|floor_fast [--alg ALG] [--count N] --corpus "
         "DIR\n";
  std::exit(2);
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto comma = s.find(',', start);
    const auto part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

options parse_options(int argc, char** argv) {
  options o;
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) usage(std::string(argv[i]) + " needs a value");
    return argv[++i];
  };
  auto number = [&](int& i) -> double {
    const std::string v = value(i);
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || d < 0) usage(std::string(argv[i - 1]) + ": not a number: " + v);
    return d;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--corpus")
      o.corpus = value(i);
    else if (a == "--work")
      o.work = value(i);
    else if (a == "--out")
      o.out = value(i);
    else if (a == "--tokens")
      o.tokens = static_cast<std::size_t>(number(i));
    else if (a == "--cli-lines")
      o.cli_lines = static_cast<std::size_t>(number(i));
    else if (a == "--rounds")
      o.rounds = static_cast<int>(number(i));
    else if (a == "--batch-ms")
      o.batch_ms = number(i);
    else if (a == "--algs")
      o.algs = split_list(value(i));
    else if (a == "--sections") {
      const auto l = split_list(value(i));
      o.sections = std::set<std::string>(l.begin(), l.end());
    } else if (a == "--cli")
      o.cli = value(i);
    else if (a == "--plain")
      o.plain = value(i);
    else if (a == "--cli-runs")
      o.cli_runs = static_cast<int>(number(i));
    else if (a == "--python")
      o.python = value(i);
    else if (a == "--python-script")
      o.python_script = value(i);
    else if (a == "--python-tokens")
      o.python_tokens = static_cast<std::size_t>(number(i));
    else if (a == "--python-reps")
      o.python_reps = static_cast<int>(number(i));
    else if (a == "--thread-runs")
      o.thread_runs = static_cast<int>(number(i));
    else if (a == "--thread-alg")
      o.thread_alg = value(i);
    else if (a == "--nonce-entries")
      o.nonce_entries = static_cast<std::size_t>(number(i));
    else if (a == "--nonce-reps")
      o.nonce_reps = static_cast<int>(number(i));
    else if (a == "--note")
      o.note = value(i);
    else if (a == "--nonce-memory-child")
      o.nonce_memory_child = static_cast<std::size_t>(number(i));
    else if (a == "--smoke")
      o.smoke = true;
    else if (a == "--fresh-corpus")
      o.fresh_corpus = true;
    else if (a == "--profile-loop")
      o.profile_loop = value(i);
    else if (a == "--alg")
      o.profile_alg = value(i);
    else if (a == "--count")
      o.profile_count = static_cast<std::size_t>(number(i));
    else if (a == "-h" || a == "--help")
      usage("help");
    else
      usage("unknown argument " + a);
  }
  if (o.smoke) {
    // A tiny corpus of its own, a couple of operations per case: checks, not timings.
    o.corpus = o.work + "/smoke-corpus";
    o.out = o.work + "/smoke.json";
    o.tokens = 12;
    o.cli_lines = 40;
    o.rounds = 2;
    o.cli_runs = 1;
    o.python_tokens = 6;
    o.python_reps = 1;
    o.thread_runs = 1;
    o.nonce_entries = 4000;
    o.nonce_reps = 1;
    o.fresh_corpus = true;
  }
  if (o.tokens < 4 || o.rounds < 1 || o.batch_ms <= 0)
    usage("--tokens must be >= 4, --rounds >= 1, --batch-ms > 0");
  return o;
}

// ---------------------------------------------------------------------------------------------------
// Algorithms and the corpus

struct alg_info {
  const char* name;
  ajwt::algorithm alg;
  const char* key;  // the corpus key file stem
  ajwt::key_type type;
  bool libjwt;  // supported by the peer
  bool cppjwt;
};

constexpr std::array<alg_info, 4> all_algs{{
    {"RS256", ajwt::algorithm::rs256, "rsa", ajwt::key_type::rsa, true, true},
    {"RS512", ajwt::algorithm::rs512, "rsa", ajwt::key_type::rsa, true, true},
    {"EdDSA", ajwt::algorithm::eddsa, "ed25519", ajwt::key_type::ed25519, false, false},
    {"ES256", ajwt::algorithm::es256, "p256", ajwt::key_type::ec_p256, true, true},
}};

const alg_info& find_alg(std::string_view name) {
  for (const auto& a : all_algs)
    if (name == a.name) return a;
  usage("unknown algorithm " + std::string(name) + " (expected RS256, RS512, EdDSA or ES256)");
}

/// The tokens of one algorithm, pre-split and pre-decoded for the floors.
struct token_set {
  const alg_info* info = nullptr;
  std::vector<std::string> headers;    // "JWT <token>"
  std::vector<std::string> tokens;     // the compact token
  std::vector<std::string> inputs;     // "header.payload", the signing input
  std::vector<std::string> sigs_jws;   // the signature octets as in the token
  std::vector<std::string> sigs_ossl;  // the same as OpenSSL wants them (DER for ES256)
  [[nodiscard]] std::size_t size() const { return headers.size(); }
};

struct corpus {
  std::string dir;
  std::int64_t time = 0;
  std::map<std::string, token_set> sets;           // by algorithm name
  std::map<std::string, std::string> public_pem;   // by key stem
  std::map<std::string, std::string> private_pem;  // by key stem
};

std::string key_path(const std::string& dir, const std::string& stem, bool pub) {
  return dir + "/" + stem + (pub ? ".pub.pem" : ".pem");
}

std::size_t wanted_count(const alg_info& a, const options& o) {
  const std::string_view n(a.name);
  return n == "RS512" || n == "EdDSA" ? std::max(o.tokens, o.cli_lines) : o.tokens;
}

/// Makes keys and tokens: `time` is now, every token has a fresh nonce. Written to `dir`; meta.json
/// last, so an interrupted generation is never taken for a corpus.
void generate_corpus(const options& o) {
  const std::string& dir = o.corpus;
  fs::create_directories(dir);
  fs::remove(dir + "/meta.json");
  const std::int64_t now = ajwt::system_clock().now();
  std::map<std::string, ajwt::private_key> keys;
  for (const auto& a : all_algs) {
    if (keys.count(a.key)) continue;
    auto k = ajwt::private_key::generate(a.type);
    bench::write_file(key_path(dir, a.key, false), k.to_pem());
    bench::write_file(key_path(dir, a.key, true), k.public_part().to_pem());
    keys.emplace(a.key, std::move(k));
  }
  json meta{{"format", corpus_format}, {"time", now}, {"username", bench_user}, {"counts", json::object()}};
  for (const auto& a : all_algs) {
    const std::size_t n = wanted_count(a, o);
    std::cerr << "ajwt_bench: generating " << n << " " << a.name << " tokens\n";
    std::vector<std::string> lines(n);
    bench::run_threads(2, [&](int t) {
      ajwt::token_builder b(keys.at(a.key), bench_user);
      b.algorithm(a.alg).time(now);
      for (std::size_t i = static_cast<std::size_t>(t); i < n; i += 2) lines[i] = b.header();
    });
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    bench::write_file(dir + "/" + a.name + ".txt", text);
    meta["counts"][a.name] = n;
  }
  bench::write_file(dir + "/meta.json", meta.dump(2) + "\n");
}

/// Reads the corpus; false when it is missing, of another format, or has too few tokens.
bool load_corpus(const options& o, corpus& c) {
  c.dir = o.corpus;
  json meta;
  try {
    meta = json::parse(bench::read_file(o.corpus + "/meta.json"));
  } catch (const std::exception&) {
    return false;
  }
  if (meta.value("format", 0) != corpus_format || meta.value("username", "") != bench_user) return false;
  c.time = meta.at("time").get<std::int64_t>();
  for (const auto& name : o.algs) {
    const auto& a = find_alg(name);
    if (meta["counts"].value(a.name, std::size_t{0}) < wanted_count(a, o)) return false;
  }
  for (const auto& name : o.algs) {
    const auto& a = find_alg(name);
    if (!c.public_pem.count(a.key)) {
      c.public_pem[a.key] = bench::read_file(key_path(o.corpus, a.key, true));
      c.private_pem[a.key] = bench::read_file(key_path(o.corpus, a.key, false));
    }
    token_set s;
    s.info = &a;
    const std::string text = bench::read_file(o.corpus + "/" + a.name + ".txt");
    std::size_t pos = 0;
    while (pos < text.size()) {
      auto nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      std::string line = text.substr(pos, nl - pos);
      pos = nl + 1;
      if (line.empty()) continue;
      check(line.rfind("JWT ", 0) == 0,
            o.corpus + "/" + a.name + ".txt: a line does not start with \"JWT \"");
      std::string token = line.substr(4);
      const auto dot = token.rfind('.');
      check(dot != std::string::npos, "a corpus token has no '.'");
      std::string sig;
      check(bench::base64url_decode(std::string_view(token).substr(dot + 1), sig),
            "a corpus signature is not base64url");
      s.inputs.push_back(token.substr(0, dot));
      s.sigs_ossl.push_back(a.alg == ajwt::algorithm::es256 ? bench::floors::es256_to_der(sig) : sig);
      s.sigs_jws.push_back(std::move(sig));
      s.tokens.push_back(std::move(token));
      s.headers.push_back(std::move(line));
    }
    check(s.size() >= wanted_count(a, o), "corpus file " + std::string(a.name) + ".txt is short");
    c.sets[a.name] = std::move(s);
  }
  return true;
}

corpus open_corpus(const options& o) {
  corpus c;
  if (o.fresh_corpus || !load_corpus(o, c)) {
    generate_corpus(o);
    c = corpus();
    check(load_corpus(o, c), "the corpus just generated cannot be read back");
  } else {
    std::cerr << "ajwt_bench: reusing the corpus in " << o.corpus << " (--fresh-corpus to regenerate)\n";
  }
  return c;
}

struct evp_pkey_free {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, evp_pkey_free>;

/// Loads a PEM key with plain OpenSSL, independently of ajwt (the floors own their key objects).
pkey_ptr load_raw_key(const std::string& pem, bool pub) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = pub ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr)
                    : PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  check(k != nullptr, "OpenSSL cannot read a corpus key");
  return pkey_ptr(k);
}

/// Everything the cases of one algorithm share: the token set and keys loaded both ways.
struct alg_env {
  const token_set* set = nullptr;
  std::int64_t time = 0;
  repo_t repo;
  ajwt::public_key pub;
  ajwt::private_key priv;
  pkey_ptr raw_pub, raw_priv;
  std::unique_ptr<bench::floors::key_setup> floor;
  std::string pub_pem;

  alg_env(const corpus& c, const alg_info& a)
      : set(&c.sets.at(a.name)),
        time(c.time),
        pub(ajwt::public_key::load(c.public_pem.at(a.key))),
        priv(ajwt::private_key::load(c.private_pem.at(a.key))),
        raw_pub(load_raw_key(c.public_pem.at(a.key), true)),
        raw_priv(load_raw_key(c.private_pem.at(a.key), false)),
        floor(std::make_unique<bench::floors::key_setup>(raw_pub.get(), a.name)),
        pub_pem(c.public_pem.at(a.key)) {
    repo.add(bench_user, pub);
  }
  [[nodiscard]] verifier_t make_verifier() const {
    return verifier_t(repo, ajwt::verifier_options{}, ajwt::memory_nonce_store(), ajwt::fixed_clock(time));
  }
};

// ---------------------------------------------------------------------------------------------------
// Ed25519 backends

/// Makes ajwt use `b` for Ed25519 until the end of the scope (then libsodium again, when built in).
struct ed25519_backend_scope {
  explicit ed25519_backend_scope(ajwt::detail::ed25519_backend b) {
    ajwt::detail::ed25519_backend_preference() = b;
  }
  ~ed25519_backend_scope() {
    ajwt::detail::ed25519_backend_preference() = ajwt::detail::ed25519_backend::sodium;
  }
  ed25519_backend_scope(const ed25519_backend_scope&) = delete;
  ed25519_backend_scope& operator=(const ed25519_backend_scope&) = delete;
};

/// The Ed25519 backends this build can time: OpenSSL, and libsodium with AJWT_WITH_SODIUM.
std::vector<ajwt::detail::ed25519_backend> ed25519_backends() {
  std::vector<ajwt::detail::ed25519_backend> out{ajwt::detail::ed25519_backend::openssl};
  if (ajwt::detail::ed25519_backend_available(ajwt::detail::ed25519_backend::sodium))
    out.push_back(ajwt::detail::ed25519_backend::sodium);
  return out;
}

bool have_sodium() { return ed25519_backends().size() == 2; }

const char* backend_name(ajwt::detail::ed25519_backend b) {
  return b == ajwt::detail::ed25519_backend::sodium ? "libsodium" : "OpenSSL";
}

// ---------------------------------------------------------------------------------------------------
// Interleaved cases

struct bench_case {
  std::string section, alg, name;
  std::size_t cap = 1;                          // the largest batch (distinct tokens available)
  std::function<void(std::size_t)> prepare;     // runs before a batch, outside the timing (may be empty)
  std::function<std::size_t(std::size_t)> run;  // runs n operations; returns how many succeeded
  std::function<std::string()> last_error;      // why the last failure failed (may be empty)
  std::size_t batch = 1;
  std::vector<double> cpu_us, wall_us;  // per operation, one value per round
};

/// Cycles over the indices 0..n-1.
struct cursor {
  std::size_t i = 0, n = 1;
  std::size_t next() {
    const std::size_t r = i;
    if (++i >= n) i = 0;
    return r;
  }
};

bench::sample run_batch(bench_case& c, std::size_t n, bool record) {
  if (c.prepare) c.prepare(n);
  std::size_t ok = 0;
  const auto s = bench::time_once([&] { ok = c.run(n); });
  check(ok == n, c.section + " " + c.alg + " " + c.name + ": " + std::to_string(n - ok) + " of " +
                     std::to_string(n) + " operations failed" +
                     (c.last_error ? ": " + c.last_error() : std::string()));
  if (record) {
    c.cpu_us.push_back(s.cpu * 1e6 / static_cast<double>(n));
    c.wall_us.push_back(s.wall * 1e6 / static_cast<double>(n));
  }
  return s;
}

/// Chooses a batch that costs about `batch_ms` of CPU (warming the case up on the way).
void calibrate(bench_case& c, const options& o) {
  if (o.smoke) {
    c.batch = std::min<std::size_t>(2, c.cap);
    run_batch(c, c.batch, false);
    return;
  }
  std::size_t n = 1;
  bench::sample s;
  for (;;) {
    s = run_batch(c, n, false);
    if (s.cpu >= 0.002 || n >= c.cap) break;
    n = std::min(c.cap, n * 4);
  }
  const double per_op = std::max(s.cpu / static_cast<double>(n), 1e-9);
  const double want = o.batch_ms * 1e-3 / per_op;
  c.batch = static_cast<std::size_t>(std::clamp(want, 1.0, static_cast<double>(c.cap)));
}

struct verify_state {
  const alg_env* env = nullptr;
  std::optional<verifier_t> v;
  std::size_t pos = 0;
  std::string err;
};

/// The verify cases of one algorithm.
void add_verify_cases(std::vector<bench_case>& cases, const alg_env& env, const options& o) {
  const token_set& ts = *env.set;
  const alg_info& a = *ts.info;
  const std::size_t n_tokens = std::min(ts.size(), o.tokens);
  auto make = [&](const std::string& name) {
    bench_case c;
    c.section = "verify";
    c.alg = a.name;
    c.name = name;
    c.cap = n_tokens;
    return c;
  };
  auto floor_case = [&](const std::string& name, auto verifier) {
    auto cur = std::make_shared<cursor>(cursor{0, n_tokens});
    auto fv = std::make_shared<decltype(verifier)>(std::move(verifier));
    bench_case c = make(name);
    c.run = [&ts, cur, fv](std::size_t n) {
      std::size_t ok = 0;
      for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = cur->next();
        ok += (*fv)(ts.inputs[i], ts.sigs_ossl[i]) ? 1 : 0;
      }
      return ok;
    };
    cases.push_back(std::move(c));
  };
  const auto* fk = env.floor.get();
  floor_case("floor_plain", [fk](std::string_view in, std::string_view sig) {
    return bench::floors::verify_plain(*fk, in, sig);
  });
  floor_case("floor_copy", [v = std::make_shared<bench::floors::copy_verifier>(*fk)](
                               std::string_view in, std::string_view sig) { return v->verify(in, sig); });
  if (a.type == ajwt::key_type::ed25519) {
    floor_case("floor_reuse", [v = std::make_shared<bench::floors::reuse_verifier>(*fk)](
                                  std::string_view in, std::string_view sig) { return v->verify(in, sig); });
  } else {
    floor_case("floor_pkey", [v = std::make_shared<bench::floors::pkey_verifier>(*fk)](
                                 std::string_view in, std::string_view sig) { return v->verify(in, sig); });
  }

  // ajwt's full path: a fresh verifier (empty nonce store) whenever the tokens would repeat. For EdDSA
  // with libsodium built in, "ajwt" runs on libsodium and "ajwt_openssl" on OpenSSL, in the same rounds.
  auto full_case = [&](const std::string& name, ajwt::detail::ed25519_backend backend) {
    auto st = std::make_shared<verify_state>();
    st->env = &env;
    bench_case c = make(name);
    c.prepare = [st, n_tokens](std::size_t n) {
      if (!st->v || st->pos + n > n_tokens) {
        st->v.emplace(st->env->make_verifier());
        st->pos = 0;
      }
    };
    c.run = [st, &ts, backend](std::size_t n) {
      const ed25519_backend_scope scope(backend);
      std::size_t ok = 0;
      for (std::size_t k = 0; k < n; ++k) {
        const auto r = st->v->verify_header(ts.headers[st->pos++]);
        if (r) {
          ++ok;
        } else {
          st->err = std::string(ajwt::to_string(r.reason())) + ": " + r.detail();
        }
      }
      return ok;
    };
    c.last_error = [st] { return st->err; };
    cases.push_back(std::move(c));
  };
  full_case("ajwt", ajwt::detail::default_ed25519_backend());
  if (a.type == ajwt::key_type::ed25519 && have_sodium()) {
    full_case("ajwt_openssl", ajwt::detail::ed25519_backend::openssl);
#if defined(AJWT_WITH_SODIUM)
    // Bare libsodium on the raw key: what crypto_sign_verify_detached alone costs (not a floor of ajwt's
    // checks, which it makes itself).
    unsigned char raw[32];
    std::size_t raw_len = sizeof raw;
    check(EVP_PKEY_get_raw_public_key(env.raw_pub.get(), raw, &raw_len) == 1, "cannot read the Ed25519 key");
    auto pk = std::make_shared<std::array<unsigned char, 32>>();
    std::memcpy(pk->data(), raw, 32);
    floor_case("sodium_raw", [pk](std::string_view in, std::string_view sig) {
      return ajwt::detail::sodium::ed25519_verify(pk->data(), in,
                                                  reinterpret_cast<const unsigned char*>(sig.data()));
    });
#endif
  }
  {  // ajwt's signature step alone (jws::verify on pre-decoded input).
    auto cur = std::make_shared<cursor>(cursor{0, n_tokens});
    bench_case c = make("ajwt_sig");
    const ajwt::public_key* pub = &env.pub;
    const ajwt::algorithm alg = a.alg;
    c.run = [&ts, cur, pub, alg](std::size_t n) {
      std::size_t ok = 0;
      for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = cur->next();
        ok += ajwt::jws::verify(*pub, alg, ts.inputs[i], ts.sigs_jws[i]) ? 1 : 0;
      }
      return ok;
    };
    cases.push_back(std::move(c));
  }
  {  // ajwt's decoding step alone (split, base64url, strict JSON header).
    auto cur = std::make_shared<cursor>(cursor{0, n_tokens});
    bench_case c = make("ajwt_decode");
    c.run = [&ts, cur](std::size_t n) {
      std::size_t ok = 0;
      for (std::size_t k = 0; k < n; ++k) ok += ajwt::jws::decode(ts.tokens[cur->next()]) ? 1 : 0;
      return ok;
    };
    cases.push_back(std::move(c));
  }
  {  // What the peers pay per call before verifying: parsing the PEM public key (OpenSSL, plain).
    bench_case c = make("pem_parse");
    c.run = [pem = &env.pub_pem](std::size_t n) {
      std::size_t ok = 0;
      for (std::size_t k = 0; k < n; ++k) {
        BIO* bio = BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size()));
        EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
        ok += key != nullptr ? 1 : 0;
        EVP_PKEY_free(key);
        BIO_free(bio);
      }
      return ok;
    };
    cases.push_back(std::move(c));
  }
#ifdef AJWT_BENCH_HAVE_LIBJWT
  if (a.libjwt) {
    auto cur = std::make_shared<cursor>(cursor{0, n_tokens});
    bench_case c = make("libjwt");
    c.run = [&ts, cur, pem = &env.pub_pem](std::size_t n) {
      std::size_t ok = 0;
      for (std::size_t k = 0; k < n; ++k)
        ok += bench::peers::libjwt_verify(ts.tokens[cur->next()], *pem) ? 1 : 0;
      return ok;
    };
    cases.push_back(std::move(c));
  }
#endif
#ifdef AJWT_BENCH_HAVE_CPPJWT
  if (a.cppjwt) {
    auto cur = std::make_shared<cursor>(cursor{0, n_tokens});
    bench_case c = make("cppjwt");
    c.run = [&ts, cur, pem = &env.pub_pem, alg = std::string(a.name)](std::size_t n) {
      std::size_t ok = 0;
      for (std::size_t k = 0; k < n; ++k)
        ok += bench::peers::cppjwt_verify(ts.tokens[cur->next()], alg, *pem) ? 1 : 0;
      return ok;
    };
    cases.push_back(std::move(c));
  }
#endif
}

/// The sign cases of one algorithm.
void add_sign_cases(std::vector<bench_case>& cases, const alg_env& env, const options& o) {
  const token_set& ts = *env.set;
  const alg_info& a = *ts.info;
  const std::size_t n_tokens = std::min(ts.size(), o.tokens);
  {
    auto cur = std::make_shared<cursor>(cursor{0, n_tokens});
    auto buf = std::make_shared<std::vector<unsigned char>>(
        static_cast<std::size_t>(EVP_PKEY_get_size(env.raw_priv.get())));
    bench_case c;
    c.section = "sign";
    c.alg = a.name;
    c.name = "sign_plain";
    c.cap = n_tokens;
    c.run = [&ts, cur, buf, key = env.raw_priv.get(), md = env.floor->legacy_md](std::size_t n) {
      std::size_t ok = 0;
      for (std::size_t k = 0; k < n; ++k)
        ok += bench::floors::sign_plain(key, md, ts.inputs[cur->next()], buf->data()) > 0 ? 1 : 0;
      return ok;
    };
    cases.push_back(std::move(c));
  }
  auto builder_case = [&](const std::string& name, ajwt::detail::ed25519_backend backend) {
    auto b = std::make_shared<ajwt::token_builder>(env.priv, bench_user);
    b->algorithm(a.alg);
    auto sink = std::make_shared<std::size_t>(0);
    bench_case c;
    c.section = "sign";
    c.alg = a.name;
    c.name = name;
    c.cap = n_tokens;
    c.run = [b, sink, backend](std::size_t n) {
      const ed25519_backend_scope scope(backend);
      std::size_t ok = 0;
      for (std::size_t k = 0; k < n; ++k) {
        const std::string h = b->header();
        *sink += h.size();
        ok += h.size() > 4 ? 1 : 0;
      }
      return ok;
    };
    cases.push_back(std::move(c));
  };
  builder_case("sign_ajwt", ajwt::detail::default_ed25519_backend());
  if (a.type == ajwt::key_type::ed25519 && have_sodium())
    builder_case("sign_ajwt_openssl", ajwt::detail::ed25519_backend::openssl);
}

json summary_json(const bench::summary& s) {
  return json{{"median", s.median}, {"q1", s.q1}, {"q3", s.q3}, {"min", s.min}, {"max", s.max}, {"n", s.n}};
}

std::vector<double> paired_ratios(const bench_case& x, const bench_case& floor) {
  std::vector<double> r;
  for (std::size_t i = 0; i < x.cpu_us.size() && i < floor.cpu_us.size(); ++i)
    if (floor.cpu_us[i] > 0) r.push_back(x.cpu_us[i] / floor.cpu_us[i]);
  return r;
}

/// Runs all cases in `rounds` shuffled rounds; returns the JSON of each section and algorithm.
json run_rounds(std::vector<bench_case>& cases, const options& o, std::uint32_t seed) {
  for (auto& c : cases) calibrate(c, o);
  std::mt19937 rng(seed);
  std::vector<std::size_t> order(cases.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (int r = 0; r < o.rounds; ++r) {
    std::shuffle(order.begin(), order.end(), rng);
    for (std::size_t i : order) run_batch(cases[i], cases[i].batch, true);
    if (!o.smoke && (r + 1) % 5 == 0) std::cerr << "ajwt_bench: round " << r + 1 << "/" << o.rounds << "\n";
  }

  json out = json::object();
  std::map<std::pair<std::string, std::string>, std::vector<const bench_case*>> groups;
  for (const auto& c : cases) groups[{c.section, c.alg}].push_back(&c);
  for (const auto& kv : groups) {
    const std::string& section = kv.first.first;
    const std::string& alg = kv.first.second;
    const std::vector<const bench_case*>& group = kv.second;
    auto find = [&](const std::string& name) -> const bench_case* {
      for (const auto* c : group)
        if (c->name == name) return c;
      return nullptr;
    };
    json g{{"cases", json::object()}};
    const bench_case* plain = find(section == "verify" ? "floor_plain" : "sign_plain");
    const bench_case* fast = nullptr;
    if (section == "verify") {
      for (const auto* c : group)
        if (c->name.rfind("floor_", 0) == 0 &&
            (!fast || bench::summarize(c->cpu_us).median < bench::summarize(fast->cpu_us).median))
          fast = c;
      g["floor_fast"] = fast->name;
    }
    for (const auto* c : group) {
      json cj{{"cpu_us", summary_json(bench::summarize(c->cpu_us))},
              {"wall_us", summary_json(bench::summarize(c->wall_us))},
              {"batch", c->batch},
              {"samples_cpu_us", c->cpu_us}};
      if (plain) cj["ratio_to_plain"] = summary_json(bench::summarize(paired_ratios(*c, *plain)));
      if (fast) cj["ratio_to_fast"] = summary_json(bench::summarize(paired_ratios(*c, *fast)));
      g["cases"][c->name] = cj;
    }
    out[section][alg] = g;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Negative checks (smoke): a tampered token fails everywhere, a replay is refused.

void negative_checks(const alg_env& env) {
  const token_set& ts = *env.set;
  const std::string name = ts.info->name;
  std::string sig = ts.sigs_ossl[0];
  sig[sig.size() / 2] = static_cast<char>(sig[sig.size() / 2] ^ 0x01);
  check(!bench::floors::verify_plain(*env.floor, ts.inputs[0], sig),
        name + ": floor_plain accepted a tampered signature");
  check(!bench::floors::copy_verifier(*env.floor).verify(ts.inputs[0], sig),
        name + ": floor_copy accepted a tampered signature");
  if (ts.info->type == ajwt::key_type::ed25519)
    check(!bench::floors::reuse_verifier(*env.floor).verify(ts.inputs[0], sig),
          name + ": floor_reuse accepted a tampered signature");
  else
    check(!bench::floors::pkey_verifier(*env.floor).verify(ts.inputs[0], sig),
          name + ": floor_pkey accepted a tampered signature");

  // A token whose signature's first character changed (still canonical base64url).
  std::string token = ts.tokens[0];
  char& c = token[token.rfind('.') + 1];
  c = c == 'A' ? 'B' : 'A';
  auto v = env.make_verifier();
  const auto bad = v.verify_header("JWT " + token);
  check(!bad && bad.reason() == ajwt::reason::bad_signature,
        name + ": ajwt did not reject a tampered token as bad_signature");
  check(static_cast<bool>(v.verify_header(ts.headers[0])), name + ": ajwt rejected a corpus token");
  const auto replay = v.verify_header(ts.headers[0]);
  check(!replay && replay.reason() == ajwt::reason::nonce_replayed,
        name + ": ajwt accepted a replayed token");
#ifdef AJWT_BENCH_HAVE_LIBJWT
  if (ts.info->libjwt)
    check(!bench::peers::libjwt_verify(token, env.pub_pem), name + ": libjwt accepted a tampered token");
#endif
#ifdef AJWT_BENCH_HAVE_CPPJWT
  if (ts.info->cppjwt)
    check(!bench::peers::cppjwt_verify(token, name, env.pub_pem),
          name + ": cpp-jwt accepted a tampered token");
#endif
}

// ---------------------------------------------------------------------------------------------------
// Threads

/// Where spin results go, so the compiler must compute them.
std::atomic<std::uint64_t> spin_sink{0};

/// Spin throughput on 1 and 2 threads (each thread the same work); returns the 2-thread speed-up.
double spin_scaling(std::uint64_t iterations) {
  auto body = [iterations](int t) {
    spin_sink += bench::spin(iterations, static_cast<std::uint64_t>(t) + 7);
  };
  const double t1 = bench::run_threads(1, body);
  const double t2 = bench::run_threads(2, body);
  return 2.0 * t1 / t2;
}

std::uint64_t calibrate_spin(double seconds) {
  std::uint64_t n = 1 << 20;
  for (;;) {
    const double w0 = bench::wall_seconds();
    spin_sink += bench::spin(n, 3);
    const double w = bench::wall_seconds() - w0;
    if (w >= seconds / 4 || n > (1ULL << 40))
      return static_cast<std::uint64_t>(static_cast<double>(n) * seconds / std::max(w, 1e-6));
    n *= 4;
  }
}

json run_threads_section(const alg_env& env, const std::string& fast_name, const options& o) {
  const token_set& ts = *env.set;
  const std::size_t m = std::min(ts.size(), o.tokens);
  const std::uint64_t spin_iters = calibrate_spin(o.smoke ? 0.002 : 0.04);

  // verify throughput (operations per second) of one kind of verification on `threads` threads; every
  // thread takes its own slice of the tokens, so the total work is the same on 1 and 2 threads.
  auto throughput = [&](const std::string& what, int threads) {
    std::vector<std::size_t> ok(2, 0);
    std::optional<verifier_t> v;
    if (what == "ajwt") v.emplace(env.make_verifier());
    std::vector<std::unique_ptr<bench::floors::copy_verifier>> copies;
    std::vector<std::unique_ptr<bench::floors::pkey_verifier>> pkeys;
    std::vector<std::unique_ptr<bench::floors::reuse_verifier>> reuses;
    for (int t = 0; t < threads; ++t) {
      if (what == "floor_copy") copies.push_back(std::make_unique<bench::floors::copy_verifier>(*env.floor));
      if (what == "floor_pkey") pkeys.push_back(std::make_unique<bench::floors::pkey_verifier>(*env.floor));
      if (what == "floor_reuse")
        reuses.push_back(std::make_unique<bench::floors::reuse_verifier>(*env.floor));
    }
    const int kind = what == "ajwt"          ? 0
                     : what == "floor_plain" ? 1
                     : what == "floor_copy"  ? 2
                     : what == "floor_pkey"  ? 3
                                             : 4;
    const double wall = bench::run_threads(threads, [&](int t) {
      const std::size_t begin = m * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads);
      const std::size_t end = m * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(threads);
      const auto ti = static_cast<std::size_t>(t);
      std::size_t good = 0;
      for (std::size_t i = begin; i < end; ++i) {
        switch (kind) {
          case 0: good += v->verify_header(ts.headers[i]) ? 1 : 0; break;
          case 1:
            good += bench::floors::verify_plain(*env.floor, ts.inputs[i], ts.sigs_ossl[i]) ? 1 : 0;
            break;
          case 2: good += copies[ti]->verify(ts.inputs[i], ts.sigs_ossl[i]) ? 1 : 0; break;
          case 3: good += pkeys[ti]->verify(ts.inputs[i], ts.sigs_ossl[i]) ? 1 : 0; break;
          default: good += reuses[ti]->verify(ts.inputs[i], ts.sigs_ossl[i]) ? 1 : 0; break;
        }
      }
      ok[ti] = good;
    });
    check(ok[0] + ok[1] == m,
          "threads: " + what + " on " + std::to_string(threads) + " threads failed to verify some tokens");
    return static_cast<double>(m) / wall;
  };

  const std::vector<std::string> kinds{"ajwt", "floor_plain", fast_name};
  json runs = json::array();
  std::map<std::string, std::vector<double>> counted, all;
  int n_counted = 0;
  for (int r = 0; r < o.thread_runs; ++r) {
    const double before = spin_scaling(spin_iters);
    json run{{"spin_before", before}};
    for (const auto& k : kinds) {
      double t1 = 0, t2 = 0;
      if (r % 2 == 0) {
        t1 = throughput(k, 1);
        t2 = throughput(k, 2);
      } else {
        t2 = throughput(k, 2);
        t1 = throughput(k, 1);
      }
      run[k] = json{{"ops_per_s_1", t1}, {"ops_per_s_2", t2}, {"speedup", t2 / t1}};
    }
    const double after = spin_scaling(spin_iters);
    run["spin_after"] = after;
    const bool scaled = before >= 1.85 && after >= 1.85;
    run["machine_scaled"] = scaled;
    n_counted += scaled ? 1 : 0;
    for (const auto& k : kinds) {
      all[k].push_back(run[k]["speedup"].get<double>());
      if (scaled) counted[k].push_back(run[k]["speedup"].get<double>());
    }
    runs.push_back(run);
    std::cerr << "ajwt_bench: threads run " << r + 1 << ": spin " << before << "/" << after
              << ", ajwt speed-up " << run["ajwt"]["speedup"].get<double>()
              << (scaled ? "" : " (machine did not scale: not counted)") << "\n";
  }
  json out{
      {"alg", ts.info->name}, {"tokens", m}, {"runs", runs}, {"counted_runs", n_counted}, {"kinds", kinds}};
  for (const auto& k : kinds) {
    out["speedup_all"][k] = summary_json(bench::summarize(all[k]));
    if (!counted[k].empty()) out["speedup_counted"][k] = summary_json(bench::summarize(counted[k]));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The nonce store alone

/// n distinct nonces shaped like real ones (11 base64url characters, 64 bits): a random odd multiplier
/// and offset applied to a counter (a bijection on 64-bit integers), so none repeats and no set of
/// them has to be built (its memory, freed, would hide the store's in the resident-memory figure).
std::vector<std::string> make_nonces(std::size_t n) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::uint64_t mul = 0, add = 0;
  check(RAND_bytes(reinterpret_cast<unsigned char*>(&mul), sizeof mul) == 1 &&
            RAND_bytes(reinterpret_cast<unsigned char*>(&add), sizeof add) == 1,
        "RAND_bytes failed");
  mul |= 1;
  std::vector<std::string> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t v = static_cast<std::uint64_t>(i) * mul + add;
    out[i].resize(11);
    for (std::size_t j = 0; j < 11; ++j, v >>= 6) out[i][j] = alphabet[v & 63];
  }
  return out;
}

/// Heap bytes in use (glibc: small chunks plus mmapped ones).
std::size_t heap_in_use() {
  const auto mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

/// The child process of the memory measurement: n nonces in one second of one window of a new store.
/// Prints JSON: resident memory (/proc/self/statm) and heap in use, before and after.
int run_nonce_memory_child(std::size_t n) {
  const std::int64_t t0 = 1700000000;
  const auto nonces = make_nonces(n);
  ajwt::memory_nonce_store s;
  const std::size_t rss0 = bench::resident_bytes(), heap0 = heap_in_use();
  std::size_t fresh = 0;
  for (std::size_t i = 0; i < n; ++i)
    fresh +=
        s.record(ajwt::nonce_record{bench_user, t0, nonces[i], t0, 20}) == ajwt::nonce_status::fresh ? 1 : 0;
  const std::size_t rss1 = bench::resident_bytes(), heap1 = heap_in_use();
  check(fresh == n, "nonce store: some distinct nonces were not fresh");
  check(s.size() == n, "nonce store: size() does not count every entry");
  std::size_t again = 0;
  for (std::size_t i = 0; i < std::min<std::size_t>(n, 1000); ++i)
    again +=
        s.record(ajwt::nonce_record{bench_user, t0, nonces[i], t0, 20}) == ajwt::nonce_status::fresh ? 1 : 0;
  check(again == 0, "nonce store: a replayed nonce was fresh");
  std::cout << json{{"rss_before", rss0},
                    {"rss_after", rss1},
                    {"bytes_per_entry",
                     (static_cast<double>(rss1) - static_cast<double>(rss0)) / static_cast<double>(n)},
                    {"heap_before", heap0},
                    {"heap_after", heap1},
                    {"heap_bytes_per_entry",
                     (static_cast<double>(heap1) - static_cast<double>(heap0)) / static_cast<double>(n)}}
                   .dump()
            << "\n";
  return 0;
}

json run_nonce_section(const options& o) {
  const std::size_t n = o.nonce_entries;
  const std::int64_t t0 = 1700000000;
  const std::int64_t tol = 20;
  const auto nonces = make_nonces(n);

  // Inserts nonces [begin, end) at `time`; returns how many were fresh.
  auto insert = [&](ajwt::memory_nonce_store& s, std::size_t begin, std::size_t end, std::int64_t time) {
    std::size_t fresh = 0;
    for (std::size_t i = begin; i < end; ++i)
      fresh +=
          s.record(ajwt::nonce_record{bench_user, time, nonces[i], time, tol}) == ajwt::nonce_status::fresh
              ? 1
              : 0;
    return fresh;
  };

  json out{{"entries", n}, {"username", bench_user}, {"tolerance", tol}};
  {  // Memory, in a fresh process: here, heap memory freed by the earlier sections would be reused.
    const std::string self = fs::read_symlink("/proc/self/exe").string();
    const std::string path = o.work + "/nonce_memory.json";
    const auto r = bench::run_process({self, "--nonce-memory-child", std::to_string(n)}, "/dev/null", path);
    check(r.exit_code == 0, "nonce store: the memory measurement failed");
    const json m = json::parse(bench::read_file(path));
    for (const auto& [k, v] : m.items()) out[k] = v;
  }
  const std::uint64_t spin_iters = calibrate_spin(o.smoke ? 0.002 : 0.04);
  // Per thread: inserts per second of wall time (what the machine delivered) and of the thread's own
  // CPU time (what the store costs; on a loaded machine the wall figure also counts waiting).
  std::map<std::string, std::vector<double>> wall_rate, cpu_rate;
  json reps = json::array();
  int counted = 0;
  for (int r = 0; r < o.nonce_reps; ++r) {
    const double before = spin_scaling(spin_iters);
    json rep{{"spin_before", before}};
    for (int threads : {1, 2}) {
      ajwt::memory_nonce_store s;
      std::vector<std::size_t> fresh(2, 0);
      // "fresh": an empty store (tables grow as they fill); "warm": the same store one window later,
      // when the second's tables are reused (cleared, allocation kept): the steady state of a server.
      for (const char* phase : {"fresh", "warm"}) {
        const std::int64_t time = std::string_view(phase) == "fresh" ? t0 : t0 + 2 * tol + 1;
        std::vector<double> cpu;
        const double wall = bench::run_threads(
            threads,
            [&](int t) {
              const std::size_t b = n * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads);
              const std::size_t e = n * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(threads);
              fresh[static_cast<std::size_t>(t)] = insert(s, b, e, time);
            },
            &cpu);
        check(fresh[0] + (threads == 2 ? fresh[1] : 0) == n, "nonce store: inserts were not all fresh");
        const double per_thread_n = static_cast<double>(n) / threads;
        const std::string key = std::string(phase) + "_" + std::to_string(threads);
        double cpu_max = 0;
        for (double c : cpu) cpu_max = std::max(cpu_max, c);
        rep[key] = json{{"wall_per_thread", per_thread_n / wall}, {"cpu_per_thread", per_thread_n / cpu_max}};
        wall_rate[key].push_back(per_thread_n / wall);
        cpu_rate[key].push_back(per_thread_n / cpu_max);
      }
    }
    const double after = spin_scaling(spin_iters);
    rep["spin_after"] = after;
    rep["machine_scaled"] = before >= 1.85 && after >= 1.85;
    counted += rep["machine_scaled"].get<bool>() ? 1 : 0;
    reps.push_back(rep);
  }
  out["reps"] = reps;
  out["counted_reps"] = counted;
  for (const auto& [k, v] : wall_rate)
    out["inserts_per_s_per_thread_wall"][k] = summary_json(bench::summarize(v));
  for (const auto& [k, v] : cpu_rate)
    out["inserts_per_s_per_thread_cpu"][k] = summary_json(bench::summarize(v));
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The CLI end to end, and the Python script

/// `ajwt verify` against plain_verify.c on `alg`'s headers (RS512: SHA-512; EdDSA: no digest).
json run_cli_section(const corpus& c, const options& o, const std::string& alg) {
  const token_set& ts = c.sets.at(alg);
  const std::size_t n = std::min(ts.size(), o.cli_lines);
  const std::string headers = o.work + "/cli_headers_" + alg + ".txt";
  {
    std::string text;
    for (std::size_t i = 0; i < n; ++i) text += ts.headers[i] + "\n";
    bench::write_file(headers, text);
  }
  const bool eddsa = alg == "EdDSA";
  const std::string pub = key_path(c.dir, eddsa ? "ed25519" : "rsa", true);
  const std::vector<std::string> cli{
      o.cli, "verify", "--user-key", std::string(bench_user) + "=" + pub, "--now", std::to_string(c.time)};
  const std::vector<std::string> plain{o.plain, pub, eddsa ? "none" : "sha512"};

  // The first run of each writes its output, which is checked: one "ok" line per header.
  auto count_ok = [](const std::string& path) {
    const std::string text = bench::read_file(path);
    std::size_t lines = 0, ok = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
      auto nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      ++lines;
      ok += text.compare(pos, 2, "ok") == 0 ? 1 : 0;
      pos = nl + 1;
    }
    return std::make_pair(lines, ok);
  };
  json runs = json::array();
  std::vector<double> cli_cpu, cli_wall, plain_cpu, plain_wall, ratio_cpu, ratio_wall;
  for (int r = 0; r < o.cli_runs + 1; ++r) {
    const bool first = r == 0;  // a warm-up (page cache, dynamic loader) whose output is checked, not timed
    const std::string cli_out = first ? o.work + "/cli.out" : "/dev/null";
    const std::string plain_out = first ? o.work + "/plain.out" : "/dev/null";
    bench::process_run a, b;
    if (r % 2 == 0) {
      a = bench::run_process(cli, headers, cli_out);
      b = bench::run_process(plain, headers, plain_out);
    } else {
      b = bench::run_process(plain, headers, plain_out);
      a = bench::run_process(cli, headers, cli_out);
    }
    check(a.exit_code == 0,
          "cli: `ajwt verify` exited with " + std::to_string(a.exit_code) + " (a header was rejected?)");
    check(b.exit_code == 0, "cli: plain_verify exited with " + std::to_string(b.exit_code));
    if (first) {
      const auto [cl, cok] = count_ok(cli_out);
      const auto [pl, pok] = count_ok(plain_out);
      check(cl == n && cok == n, "cli: `ajwt verify` did not print one ok line per header");
      check(pl == n && pok == n, "cli: plain_verify did not print one ok line per header");
      continue;
    }
    cli_cpu.push_back(a.cpu);
    cli_wall.push_back(a.wall);
    plain_cpu.push_back(b.cpu);
    plain_wall.push_back(b.wall);
    ratio_cpu.push_back(a.cpu / b.cpu);
    ratio_wall.push_back(a.wall / b.wall);
    runs.push_back(
        json{{"cli_cpu", a.cpu}, {"cli_wall", a.wall}, {"plain_cpu", b.cpu}, {"plain_wall", b.wall}});
  }
  return json{{"lines", n},
              {"alg", alg},
              {"runs", runs},
              {"cli_cpu_s", summary_json(bench::summarize(cli_cpu))},
              {"cli_wall_s", summary_json(bench::summarize(cli_wall))},
              {"plain_cpu_s", summary_json(bench::summarize(plain_cpu))},
              {"plain_wall_s", summary_json(bench::summarize(plain_wall))},
              {"ratio_cpu", summary_json(bench::summarize(ratio_cpu))},
              {"ratio_wall", summary_json(bench::summarize(ratio_wall))}};
}

/// A few batches of the plain floor per algorithm, just before or just after the Python run.
json bracket_floor(const std::map<std::string, std::unique_ptr<alg_env>>& envs, const options& o) {
  json out = json::object();
  for (const auto& kv : envs) {
    const alg_env& env = *kv.second;
    const token_set& ts = *env.set;
    const std::size_t n = std::min<std::size_t>(ts.size(), o.smoke ? 2 : 200);
    std::vector<double> us;
    for (int rep = 0; rep < (o.smoke ? 1 : 5); ++rep) {
      std::size_t ok = 0;
      const auto s = bench::time_once([&] {
        for (std::size_t i = 0; i < n; ++i)
          ok += bench::floors::verify_plain(*env.floor, ts.inputs[i], ts.sigs_ossl[i]) ? 1 : 0;
      });
      check(ok == n, "bracket: floor_plain failed");
      us.push_back(s.cpu * 1e6 / static_cast<double>(n));
    }
    out[kv.first] = bench::summarize(us).median;
  }
  return out;
}

json run_python_section(const std::map<std::string, std::unique_ptr<alg_env>>& envs, const options& o) {
  const json before = bracket_floor(envs, o);
  const std::string out_path = o.work + "/python.json";
  std::string algs;
  for (const auto& a : o.algs) algs += (algs.empty() ? "" : ",") + a;
  std::vector<std::string> argv{o.python,   o.python_script,
                                "--corpus", o.corpus,
                                "--tokens", std::to_string(o.python_tokens),
                                "--reps",   std::to_string(o.python_reps),
                                "--algs",   algs,
                                "--out",    out_path};
  fs::remove(out_path);
  const auto r = bench::run_process(argv, "/dev/null", o.work + "/python.log");
  check(r.exit_code == 0, "python: " + o.python_script + " exited with " + std::to_string(r.exit_code) +
                              ": " + bench::read_file(o.work + "/python.log"));
  json py = json::parse(bench::read_file(out_path));
  const json after = bracket_floor(envs, o);
  py["floor_plain_before_us"] = before;
  py["floor_plain_after_us"] = after;
  return py;
}

// ---------------------------------------------------------------------------------------------------
// Machine and the profile loop

std::string first_line_of(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(prefix, 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  return {};
}

std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string line;
  std::getline(in, line);
  return line;
}

json machine_json() {
  utsname u{};
  uname(&u);
  const std::string load = loadavg();
  char date[32] = "";
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return json{{"date", date},
              {"cpu_model", first_line_of("/proc/cpuinfo", "model name")},
              {"logical_cpus", std::thread::hardware_concurrency()},
              {"openssl", OpenSSL_version(OPENSSL_VERSION)},
              {"compiler", std::string("gcc-compatible ") + __VERSION__},
              {"kernel", std::string(u.sysname) + " " + u.release + " " + u.machine},
              {"loadavg_at_start", load}};
}

int run_profile_loop(const options& o) {
  options lo = o;
  lo.algs = {o.profile_alg};
  lo.tokens = o.profile_count;
  lo.cli_lines = 0;
  corpus c;
  check(load_corpus(lo, c), "--profile-loop needs a corpus with " + std::to_string(o.profile_count) + " " +
                                o.profile_alg + " tokens in " + o.corpus + " (run the benchmark once first)");
  const alg_env env(c, find_alg(o.profile_alg));
  const token_set& ts = *env.set;
  const std::size_t n = o.profile_count;
  auto v = env.make_verifier();
  bench::floors::copy_verifier copy(*env.floor);
  std::unique_ptr<bench::floors::pkey_verifier> pkey;
  std::unique_ptr<bench::floors::reuse_verifier> reuse;
  if (ts.info->type == ajwt::key_type::ed25519)
    reuse = std::make_unique<bench::floors::reuse_verifier>(*env.floor);
  else
    pkey = std::make_unique<bench::floors::pkey_verifier>(*env.floor);
  // One warm-up operation of each outside the region (first-use initialisation is not the steady state).
  check(static_cast<bool>(env.make_verifier().verify_header(ts.headers[0])),
        "profile: ajwt rejected a token");
  check(bench::floors::verify_plain(*env.floor, ts.inputs[0], ts.sigs_ossl[0]), "profile: floor failed");
  std::function<std::size_t()> body;
  if (o.profile_loop == "ajwt") {
    body = [&] {
      std::size_t ok = 0;
      for (std::size_t i = 0; i < n; ++i) ok += v.verify_header(ts.headers[i]) ? 1 : 0;
      return ok;
    };
  } else if (o.profile_loop == "floor_plain") {
    body = [&] {
      std::size_t ok = 0;
      for (std::size_t i = 0; i < n; ++i)
        ok += bench::floors::verify_plain(*env.floor, ts.inputs[i], ts.sigs_ossl[i]) ? 1 : 0;
      return ok;
    };
  } else if (o.profile_loop == "floor_fast") {
    body = [&] {
      std::size_t ok = 0;
      for (std::size_t i = 0; i < n; ++i)
        ok += (pkey ? pkey->verify(ts.inputs[i], ts.sigs_ossl[i])
                    : reuse->verify(ts.inputs[i], ts.sigs_ossl[i]))
                  ? 1
                  : 0;
      return ok;
    };
  } else {
    usage("--profile-loop takes ajwt, floor_plain or floor_fast");
  }
  const std::size_t ok = ajwt_bench_profile_region(&body);
  check(ok == n, "profile: " + std::to_string(n - ok) + " verifications failed");
  std::cerr << "ajwt_bench: profile loop " << o.profile_loop << " " << o.profile_alg << ": " << n
            << " verified\n";
  return 0;
}

// ---------------------------------------------------------------------------------------------------
// Verifications per second per core: what a server should choose

/// ajwt's full path (verify_header, memory nonce store) per algorithm, key size and Ed25519 backend,
/// one thread, thread CPU time: 1 / (median CPU seconds per verification) is the rate one core sustains.
json run_per_core_section(const corpus& c, const options& o) {
  struct config {
    std::string label;
    ajwt::algorithm alg;
    ajwt::key_type type;
    int bits;
    ajwt::detail::ed25519_backend backend;
  };
  std::vector<config> configs;
  // --smoke checks the cases, not the figures: 2048 bits only (4096-bit key generation takes seconds).
  for (int bits : o.smoke ? std::vector<int>{2048} : std::vector<int>{2048, 3072, 4096})
    for (auto alg : {ajwt::algorithm::rs256, ajwt::algorithm::rs512})
      configs.push_back({std::string(ajwt::to_string(alg)) + " " + std::to_string(bits), alg,
                         ajwt::key_type::rsa, bits, ajwt::detail::ed25519_backend::openssl});
  configs.push_back({"ES256", ajwt::algorithm::es256, ajwt::key_type::ec_p256, 256,
                     ajwt::detail::ed25519_backend::openssl});
  for (auto b : ed25519_backends())
    configs.push_back({std::string("EdDSA (") + backend_name(b) + ")", ajwt::algorithm::eddsa,
                       ajwt::key_type::ed25519, 256, b});

  const std::size_t n = o.smoke ? 4 : 300;
  const int reps = o.smoke ? 1 : 9;
  std::map<std::string, ajwt::private_key> keys;  // by type and size
  json out = json::object();
  out["order"] = json::array();
  for (const auto& cfg : configs) {
    const std::string key_name = std::string(ajwt::to_string(cfg.type)) + std::to_string(cfg.bits);
    if (!keys.count(key_name)) {
      // The corpus keys where they fit (RSA 2048, P-256, Ed25519); larger RSA keys made here.
      const char* stem = cfg.type == ajwt::key_type::rsa       ? "rsa"
                         : cfg.type == ajwt::key_type::ec_p256 ? "p256"
                                                               : "ed25519";
      if ((cfg.type != ajwt::key_type::rsa || cfg.bits == 2048) && c.private_pem.count(stem))
        keys.emplace(key_name, ajwt::private_key::load(c.private_pem.at(stem)));
      else
        keys.emplace(key_name, ajwt::private_key::generate(
                                   cfg.type, cfg.type == ajwt::key_type::rsa ? cfg.bits : 2048));
    }
    const ajwt::private_key& key = keys.at(key_name);
    std::vector<std::string> headers(n);
    ajwt::token_builder builder(key, bench_user);
    builder.algorithm(cfg.alg).time(c.time);
    for (auto& h : headers) h = builder.header();
    repo_t repo;
    repo.add(bench_user, key.public_part());
    std::vector<double> us;
    for (int r = 0; r < reps + 1; ++r) {  // the first repetition warms up, untimed
      verifier_t v(repo, ajwt::verifier_options{}, ajwt::memory_nonce_store(), ajwt::fixed_clock(c.time));
      const ed25519_backend_scope scope(cfg.backend);
      std::size_t ok = 0;
      const auto t = bench::time_once([&] {
        for (const auto& h : headers) ok += v.verify_header(h) ? 1 : 0;
      });
      check(ok == n, "per_core: " + cfg.label + ": a token was not accepted");
      if (r > 0) us.push_back(t.cpu * 1e6 / static_cast<double>(n));
    }
    const auto sm = bench::summarize(us);
    out["order"].push_back(cfg.label);
    out["configs"][cfg.label] =
        json{{"alg", std::string(ajwt::to_string(cfg.alg))},
             {"bits", cfg.bits},
             {"backend", cfg.type == ajwt::key_type::ed25519 ? backend_name(cfg.backend) : "OpenSSL"},
             {"cpu_us", summary_json(sm)},
             {"verifications_per_s_per_core", sm.median > 0 ? 1e6 / sm.median : 0.0}};
  }
  out["tokens"] = n;
  out["reps"] = reps;
  return out;
}

int run(const options& o) {
  if (o.nonce_memory_child) return run_nonce_memory_child(o.nonce_memory_child);
  fs::create_directories(o.work);
  if (!o.profile_loop.empty()) return run_profile_loop(o);
  for (const auto& a : o.algs) (void)find_alg(a);
  const bool want_cli = o.sections.count("cli") && !o.cli.empty() && !o.plain.empty();
  const bool want_python = o.sections.count("python") && !o.python.empty() && !o.python_script.empty();
  options co = o;
  for (const char* cli_alg : {"RS512", "EdDSA"})
    if (want_cli && std::find(co.algs.begin(), co.algs.end(), cli_alg) == co.algs.end())
      co.algs.push_back(cli_alg);
  if (!want_cli) co.cli_lines = 0;
  const corpus c = open_corpus(co);

  json result{
      {"schema", 1},
      {"smoke", o.smoke},
      {"machine", machine_json()},
      {"config",
       {{"tokens_per_alg", o.tokens},
        {"rounds", o.rounds},
        {"batch_ms", o.batch_ms},
        {"algs", o.algs},
        {"corpus_time", c.time},
        {"username", bench_user},
        {"note", o.note},
        {"timing", "per-operation thread CPU time (CLOCK_THREAD_CPUTIME_ID); wall time alongside"},
        {"floor_plain",
         "per token: EVP_MD_CTX_new, EVP_DigestVerifyInit with EVP_shaNNN(), EVP_DigestVerify, "
         "EVP_MD_CTX_free; key loaded once; signature base64url-decoded (ES256: to DER) before timing"}}},
      {"peers", json::object()}};
#ifdef AJWT_BENCH_HAVE_LIBJWT
  result["peers"]["libjwt"] = {{"version", bench::peers::libjwt_version()},
                               {"key", "PEM text on every jwt_decode call"}};
#endif
#ifdef AJWT_BENCH_HAVE_CPPJWT
  result["peers"]["cppjwt"] = {{"version", bench::peers::cppjwt_version()},
                               {"key", "PEM text on every jwt::decode call"}};
#endif

  std::map<std::string, std::unique_ptr<alg_env>> envs;
  for (const auto& a : o.algs) envs[a] = std::make_unique<alg_env>(c, find_alg(a));
  if (o.smoke)
    for (const auto& [name, env] : envs) negative_checks(*env);

  std::random_device rd;
  const std::uint32_t seed = rd();
  result["config"]["seed"] = seed;
  std::vector<bench_case> cases;
  for (const auto& a : o.algs) {
    if (o.sections.count("verify")) add_verify_cases(cases, *envs[a], o);
    if (o.sections.count("sign")) add_sign_cases(cases, *envs[a], o);
  }
  if (!cases.empty()) {
    std::cerr << "ajwt_bench: " << cases.size() << " cases, " << o.rounds << " interleaved rounds\n";
    const json r = run_rounds(cases, o, seed);
    for (const auto& [k, v] : r.items()) result[k] = v;
  }
  if (want_python) {
    std::cerr << "ajwt_bench: python (" << o.python_script << ")\n";
    result["python"] = run_python_section(envs, o);
  }
  if (want_cli) {
    std::cerr << "ajwt_bench: cli, " << o.cli_runs << " runs of each program\n";
    result["cli"] = run_cli_section(c, o, "RS512");
    std::cerr << "ajwt_bench: cli on EdDSA headers, " << o.cli_runs << " runs of each program\n";
    result["cli_eddsa"] = run_cli_section(c, o, "EdDSA");
  }
  if (o.sections.count("threads") && envs.count(o.thread_alg)) {
    std::string fast = find_alg(o.thread_alg).type == ajwt::key_type::ed25519 ? "floor_reuse" : "floor_pkey";
    if (result.contains("verify") && result["verify"].contains(o.thread_alg))
      fast = result["verify"][o.thread_alg]["floor_fast"].get<std::string>();
    if (fast == "floor_plain") fast = "floor_copy";
    result["threads"] = run_threads_section(*envs[o.thread_alg], fast, o);
  }
  if (o.sections.count("per_core")) {
    std::cerr << "ajwt_bench: verifications per second per core\n";
    result["per_core"] = run_per_core_section(c, o);
  }
  if (o.sections.count("nonce")) {
    std::cerr << "ajwt_bench: nonce store, " << o.nonce_entries << " entries\n";
    result["nonce_store"] = run_nonce_section(o);
  }
  result["machine"]["loadavg_at_end"] = loadavg();
  bench::write_file(o.out, result.dump(1) + "\n");
  std::cerr << "ajwt_bench: wrote " << o.out << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse_options(argc, argv);
  try {
    return run(o);
  } catch (const bench::check_failed& e) {
    std::cerr << "ajwt_bench: CHECK FAILED: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "ajwt_bench: error: " << e.what() << "\n";
    return 1;
  }
}
