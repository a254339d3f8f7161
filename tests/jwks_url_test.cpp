// SPDX-License-Identifier: ISC
// jwks_url_key_repository and curl_fetcher, against a real HTTP server on loopback (cpp-httplib) whose
// documents, caching headers, status, speed and size the tests control. The repository runs on a
// fixed_clock, so caching rules are tested without sleeping.
#include <ajwt/ajwt.hpp>
#include <ajwt/repository/curl_fetcher.hpp>
#include <ajwt/repository/jwks_url.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#if defined(AJWT_HAVE_HTTPLIB) && !AJWT_HAVE_HTTPLIB

TEST_CASE("jwks_url tests need cpp-httplib", "[jwks_url]") {
  FAIL(
      "cpp-httplib was not found: install libcpp-httplib-dev (Debian) so the JWKS URL tests can run a "
      "server");
}

#else

#include <httplib.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace {

using clock_type = ajwt::fixed_clock;
using repository = ajwt::jwks_url_key_repository<ajwt::no_user, clock_type>;

constexpr std::int64_t t0 = 1'700'000'000;

struct test_keys {
  ajwt::private_key a = ajwt::private_key::generate(ajwt::key_type::ed25519);
  ajwt::private_key b = ajwt::private_key::generate(ajwt::key_type::ed25519);
  ajwt::private_key ec = ajwt::private_key::generate(ajwt::key_type::ec_p256);
  ajwt::private_key rsa = ajwt::private_key::generate(ajwt::key_type::rsa);
};

const test_keys& keys() {
  static const test_keys k;
  return k;
}

std::string jwks_of(const std::vector<ajwt::private_key>& privs) {
  std::vector<ajwt::public_key> pubs;
  for (const auto& p : privs) pubs.push_back(p.public_part());
  return ajwt::make_jwks(pubs).dump();
}

/// A JWKS server on 127.0.0.1 (an ephemeral port) serving one document at /jwks, and a redirect to it
/// at /redirect. Everything it answers can be changed while it runs; it counts what it is asked.
class jwks_server {
 public:
  explicit jwks_server(std::string body, std::unique_ptr<httplib::Server> server = nullptr,
                       std::string scheme = "http")
      : server_(server ? std::move(server) : std::make_unique<httplib::Server>()),
        scheme_(std::move(scheme)),
        body_(std::move(body)) {
    server_->Get("/jwks", [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    server_->Get("/redirect",
                 [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/jwks"); });
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("jwks_server: cannot bind a port on 127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!server_->is_running()) {
      if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("jwks_server: did not start");
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  jwks_server(const jwks_server&) = delete;
  jwks_server& operator=(const jwks_server&) = delete;
  ~jwks_server() { stop(); }

  /// Stops serving (requests then meet a closed port); wakes handlers that are sleeping.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  [[nodiscard]] std::string url(const std::string& path = "/jwks",
                                const std::string& host = "127.0.0.1") const {
    return scheme_ + "://" + host + ":" + std::to_string(port_) + path;
  }

  void set_body(std::string body) {
    with_lock([&] { body_ = std::move(body); });
  }
  void set_etag(std::string etag) {
    with_lock([&] { etag_ = std::move(etag); });
  }
  void set_header(const std::string& name, std::string value) {
    with_lock([&] { headers_[name] = std::move(value); });
  }
  void set_status(int status) {
    with_lock([&] { status_ = status; });
  }
  void set_delay(std::chrono::milliseconds d) {
    with_lock([&] { delay_ = d; });
  }
  void set_chunked(bool on) {
    with_lock([&] { chunked_ = on; });
  }

  /// Requests received at /jwks (counted as they arrive), and how many were answered 304.
  [[nodiscard]] int requests() const { return requests_.load(); }
  [[nodiscard]] int not_modified() const { return not_modified_.load(); }
  [[nodiscard]] std::string last_if_none_match() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_if_none_match_;
  }

 private:
  template <class F>
  void with_lock(F&& f) {
    std::lock_guard<std::mutex> lock(mu_);
    f();
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    ++requests_;
    std::unique_lock<std::mutex> lock(mu_);
    last_if_none_match_ = req.get_header_value("If-None-Match");
    if (delay_.count() > 0) cv_.wait_for(lock, delay_, [&] { return stopping_; });
    for (const auto& [name, value] : headers_) res.set_header(name, value);
    if (status_ != 200) {
      res.status = status_;
      res.set_content("server error", "text/plain");
      return;
    }
    if (!etag_.empty()) {
      res.set_header("ETag", etag_);
      if (last_if_none_match_ == etag_) {
        ++not_modified_;
        res.status = 304;
        return;
      }
    }
    if (chunked_) {
      // No Content-Length: the client learns the size only while reading.
      res.set_chunked_content_provider(
          "application/json", [body = body_](std::size_t offset, httplib::DataSink& sink) {
            if (offset < body.size()) {
              const std::size_t n = std::min<std::size_t>(1024, body.size() - offset);
              sink.write(body.data() + offset, n);
            }
            if (offset + 1024 >= body.size()) sink.done();
            return true;
          });
    } else {
      res.set_content(body_, "application/json");
    }
  }

  std::unique_ptr<httplib::Server> server_;
  std::string scheme_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::string body_;
  std::string etag_;
  std::map<std::string, std::string> headers_;
  int status_ = 200;
  std::chrono::milliseconds delay_{0};
  bool chunked_ = false;
  std::string last_if_none_match_;
  std::atomic<int> requests_{0};
  std::atomic<int> not_modified_{0};
};

/// The fetcher of these tests: libcurl, never through a proxy (an https_proxy in the environment must
/// not take loopback requests elsewhere).
ajwt::curl_fetcher test_fetcher() {
  ajwt::curl_fetcher_options o;
  o.proxy = "";
  return ajwt::curl_fetcher(o);
}

ajwt::jwks_url_options test_options() {
  ajwt::jwks_url_options o;
  o.allow_http = true;
  o.connect_timeout = std::chrono::milliseconds(1000);
  o.fetch_timeout = std::chrono::milliseconds(2000);
  return o;
}

std::string token(const ajwt::private_key& key, const clock_type& clock, const std::string& user = "alice") {
  return ajwt::token_builder(key, user).time(clock.now()).header();
}

std::size_t key_count(const repository& repo, const std::string& user, const std::string& kid = {}) {
  auto e = repo.find(user, kid);
  return e ? e->keys.size() : 0;
}

bool has_key(const std::shared_ptr<const ajwt::user_keys<>>& e, const ajwt::private_key& k) {
  if (!e) return false;
  for (const auto& pk : e->keys)
    if (pk == k.public_part()) return true;
  return false;
}

/// A self-signed certificate for IP 127.0.0.1 (P-256), its key, and its PEM in a temporary file (for
/// curl_fetcher_options::ca_file).
struct test_certificate {
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key{EVP_EC_gen("P-256"), EVP_PKEY_free};
  std::unique_ptr<X509, void (*)(X509*)> cert{X509_new(), X509_free};
  std::filesystem::path pem_file;

  test_certificate() {
    if (!key || !cert) throw std::runtime_error("test_certificate: cannot allocate");
    X509* x = cert.get();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key.get());
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("ajwt test"),
                               -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    const std::pair<int, const char*> extensions[] = {{NID_subject_alt_name, "IP:127.0.0.1"},
                                                      {NID_basic_constraints, "critical,CA:TRUE"}};
    for (const auto& [nid, value] : extensions) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      if (!ext || X509_add_ext(x, ext, -1) != 1)
        throw std::runtime_error("test_certificate: cannot add an extension");
      X509_EXTENSION_free(ext);
    }
    if (X509_sign(x, key.get(), EVP_sha256()) <= 0) throw std::runtime_error("test_certificate: cannot sign");
    pem_file = std::filesystem::temp_directory_path() /
               ("ajwt-jwks-url-test-" + std::to_string(std::random_device()()) + ".pem");
    BIO* bio = BIO_new_file(pem_file.c_str(), "w");
    const bool written = bio && PEM_write_bio_X509(bio, x) == 1;
    BIO_free(bio);
    if (!written) throw std::runtime_error("test_certificate: cannot write " + pem_file.string());
  }
  test_certificate(const test_certificate&) = delete;
  test_certificate& operator=(const test_certificate&) = delete;
  ~test_certificate() {
    std::error_code ec;
    std::filesystem::remove(pem_file, ec);
  }
};

std::string find_error(const repository& repo, const std::string& user, const std::string& kid) {
  try {
    (void)repo.find(user, kid);
  } catch (const ajwt::error& e) {
    return e.what();
  }
  return "(find did not throw)";
}

}  // namespace

TEST_CASE("the first lookup of a user fetches their JWKS URL and parses every supported key type",
          "[jwks_url]") {
  const auto& k = keys();
  jwks_server server(jwks_of({k.a, k.ec, k.rsa}));
  clock_type clock(t0);
  repository repo(test_fetcher(), test_options(), clock);
  repo.add_url("alice", server.url());
  CHECK(server.requests() == 0);  // adding a URL fetches nothing

  auto e = repo.find("alice", "");
  REQUIRE(e);
  CHECK(e->keys.size() == 3);
  CHECK(has_key(e, k.a));
  CHECK(has_key(e, k.ec));
  CHECK(has_key(e, k.rsa));
  CHECK(server.requests() == 1);
  auto st = repo.status(server.url());
  REQUIRE(st);
  CHECK(st->has_keys);
  CHECK(st->key_count == 3);
  CHECK(st->fetched_at == t0);
  CHECK(st->fresh_until == t0 + 300);  // no Cache-Control: the default, 5 minutes as the Python library
  CHECK(st->last_error.empty());
}

TEST_CASE("an unknown user gets no keys and causes no fetch", "[jwks_url]") {
  jwks_server server(jwks_of({keys().a}));
  clock_type clock(t0);
  repository repo(test_fetcher(), test_options(), clock);
  repo.add_url("alice", server.url());
  CHECK(repo.find("mallory", "") == nullptr);
  CHECK(repo.find("mallory", "some-kid") == nullptr);
  CHECK(server.requests() == 0);
}

TEST_CASE("many verifications of cached keys cost one fetch", "[jwks_url]") {
  const auto& k = keys();
  jwks_server server(jwks_of({k.a, k.b}));
  clock_type clock(t0);
  repository repo(test_fetcher(), test_options(), clock);
  repo.add_url("alice", server.url());
  ajwt::verifier v(repo, ajwt::verifier_options{}, ajwt::memory_nonce_store(), clock);
  for (int i = 0; i < 50; ++i) {
    auto r = v.verify_header(token(i % 2 ? k.a : k.b, clock));
    REQUIRE(r.ok());
    CHECK(r->username() == "alice");
  }
  for (int i = 0; i < 50; ++i) CHECK(key_count(repo, "alice") == 2);
  CHECK(server.requests() == 1);
}

TEST_CASE("a document stays fresh for its max-age and is fetched again when it expires", "[jwks_url]") {
  jwks_server server(jwks_of({keys().a}));
  server.set_header("Cache-Control", "public, max-age=120");
  clock_type clock(t0);
  repository repo(test_fetcher(), test_options(), clock);
  repo.add_url("alice", server.url());
  CHECK(key_count(repo, "alice") == 1);
  CHECK(repo.status(server.url())->fresh_until == t0 + 120);
  clock.set(t0 + 119);
  CHECK(key_count(repo, "alice") == 1);
  CHECK(server.requests() == 1);
  clock.set(t0 + 120);
  CHECK(key_count(repo, "alice") == 1);
  CHECK(server.requests() == 2);
  CHECK(repo.status(server.url())->fresh_until == t0 + 240);
}

TEST_CASE("freshness follows Cache-Control within the configured bounds", "[jwks_url]") {
  struct row {
    const char* cache_control;
    const char* age;
    std::int64_t lifetime;
  };
  // Bounds 30 s .. 1 day, default 5 minutes.
  const row rows[] = {
      {"max-age=600", nullptr, 600},  {"max-age=5", nullptr, 30}, {"max-age=9999999", nullptr, 86400},
      {"no-store", nullptr, 30},      {"no-cache", nullptr, 30},  {"max-age=600, no-cache", nullptr, 30},
      {"max-age=bogus", nullptr, 30}, {nullptr, nullptr, 300},    {"public", nullptr, 300},
      {"max-age=600", "100", 500},    {"max-age=600", "590", 30}, {"max-age=\"90\"", nullptr, 90},
  };
  for (const auto& r : rows) {
    INFO("Cache-Control: " << (r.cache_control ? r.cache_control : "(none)")
                           << ", Age: " << (r.age ? r.age : "(none)"));
    jwks_server server(jwks_of({keys().a}));
    if (r.cache_control) server.set_header("Cache-Control", r.cache_control);
    if (r.age) server.set_header("Age", r.age);
    clock_type clock(t0);
    repository repo(test_fetcher(), test_options(), clock);
    repo.add_url("alice", server.url());
    CHECK(key_count(repo, "alice") == 1);
    auto st = repo.status(server.url());
    REQUIRE(st);
    CHECK(st->fresh_until - st->fetched_at == r.lifetime);
  }
}

TEST_CASE("an expired document is revalidated with its ETag and a 304 keeps the keys", "[jwks_url]") {
  const auto& k = keys();
  jwks_server server(jwks_of({k.a}));
  server.set_etag("\"v1\"");
  server.set_header("Cache-Control", "max-age=60");
  clock_type clock(t0);
  repository repo(test_fetcher(), test_options(), clock);
  repo.add_url("alice", server.url());
  auto first = repo.find("alice", "");
  REQUIRE(first);
  CHECK(server.last_if_none_match().empty());
  CHECK(repo.status(server.url())->etag == "\"v1\"");

  clock.set(t0 + 60);
  auto second = repo.find("alice", "");
  CHECK(server.requests() == 2);
  CHECK(server.not_modified() == 1);
  CHECK(server.last_if_none_match() == "\"v1\"");
  CHECK(second == first);  // the same keys, not re-parsed
  auto st = repo.status(server.url());
  CHECK(st->fetched_at == t0 + 60);
  CHECK(st->fresh_until == t0 + 120);  // freshness renewed from the 304's Cache-Control

  clock.set(t0 + 119);
  (void)repo.find("alice", "");
  CHECK(server.requests() == 2);

  // A new document under a new ETag replaces the keys.
  server.set_body(jwks_of({k.b}));
  server.set_etag("\"v2\"");
  clock.set(t0 + 120);
  auto third = repo.find("alice", "");
  CHECK(server.requests() == 3);
  CHECK(server.not_modified() == 1);
  CHECK(has_key(third, k.b));
  CHECK_FALSE(has_key(third, k.a));
  CHECK(repo.status(server.url())->etag == "\"v2\"");
}

TEST_CASE("a token with a newly published kid triggers exactly one refresh and verifies", "[jwks_url]") {
  const auto& k = keys();
  jwks_server server(jwks_of({k.a}));
  clock_type clock(t0);
  repository repo(test_fetcher(), test_options(), clock);
  repo.add_url("alice", server.url());
  ajwt::verifier v(repo, ajwt::verifier_options{}, ajwt::memory_nonce_store(), clock);
  REQUIRE(v.verify_header(token(k.a, clock)).ok());
  CHECK(server.requests() == 1);

  server.set_body(jwks_of({k.a, k.b}));  // the client rotates: publishes its new key, then uses it
  clock.advance(31);                     // past the 30 s cooldown, well within the 5 minute freshness
  auto r = v.verify_header(token(k.b, clock));
  REQUIRE(r.ok());
  CHECK(r->key() == k.b.public_part());
  CHECK(server.requests() == 2);
  REQUIRE(v.verify_header(token(k.b, clock)).ok());
  REQUIRE(v.verify_header(token(k.a, clock)).ok());
  CHECK(server.requests() == 2);
}

TEST_CASE("an empty kid never triggers a refresh", "[jwks_url]") {
  jwks_server server(jwks_of({keys().a}));
  clock_type clock(t0);
  repository repo(test_fetcher(), test_options(), clock);
  repo.add_url("alice", server.url());
  CHECK(key_count(repo, "alice") == 1);
  clock.advance(100);
  for (int i = 0; i < 10; ++i) CHECK(key_count(repo, "alice", "") == 1);
  CHECK(server.requests() == 1);
}

TEST_CASE("a flood of 1000 unknown kids fetches at most once per cooldown", "[jwks_url]") {
  jwks_server server(jwks_of({keys().a}));
  clock_type clock(t0);
  repository repo(test_fetcher(), test_options(), clock);
  repo.add_url("alice", server.url());
  CHECK(key_count(repo, "alice") == 1);
  REQUIRE(server.requests() == 1);

  auto flood = [&](int round) {
    for (int i = 0; i < 1000; ++i)  // the current keys are still served: the verifier then tries them all
      REQUIRE(key_count(repo, "alice", "random-kid-" + std::to_string(round) + "-" + std::to_string(i)) == 1);
  };
  flood(0);  // within the cooldown of the first fetch
  CHECK(server.requests() == 1);
  clock.advance(30);
  flood(1);
  CHECK(server.requests() == 2);
  clock.advance(29);
  flood(2);
  CHECK(server.requests() == 2);
  clock.advance(1);
  flood(3);
  CHECK(server.requests() == 3);
}

TEST_CASE("concurrent misses of one URL share one fetch", "[jwks_url]") {
  const auto& k = keys();
  jwks_server server(jwks_of({k.a}));
  clock_type clock(t0);
  repository repo(test_fetcher(), test_options(), clock);
  repo.add_url("alice", server.url());
  ajwt::verifier v(repo, ajwt::verifier_options{}, ajwt::memory_nonce_store(), clock);
  REQUIRE(v.verify_header(token(k.a, clock)).ok());
  server.set_body(jwks_of({k.a, k.b}));
  server.set_delay(std::chrono::milliseconds(200));  // long enough for every thread to miss meanwhile
  clock.advance(31);

  constexpr int threads = 8;
  std::vector<std::string> headers;
  for (int i = 0; i < threads; ++i) headers.push_back(token(k.b, clock));
  std::atomic<int> accepted{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      ++ready;
      while (ready.load() < threads) std::this_thread::yield();
      if (v.verify_header(headers[static_cast<std::size_t>(i)]).ok()) ++accepted;
    });
  }
  for (auto& t : pool) t.join();
  CHECK(accepted.load() == threads);
  CHECK(server.requests() == 2);
}

TEST_CASE("concurrent first lookups share one fetch", "[jwks_url]") {
  jwks_server server(jwks_of({keys().a}));
  server.set_delay(std::chrono::milliseconds(200));
  clock_type clock(t0);
  repository repo(test_fetcher(), test_options(), clock);
  repo.add_url("alice", server.url());
  constexpr int threads = 8;
  std::atomic<int> served{0};
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i)
    pool.emplace_back([&] {
      try {
        if (key_count(repo, "alice", keys().a.kid()) == 1) ++served;
      } catch (const std::exception&) {
        // counted as not served
      }
    });
  for (auto& t : pool) t.join();
  CHECK(served.load() == threads);
  CHECK(server.requests() == 1);
}

TEST_CASE("expired keys are served at once while another thread refreshes them", "[jwks_url]") {
  const auto& k = keys();
  jwks_server server(jwks_of({k.a}));
  clock_type clock(t0);
  repository repo(test_fetcher(), test_options(), clock);
  repo.add_url("alice", server.url());
  REQUIRE(key_count(repo, "alice") == 1);
  server.set_delay(std::chrono::milliseconds(500));
  clock.advance(301);
  std::thread refresher([&] {
    try {
      (void)repo.find("alice", "");
    } catch (const std::exception&) {
      // the refresh outcome is not what this test is about
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (server.requests() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(server.requests() == 2);  // the refresh is in flight
  const auto start = std::chrono::steady_clock::now();
  CHECK(key_count(repo, "alice", k.a.kid()) == 1);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(took < std::chrono::milliseconds(250));
  refresher.join();
  CHECK(server.requests() == 2);
}

TEST_CASE("when the server goes down the last good keys are served up to max_stale, then lookups fail closed",
          "[jwks_url]") {
  const auto& k = keys();
  auto server = std::make_unique<jwks_server>(jwks_of({k.a}));
  const std::string url = server->url();
  server->set_header("Cache-Control", "max-age=60");
  clock_type clock(t0);
  auto opt = test_options();
  opt.max_stale = std::chrono::seconds(3600);
  repository repo(test_fetcher(), opt, clock);
  repo.add_url("alice", url);
  ajwt::verifier v(repo, ajwt::verifier_options{}, ajwt::memory_nonce_store(), clock);
  REQUIRE(v.verify_header(token(k.a, clock)).ok());
  server->stop();

  clock.set(t0 + 61);  // expired: the refresh fails, the stale keys are served
  REQUIRE(v.verify_header(token(k.a, clock)).ok());
  auto st = repo.status(url);
  CHECK(st->fetches == 2);
  CHECK_THAT(st->last_error,
             Catch::Contains("fetch failed") && Catch::Contains("connect", Catch::CaseSensitive::No));
  CHECK(st->has_keys);

  clock.set(t0 + 70);  // retries wait for the cooldown
  REQUIRE(v.verify_header(token(k.a, clock)).ok());
  CHECK(repo.status(url)->fetches == 2);

  clock.set(t0 + 60 + 3599);  // the last second of max_stale
  REQUIRE(v.verify_header(token(k.a, clock)).ok());
  CHECK(repo.status(url)->fetches == 3);

  clock.set(t0 + 60 + 3600);  // stale beyond max_stale: fail closed, saying why
  auto r = v.verify_header(token(k.a, clock));
  REQUIRE_FALSE(r.ok());
  CHECK(r.reason() == ajwt::reason::key_repository_unavailable);
  CHECK_THAT(r.detail(), Catch::Contains(url) && Catch::Contains("max_stale") &&
                             Catch::Contains("connect", Catch::CaseSensitive::No));
  CHECK_THAT(find_error(repo, "alice", ""), Catch::Contains(url) && Catch::Contains("fetch failed"));
}

TEST_CASE("a first fetch that fails makes lookups fail with the fetch error until a retry succeeds",
          "[jwks_url]") {
  const auto& k = keys();
  jwks_server server(jwks_of({k.a}));
  server.set_status(500);
  clock_type clock(t0);
  repository repo(test_fetcher(), test_options(), clock);
  repo.add_url("alice", server.url());
  ajwt::verifier v(repo, ajwt::verifier_options{}, ajwt::memory_nonce_store(), clock);

  auto r = v.verify_header(token(k.a, clock));
  REQUIRE_FALSE(r.ok());
  CHECK(r.reason() == ajwt::reason::key_repository_unavailable);
  CHECK_THAT(r.detail(), Catch::Contains(server.url()) && Catch::Contains("HTTP status 500") &&
                             Catch::Contains("no keys fetched yet"));
  CHECK(server.requests() == 1);

  // Within the cooldown the error is repeated without asking the server again.
  clock.advance(10);
  CHECK_THAT(find_error(repo, "alice", k.a.kid()), Catch::Contains("HTTP status 500"));
  CHECK(server.requests() == 1);

  server.set_status(200);
  clock.advance(20);
  REQUIRE(v.verify_header(token(k.a, clock)).ok());
  CHECK(server.requests() == 2);
  CHECK(repo.status(server.url())->last_error.empty());
}

TEST_CASE("an oversized document is refused and the last good keys are kept", "[jwks_url]") {
  const auto& k = keys();
  jwks_server server(jwks_of({k.a}));
  clock_type clock(t0);
  auto opt = test_options();
  opt.max_document_bytes = 4096;
  repository repo(test_fetcher(), opt, clock);
  repo.add_url("alice", server.url());
  REQUIRE(key_count(repo, "alice") == 1);

  // A valid JWKS padded past the limit (so only the size check can refuse it).
  auto big = nlohmann::json::parse(jwks_of({k.b}));
  big["padding"] = std::string(20000, 'x');
  server.set_body(big.dump());
  for (bool chunked : {false, true}) {  // with Content-Length, and without (only the write callback knows)
    INFO("chunked: " << chunked);
    server.set_chunked(chunked);
    clock.advance(301);
    auto e = repo.find("alice", "");
    CHECK(has_key(e, k.a));
    CHECK_FALSE(has_key(e, k.b));
    CHECK_THAT(repo.status(server.url())->last_error, Catch::Contains("response is larger than 4096 bytes"));
  }
  CHECK(server.requests() == 3);

  clock.advance(3600);  // once stale beyond max_stale, the size error is what lookups report
  CHECK_THAT(find_error(repo, "alice", ""), Catch::Contains("larger than 4096 bytes"));
}

TEST_CASE("a malformed document is refused and the last good keys are kept", "[jwks_url]") {
  const auto& k = keys();
  jwks_server server(jwks_of({k.a}));
  clock_type clock(t0);
  repository repo(test_fetcher(), test_options(), clock);
  repo.add_url("alice", server.url());
  REQUIRE(key_count(repo, "alice") == 1);
  const std::pair<const char*, const char*> bad[] = {
      {"{\"keys\": [", "invalid JSON"},
      {"{\"keys\": 5}", "\"keys\" must be an array"},
      {"[1, 2]", "must be a JSON object"},
      {"{\"keys\": [{\"kty\": \"OKP\", \"crv\": \"Ed25519\", \"x\": \"!!\"}]}", "key #0"},
  };
  for (const auto& [body, why] : bad) {
    INFO(body);
    server.set_body(body);
    clock.advance(301);
    auto e = repo.find("alice", "");
    CHECK(has_key(e, k.a));
    CHECK_THAT(repo.status(server.url())->last_error, Catch::Contains(why) && Catch::Contains(server.url()));
  }
  // A new kid does not help either: the document is still malformed.
  clock.advance(31);
  CHECK(has_key(repo.find("alice", k.b.kid()), k.a));
}

TEST_CASE("a slow server is abandoned at the fetch timeout", "[jwks_url]") {
  jwks_server server(jwks_of({keys().a}));
  server.set_delay(std::chrono::milliseconds(2000));
  clock_type clock(t0);
  auto opt = test_options();
  opt.fetch_timeout = std::chrono::milliseconds(300);
  repository repo(test_fetcher(), opt, clock);
  repo.add_url("alice", server.url());
  const auto start = std::chrono::steady_clock::now();
  const std::string err = find_error(repo, "alice", "");
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(took < std::chrono::milliseconds(1200));
  CHECK(took >= std::chrono::milliseconds(250));
  CHECK_THAT(err, Catch::Contains("fetch failed") && Catch::Contains("timed out", Catch::CaseSensitive::No));
}

TEST_CASE("JWKS URLs must be https unless plain http is explicitly allowed", "[jwks_url]") {
  clock_type clock(t0);
  auto fetcher = [](const ajwt::fetch_request&) { return ajwt::fetch_result{}; };
  repository strict(fetcher, ajwt::jwks_url_options{}, clock);
  CHECK_NOTHROW(strict.add_url("alice", "https://keys.example/jwks.json"));
  CHECK_NOTHROW(strict.add_url("alice", "HTTPS://keys.example:8443/jwks.json?v=1"));
  try {
    strict.add_url("alice", "http://keys.example/jwks.json");
    FAIL("http:// was accepted without allow_http");
  } catch (const ajwt::config_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("http://keys.example/jwks.json") && Catch::Contains("allow_http"));
  }
  const std::pair<const char*, const char*> bad[] = {
      {"ftp://keys.example/jwks.json", "scheme must be https"},
      {"file:///etc/jwks.json", "scheme must be https"},
      {"keys.example/jwks.json", "scheme must be https"},
      {"https:///jwks.json", "no host"},
      {"https://:443/jwks.json", "no host"},
      {"https://user@/jwks.json", "no host"},
      {"https://[::1/jwks.json", "IPv6 address in brackets is malformed"},
      {"https://[::1]x/jwks.json", "IPv6 address in brackets is malformed"},
      {"https://keys.example/a b", "space"},
      {"", "empty"},
  };
  for (const auto& row : bad) {
    const std::string url = row.first, why = row.second;
    INFO(url);
    CHECK_THROWS_MATCHES(strict.add_url("alice", url), ajwt::config_error,
                         Catch::Matchers::Predicate<ajwt::config_error>([&](const ajwt::config_error& e) {
                           const std::string m = e.what();
                           return m.find(why) != std::string::npos &&
                                  m.find('"' + url + '"') != std::string::npos;
                         }));
  }
  CHECK(strict.urls("alice").size() == 2);

  auto lax_opt = ajwt::jwks_url_options{};
  lax_opt.allow_http = true;
  repository lax(fetcher, lax_opt, clock);
  CHECK_NOTHROW(lax.add_url("alice", "http://127.0.0.1:8080/jwks"));
  CHECK_THROWS_AS(lax.add_url("alice", "ftp://keys.example/jwks.json"), ajwt::config_error);
}

TEST_CASE("curl_fetcher refuses plain http unless the request allows it, and follows no redirect",
          "[jwks_url]") {
  jwks_server server(jwks_of({keys().a}));
  ajwt::fetch_request req;
  req.url = server.url();
  req.connect_timeout = std::chrono::milliseconds(1000);
  req.timeout = std::chrono::milliseconds(2000);
  req.max_bytes = 1 << 20;
  req.allow_http = false;
  auto r = test_fetcher().fetch(req);
  CHECK(r.status == 0);
  CHECK_THAT(r.error, Catch::Contains("protocol", Catch::CaseSensitive::No));
  CHECK(server.requests() == 0);

  req.allow_http = true;
  r = test_fetcher().fetch(req);
  CHECK(r.error.empty());
  CHECK(r.status == 200);
  CHECK(ajwt::load_jwks(r.body).size() == 1);

  req.url = server.url("/redirect");
  r = test_fetcher().fetch(req);
  CHECK(r.status == 302);
  CHECK(server.requests() == 1);  // the redirect target was not requested

  clock_type clock(t0);
  repository repo(test_fetcher(), test_options(), clock);
  repo.add_url("alice", server.url("/redirect"));
  CHECK_THAT(find_error(repo, "alice", ""), Catch::Contains("HTTP status 302"));
  CHECK(server.requests() == 1);
}

TEST_CASE("https fetches verify the server's certificate and host name", "[jwks_url]") {
  const auto& k = keys();
  test_certificate cert;
  auto tls = std::make_unique<httplib::SSLServer>(cert.cert.get(), cert.key.get());
  REQUIRE(tls->is_valid());
  jwks_server server(jwks_of({k.a}), std::move(tls), "https");
  ajwt::fetch_request req;
  req.url = server.url();
  req.connect_timeout = std::chrono::milliseconds(2000);
  req.timeout = std::chrono::milliseconds(4000);
  req.max_bytes = 1 << 20;

  ajwt::curl_fetcher_options trusting;
  trusting.proxy = "";
  trusting.ca_file = cert.pem_file.string();

  SECTION("a certificate no trusted CA issued is refused") {
    auto r = test_fetcher().fetch(req);
    CHECK(r.status == 0);
    CHECK_THAT(r.error, Catch::Contains("certificate", Catch::CaseSensitive::No));
    CHECK(server.requests() == 0);
  }
  SECTION("a trusted certificate for another host name is refused") {
    req.url = server.url("/jwks", "localhost");
    auto r = ajwt::curl_fetcher(trusting).fetch(req);
    CHECK(r.status == 0);
    CHECK_THAT(r.error, Catch::Contains("host name", Catch::CaseSensitive::No));
    CHECK(server.requests() == 0);
  }
  SECTION("a trusted certificate serves keys to a repository that allows https only") {
    clock_type clock(t0);
    repository repo(ajwt::curl_fetcher(trusting), ajwt::jwks_url_options{}, clock);
    repo.add_url("alice", server.url());
    ajwt::verifier v(repo, ajwt::verifier_options{}, ajwt::memory_nonce_store(), clock);
    REQUIRE(v.verify_header(token(k.a, clock)).ok());
    CHECK(server.requests() == 1);
  }
}

TEST_CASE("options that make no sense are refused", "[jwks_url]") {
  auto fetcher = [](const ajwt::fetch_request&) { return ajwt::fetch_result{}; };
  auto refused = [&](ajwt::jwks_url_options o, const char* field) {
    INFO(field);
    CHECK_THROWS_WITH(repository(fetcher, o, clock_type(t0)), Catch::Contains(field));
  };
  ajwt::jwks_url_options o;
  o.min_max_age = std::chrono::seconds(100);
  o.max_max_age = std::chrono::seconds(50);
  refused(o, "max_max_age");
  o = {};
  o.default_max_age = std::chrono::seconds(10);
  refused(o, "default_max_age");
  o = {};
  o.refresh_cooldown = std::chrono::seconds(-1);
  refused(o, "refresh_cooldown");
  o = {};
  o.max_stale = std::chrono::seconds(-1);
  refused(o, "max_stale");
  o = {};
  o.fetch_timeout = std::chrono::milliseconds(0);
  refused(o, "fetch_timeout");
  o = {};
  o.connect_timeout = std::chrono::milliseconds(0);
  refused(o, "connect_timeout");
  o = {};
  o.max_document_bytes = 0;
  refused(o, "max_document_bytes");
  o = {};
  o.max_document_bytes = ajwt::max_key_text_bytes + 1;
  refused(o, "max_document_bytes");
  CHECK_NOTHROW(repository(fetcher, ajwt::jwks_url_options{}, clock_type(t0)));
}

namespace {
/// A fetcher object (the `fetch` member form of the customisation point) serving a canned document.
struct canned_fetcher {
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  std::string body;
  ajwt::fetch_result fetch(const ajwt::fetch_request&) const {
    ++*calls;
    ajwt::fetch_result r;
    r.status = 200;
    r.body = body;
    r.add_cache_control("max-age=60");
    return r;
  }
};
}  // namespace

TEST_CASE("a custom fetcher plugs in as a callable or as an object with fetch", "[jwks_url]") {
  const auto& k = keys();
  clock_type clock(t0);

  SECTION("a lambda sees the request the options describe, ETag included") {
    std::mutex mu;
    std::vector<ajwt::fetch_request> seen;
    auto fetcher = [&, body = jwks_of({k.a})](const ajwt::fetch_request& req) {
      std::lock_guard<std::mutex> lock(mu);
      seen.push_back(req);
      ajwt::fetch_result r;
      r.status = req.if_none_match == "\"e1\"" ? 304 : 200;
      if (r.status == 200) r.body = body;
      r.etag = "\"e1\"";
      return r;
    };
    ajwt::jwks_url_options o;
    o.fetch_timeout = std::chrono::milliseconds(1234);
    o.connect_timeout = std::chrono::milliseconds(567);
    o.max_document_bytes = 8900;
    repository repo(fetcher, o, clock);
    repo.add_url("alice", "https://keys.example/jwks.json");
    ajwt::verifier v(repo, ajwt::verifier_options{}, ajwt::memory_nonce_store(), clock);
    REQUIRE(v.verify_header(token(k.a, clock)).ok());
    clock.advance(300);
    REQUIRE(v.verify_header(token(k.a, clock)).ok());
    std::lock_guard<std::mutex> lock(mu);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].url == "https://keys.example/jwks.json");
    CHECK(seen[0].if_none_match.empty());
    CHECK(seen[0].timeout == std::chrono::milliseconds(1234));
    CHECK(seen[0].connect_timeout == std::chrono::milliseconds(567));
    CHECK(seen[0].max_bytes == 8900);
    CHECK_FALSE(seen[0].allow_http);
    CHECK(seen[1].if_none_match == "\"e1\"");
  }

  SECTION("an object with a fetch member; copies of the repository share its cache") {
    canned_fetcher f;
    f.body = jwks_of({k.a});
    repository repo(f, ajwt::jwks_url_options{}, clock);
    repository copy = repo;
    repo.add_url("alice", "https://keys.example/jwks.json");
    CHECK(key_count(copy, "alice") == 1);
    CHECK(key_count(repo, "alice") == 1);
    CHECK(f.calls->load() == 1);
    CHECK(repo.status("https://keys.example/jwks.json")->fresh_until == t0 + 60);
  }

  SECTION("a fetcher that throws is a failed fetch, its message in the error") {
    auto fetcher = [](const ajwt::fetch_request&) -> ajwt::fetch_result {
      throw std::runtime_error("proxy on fire");
    };
    repository repo(fetcher, ajwt::jwks_url_options{}, clock);
    repo.add_url("alice", "https://keys.example/jwks.json");
    CHECK_THAT(find_error(repo, "alice", ""), Catch::Contains("proxy on fire"));
  }

  SECTION("a document larger than max_document_bytes is refused even if the fetcher ignores the limit") {
    auto fetcher = [body = jwks_of({k.a})](const ajwt::fetch_request&) {
      ajwt::fetch_result r;
      r.status = 200;
      r.body = body;
      return r;
    };
    ajwt::jwks_url_options o;
    o.max_document_bytes = 64;
    repository repo(fetcher, o, clock);
    repo.add_url("alice", "https://keys.example/jwks.json");
    CHECK_THAT(find_error(repo, "alice", ""), Catch::Contains("document is larger than 64 bytes"));
  }

  SECTION("a 304 without Cache-Control keeps the lifetime the document came with") {
    int calls = 0;  // the fetcher runs on this thread only
    auto fetcher = [&, body = jwks_of({k.a})](const ajwt::fetch_request& req) {
      ++calls;
      ajwt::fetch_result r;
      r.status = req.if_none_match.empty() ? 200 : 304;
      if (r.status == 200) {
        r.body = body;
        r.etag = "W/\"1\"";
        r.add_cache_control("max-age=45");
      }
      return r;
    };
    repository repo(fetcher, ajwt::jwks_url_options{}, clock);
    repo.add_url("alice", "https://keys.example/jwks.json");
    CHECK(key_count(repo, "alice") == 1);
    clock.advance(45);
    CHECK(key_count(repo, "alice") == 1);
    CHECK(calls == 2);
    auto st = repo.status("https://keys.example/jwks.json");
    CHECK(st->fresh_until == t0 + 90);
    CHECK(st->etag == "W/\"1\"");
  }

  SECTION("an empty std::function is refused") {
    CHECK_THROWS_AS(repository(repository::fetch_function(), ajwt::jwks_url_options{}, clock),
                    ajwt::config_error);
  }

  SECTION("a 304 to a request without If-None-Match is a failure") {
    auto fetcher = [](const ajwt::fetch_request&) {
      ajwt::fetch_result r;
      r.status = 304;
      return r;
    };
    repository repo(fetcher, ajwt::jwks_url_options{}, clock);
    repo.add_url("alice", "https://keys.example/jwks.json");
    CHECK_THAT(find_error(repo, "alice", ""), Catch::Contains("HTTP status 304"));
  }
}

TEST_CASE("a user's keys are the union of their URLs' keys", "[jwks_url]") {
  const auto& k = keys();
  jwks_server one(jwks_of({k.a}));
  jwks_server two(jwks_of({k.b, k.a}));
  clock_type clock(t0);
  repository repo(test_fetcher(), test_options(), clock);
  repo.add_url("alice", one.url());
  repo.add_url("alice", two.url());
  repo.add_url("alice", two.url());  // kept once
  CHECK(repo.urls("alice") == std::vector<std::string>{one.url(), two.url()});
  auto e = repo.find("alice", "");
  REQUIRE(e);
  CHECK(e->keys.size() == 2);  // k.a appears once
  CHECK(has_key(e, k.a));
  CHECK(has_key(e, k.b));
  CHECK(repo.find("alice", "") == e);  // unchanged sets: the same merged entry

  // One URL failing closed: the keys of the other are still served, and a kid only the failing URL
  // had is reported with the failure.
  two.set_status(503);
  clock.advance(301 + 3600);
  CHECK_THAT(find_error(repo, "alice", k.b.kid()),
             Catch::Contains(two.url()) && Catch::Contains("HTTP status 503"));
  clock.advance(31);
  auto partial = repo.find("alice", k.a.kid());
  CHECK(has_key(partial, k.a));
  CHECK_FALSE(has_key(partial, k.b));
  one.set_status(503);
  clock.advance(301 + 3600);
  const std::string both = find_error(repo, "alice", "");
  CHECK_THAT(both, Catch::Contains(one.url()) && Catch::Contains(two.url()));

  CHECK(repo.remove_url("alice", two.url()));
  CHECK_FALSE(repo.remove_url("alice", two.url()));
  CHECK_FALSE(repo.remove_url("nobody", two.url()));
  CHECK(repo.size() == 1);  // removing from an unknown user made no user
  CHECK(repo.urls("alice") == std::vector<std::string>{one.url()});
  CHECK_FALSE(repo.status(two.url()));  // no user has it: its cache is gone
}

TEST_CASE("a URL shared by two users is fetched once for both", "[jwks_url]") {
  jwks_server server(jwks_of({keys().a}));
  clock_type clock(t0);
  repository repo(test_fetcher(), test_options(), clock);
  repo.add_url("alice", server.url());
  repo.add_url("bob", server.url());
  CHECK(key_count(repo, "alice") == 1);
  CHECK(key_count(repo, "bob") == 1);
  CHECK(server.requests() == 1);
  CHECK(repo.size() == 2);
  CHECK(repo.remove_user("alice"));
  CHECK_FALSE(repo.remove_user("alice"));
  CHECK(repo.find("alice", "") == nullptr);
  CHECK(key_count(repo, "bob") == 1);
  CHECK(server.requests() == 1);
}

TEST_CASE("the user object set for a user comes back in the verified token", "[jwks_url]") {
  const auto& k = keys();
  jwks_server server(jwks_of({k.a}));
  clock_type clock(t0);
  ajwt::jwks_url_key_repository<std::string, clock_type> repo(test_fetcher(), test_options(), clock);
  repo.set_user("alice", "billing service");
  CHECK(repo.find("alice", "")->keys.empty());  // a user object without URLs: no keys
  repo.add_url("alice", server.url());
  ajwt::verifier v(repo, ajwt::verifier_options{}, ajwt::memory_nonce_store(), clock);
  auto r = v.verify_header(token(k.a, clock));
  REQUIRE(r.ok());
  CHECK(r->user() == "billing service");
  CHECK(r->kid() == k.a.kid());
  CHECK_THROWS_AS(repo.add_url("", server.url()), ajwt::config_error);
}

TEST_CASE("Cache-Control and Age headers are read as RFC 9111 says", "[jwks_url]") {
  ajwt::fetch_result r;
  r.add_cache_control("public, max-age=60");
  CHECK(r.max_age == 60);
  CHECK_FALSE(r.no_cache);
  r.add_cache_control("MAX-AGE = 30 , must-revalidate");  // a second line: the smaller max-age wins
  CHECK(r.max_age == 30);
  r.add_cache_control("max-age=90");
  CHECK(r.max_age == 30);

  ajwt::fetch_result huge;
  huge.add_cache_control("max-age=99999999999999999999999");
  CHECK(huge.max_age == 2147483647);

  for (const char* v : {"no-store", "No-Cache", "private, no-cache=\"set-cookie\"", "max-age=-1",
                        "max-age=", "max-age=1.5"}) {
    INFO(v);
    ajwt::fetch_result x;
    x.add_cache_control(v);
    CHECK(x.no_cache);
  }
  ajwt::fetch_result none;
  none.add_cache_control("public, immutable");
  CHECK_FALSE(none.max_age);
  CHECK_FALSE(none.no_cache);

  ajwt::fetch_result age;
  age.set_age(" 42 ");
  CHECK(age.age == 42);
  age.set_age("soon");
  CHECK(age.age == 42);
}

#endif  // AJWT_HAVE_HTTPLIB
