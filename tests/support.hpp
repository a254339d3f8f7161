// SPDX-License-Identifier: ISC
// Helpers shared by the Catch2 tests.
#ifndef AJWT_TESTS_SUPPORT_HPP
#define AJWT_TESTS_SUPPORT_HPP

#include <atomic>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "ajwt/algorithm.hpp"
#include "ajwt/detail/base64.hpp"
#include "ajwt/jws.hpp"
#include "ajwt/jws_sign.hpp"
#include "ajwt/keys.hpp"
#include "ajwt/nonce/memory.hpp"
#include "ajwt/nonce_store.hpp"

namespace ajwt_test {

/// A private key generated on first use and kept for the life of the process (RSA generation costs up
/// to a few hundred milliseconds, so tests share keys by name). Every name is its own key: a test file
/// prefixes its names (e.g. "attack/guido") so that no two files share one by accident. Thread-safe.
inline const ajwt::private_key& cached_key(std::string_view name, ajwt::key_type type, int rsa_bits = 2048) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<const ajwt::private_key>, std::less<>> keys;
  const std::lock_guard<std::mutex> lock(mu);
  auto it = keys.find(name);
  if (it == keys.end())
    it = keys.emplace(std::string(name),
                      std::make_unique<const ajwt::private_key>(ajwt::private_key::generate(type, rsa_bits)))
             .first;
  return *it->second;
}

/// A random string of 0 to `max_length` characters drawn from `alphabet` (JSON-like noise for tests that
/// check parsers on arbitrary input).
inline std::string random_text(std::mt19937& rng, std::string_view alphabet, std::size_t max_length) {
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<std::size_t> length(0, max_length);
  std::string text(length(rng), ' ');
  for (auto& c : text) c = alphabet[pick(rng)];
  return text;
}

// Hand-made tokens, byte for byte: what an attacker (or another library) could send.

inline std::string b64url(std::string_view bytes) { return ajwt::detail::base64url_encode(bytes); }

/// A JSON string literal.
inline std::string str(std::string_view s) { return nlohmann::json(std::string(s)).dump(); }

/// A JSON object written member by member from raw JSON values, in the order given; unlike
/// nlohmann::json it can repeat a member or spell a number exactly as written.
inline std::string obj(std::initializer_list<std::pair<std::string_view, std::string>> members) {
  std::string out = "{";
  for (const auto& [name, value] : members) {
    if (out.size() > 1) out += ',';
    out += str(name);
    out += ':';
    out += value;
  }
  return out + "}";
}

/// The header token_builder writes: {"alg","kid","typ":"JWT"}.
inline std::string std_header(const ajwt::private_key& key, ajwt::algorithm alg) {
  return obj({{"alg", str(ajwt::to_string(alg))}, {"kid", str(key.kid())}, {"typ", str("JWT")}});
}

/// A compact JWS over exactly these header and payload texts, validly signed with `key` using `alg`.
inline std::string sign_raw(const ajwt::private_key& key, ajwt::algorithm alg, std::string_view header_json,
                            std::string_view payload_json) {
  const std::string input = b64url(header_json) + "." + b64url(payload_json);
  return input + "." + b64url(ajwt::jws::sign(key, alg, input));
}

/// A memory_nonce_store that counts the calls to record() (copies share the count, like the store), so
/// a test can assert that a rejected token never reached the store.
class counting_nonce_store {
 public:
  /// The widest window by default, so tests may set any verifier tolerance.
  explicit counting_nonce_store(ajwt::memory_nonce_store_options options = {86400}) : inner_(options) {}
  ajwt::nonce_status record(const ajwt::nonce_record& r) const {
    ++*count_;
    return inner_.record(r);
  }
  [[nodiscard]] int records() const { return count_->load(); }
  [[nodiscard]] std::int64_t max_tolerance() const noexcept { return inner_.max_tolerance(); }

 private:
  ajwt::memory_nonce_store inner_;
  std::shared_ptr<std::atomic<int>> count_ = std::make_shared<std::atomic<int>>(0);
};

}  // namespace ajwt_test

#endif  // AJWT_TESTS_SUPPORT_HPP
