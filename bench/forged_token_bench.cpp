// SPDX-License-Identifier: ISC
// What a forged token costs the server, for a user with many large keys (docs/performance.md, "Forged
// tokens"). A forged token needs no secret, only a signature of the right length, so its cost is what an
// attacker can buy for free. Measured side by side, round by round, in thread CPU time:
//
//   valid            one accepted token of the user (kid = the key's fingerprint), nonce store included
//   forged, kid      a forged token whose kid names one of the user's keys: that key alone is tried
//   forged, no kid   a forged token without a kid: at most max_keys_per_token keys are tried (default 4)
//   forged, max 64   the same with max_keys_per_token at its largest allowed value
//   unbounded        one raw OpenSSL verification with every key of the user: what trying them all costs
//                    (the verifier before the bound)
//   openssl floor    one raw OpenSSL EVP_DigestVerify of a valid signature
//
// Usage: forged_token_bench [--keys N] [--bits B] [--rounds R] [--key-cache FILE] [--smoke]
// RSA-4096 key generation is slow (about a second a key), so the keys are cached in FILE (PEM, private)
// and reused by later runs. --smoke: 8 RSA-2048 keys, 2 rounds; checks every verdict, reports no timing.
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ajwt/ajwt.hpp>
#include <ajwt/detail/base64.hpp>

#include "bench_util.hpp"

namespace {

struct options {
  int keys = 256;
  int bits = 4096;
  int rounds = 15;
  std::string key_cache;
  bool smoke = false;
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--keys") {
      o.keys = std::stoi(value());
    } else if (a == "--bits") {
      o.bits = std::stoi(value());
    } else if (a == "--rounds") {
      o.rounds = std::stoi(value());
    } else if (a == "--key-cache") {
      o.key_cache = value();
    } else if (a == "--smoke") {
      o.smoke = true;
    } else {
      throw std::runtime_error("unknown argument " + a);
    }
  }
  if (o.smoke) {
    o.keys = 8;
    o.bits = 2048;
    o.rounds = 2;
  }
  if (o.keys < 8 || o.keys > 256 || o.rounds < 1)
    throw std::runtime_error("--keys is 8 to 256, --rounds >= 1");
  return o;
}

/// The user's private keys: read from the cache when it holds enough keys of the right size, else made
/// (and the cache rewritten).
std::vector<ajwt::private_key> user_keys(const options& o) {
  std::vector<ajwt::private_key> keys;
  if (!o.key_cache.empty() && std::filesystem::exists(o.key_cache)) {
    const std::string text = bench::read_file(o.key_cache);
    std::size_t pos = 0;
    const std::string end = "-----END PRIVATE KEY-----";
    while (keys.size() < static_cast<std::size_t>(o.keys)) {
      const std::size_t e = text.find(end, pos);
      if (e == std::string::npos) break;
      auto key = ajwt::private_key::load(text.substr(pos, e + end.size() - pos));
      if (key.public_part().bits() != o.bits) break;
      keys.push_back(std::move(key));
      pos = e + end.size();
    }
    if (keys.size() == static_cast<std::size_t>(o.keys)) return keys;
    keys.clear();
  }
  std::cerr << "forged_token_bench: generating " << o.keys << " RSA-" << o.bits << " keys...\n";
  std::string cache;
  for (int i = 0; i < o.keys; ++i) {
    keys.push_back(ajwt::private_key::generate(ajwt::key_type::rsa, o.bits));
    cache += keys.back().to_pem();
  }
  if (!o.key_cache.empty()) bench::write_file(o.key_cache, cache);
  return keys;
}

/// A token with the claims of `real` and a signature of the right length that no key made, with the
/// given kid (none when empty).
std::string forged_header(const std::string& real_token, const std::string& kid,
                          std::size_t signature_bytes) {
  const std::string payload =
      real_token.substr(real_token.find('.') + 1, real_token.rfind('.') - real_token.find('.') - 1);
  nlohmann::json h{{"alg", "RS256"}, {"typ", "JWT"}};
  if (!kid.empty()) h["kid"] = kid;
  const std::string garbage(signature_bytes, '\x5a');
  return "JWT " + ajwt::detail::base64url_encode(h.dump()) + '.' + payload + '.' +
         ajwt::detail::base64url_encode(garbage);
}

/// One raw OpenSSL RS256 verification; true when the signature verifies.
bool openssl_verify(EVP_PKEY* pkey, const std::string& data, const std::string& sig) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

}  // namespace

int main(int argc, char** argv) try {
  const options o = parse(argc, argv);
  const auto keys = user_keys(o);
  ajwt::static_key_repository<> repo;
  std::vector<EVP_PKEY*> raw;
  for (const auto& k : keys) {
    repo.add("bob", k.public_part());
    raw.push_back(k.public_part().native_handle());
  }
  const std::int64_t t0 = 1'700'000'000;
  struct fixed_clock {
    std::int64_t t;
    [[nodiscard]] std::int64_t now() const { return t; }
  };
  ajwt::verifier_options bounded;
  bounded.algorithms.insert(ajwt::algorithm::rs256);
  ajwt::verifier_options widest = bounded;
  widest.max_keys_per_token = 64;
  using verifier_t = ajwt::verifier<ajwt::static_key_repository<>, ajwt::memory_nonce_store, fixed_clock>;
  const verifier_t v(repo, bounded, ajwt::memory_nonce_store(), fixed_clock{t0});
  const verifier_t v64(repo, widest, ajwt::memory_nonce_store(), fixed_clock{t0});

  ajwt::token_builder builder(keys.front(), "bob");
  builder.algorithm(ajwt::algorithm::rs256).time(t0);
  const std::string sample_token = builder.token();
  const std::size_t sig_bytes = static_cast<std::size_t>(o.bits / 8);
  const std::string forged_kid = forged_header(sample_token, keys[3].public_part().kid(), sig_bytes);
  const std::string forged_none = forged_header(sample_token, "", sig_bytes);
  const std::string signing_input = sample_token.substr(0, sample_token.rfind('.'));
  std::string signature;
  bench::check(bench::base64url_decode(sample_token.substr(sample_token.rfind('.') + 1), signature),
               "signature");

  // Every verdict, checked before anything is timed.
  const auto expect_bad_signature = [](const auto& r, const std::string& what) {
    bench::check(!r.ok() && r.reason() == ajwt::reason::bad_signature,
                 what + ": not refused as bad_signature");
  };
  bench::check(v.verify_header("JWT " + builder.nonce("check").token()).ok(), "the valid token is refused");
  expect_bad_signature(v.verify_header(forged_kid), "forged, kid");
  expect_bad_signature(v.verify_header(forged_none), "forged, no kid");
  expect_bad_signature(v64.verify_header(forged_none), "forged, max 64");
  bench::check(openssl_verify(raw.front(), signing_input, signature), "OpenSSL refuses the valid signature");
  const std::string detail = v.verify_header(forged_none).detail();
  bench::check(detail.find("checked 4 of " + std::to_string(o.keys)) != std::string::npos,
               "the forged token's detail does not say 4 keys were checked: " + detail);

  const int batch = o.smoke ? 2 : 20;
  std::vector<std::string> valid;
  for (int i = 0; i < o.rounds * batch; ++i)
    valid.push_back("JWT " + builder.nonce("n" + std::to_string(i)).token());
  std::map<std::string, std::vector<double>> us;  // microseconds per operation, one value per round
  int next_valid = 0;
  std::size_t sink = 0;
  for (int round = 0; round < o.rounds; ++round) {
    auto run = [&](const std::string& name, int n, auto&& f) {
      const auto s = bench::time_once([&] {
        for (int i = 0; i < n; ++i) sink += f() ? 1 : 0;
      });
      us[name].push_back(s.cpu * 1e6 / n);
    };
    run("openssl floor", batch, [&] { return openssl_verify(raw.front(), signing_input, signature); });
    run("valid", batch, [&] { return v.verify_header(valid[static_cast<std::size_t>(next_valid++)]).ok(); });
    run("forged, kid", batch, [&] { return v.verify_header(forged_kid).ok(); });
    run("forged, no kid", batch, [&] { return v.verify_header(forged_none).ok(); });
    run("forged, max 64", std::max(1, batch / 8), [&] { return v64.verify_header(forged_none).ok(); });
    run("unbounded", 1, [&] {
      bool any = false;
      for (EVP_PKEY* k : raw) any = openssl_verify(k, signing_input, signature.substr(1) + 'x') || any;
      return any;
    });
  }
  if (o.smoke) {
    std::cout << "forged_token_bench: smoke run, every verdict as expected (" << sink << ")\n";
    return 0;
  }
  const double valid_median = bench::summarize(us["valid"]).median;
  std::cout << "| case (user with " << o.keys << " RSA-" << o.bits
            << " keys) | median µs | × one valid verify |\n|---|---|---|\n";
  for (const char* name :
       {"openssl floor", "valid", "forged, kid", "forged, no kid", "forged, max 64", "unbounded"}) {
    const double m = bench::summarize(us[name]).median;
    std::printf("| %s | %.0f | %.2f |\n", name, m, m / valid_median);
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "forged_token_bench: " << e.what() << '\n';
  return 1;
}
