// SPDX-License-Identifier: ISC
// Helpers shared by the Catch2 tests.
#ifndef AJWT_TESTS_SUPPORT_HPP
#define AJWT_TESTS_SUPPORT_HPP

#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "ajwt/keys.hpp"

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

}  // namespace ajwt_test

#endif  // AJWT_TESTS_SUPPORT_HPP
