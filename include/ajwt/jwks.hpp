// SPDX-License-Identifier: ISC
// JWKS documents (RFC 7517 section 5): load_jwks skips and reports unusable keys, make_jwks publishes keys.
#ifndef AJWT_JWKS_HPP
#define AJWT_JWKS_HPP

#include <openssl/decoder.h>
#include <openssl/pem.h>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "detail/json.hpp"
#include "detail/key_text.hpp"
#include "error.hpp"
#include "limits.hpp"
#include "public_key.hpp"
#include "version.hpp"

AJWT_NAMESPACE_BEGIN

/// Parses a JWKS document ({"keys": [...]}) into public keys. A key that cannot be used is skipped,
/// as RFC 7517 section 5 asks: an unsupported type, curve or use, an entry that is not a JSON object,
/// and a key of a supported type that is malformed or out of policy (RSA under 2048 bits, an "alg"
/// that does not fit the key, a non-string "kid", a small-order Ed25519 point, ...). Each skip is
/// described in `skipped` when given, so one bad key never keeps a publisher's other keys (or its
/// revocations) from taking effect. Throws key_error for a malformed document (not an object, no
/// "keys" array, more than max_jwks_keys keys) and for a document whose keys are all unusable (an
/// empty "keys" array is valid: the publisher has no keys).
inline std::vector<public_key> load_jwks(std::string_view text, std::vector<std::string>* skipped = nullptr,
                                         std::string_view source = "JWKS") {
  if (text.size() > max_key_text_bytes) detail::throw_key_error(source, "JWKS document is too large");
  nlohmann::json doc;
  std::string err;
  if (!detail::parse_json_strict(text, doc, err)) detail::throw_key_error(source, "invalid JSON: " + err);
  if (!doc.is_object()) detail::throw_key_error(source, "a JWKS document must be a JSON object");
  auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array())
    detail::throw_key_error(source, "JWKS member \"keys\" must be an array");
  if (keys->size() > max_jwks_keys)
    detail::throw_key_error(source, "JWKS holds " + std::to_string(keys->size()) + " keys (maximum " +
                                        std::to_string(max_jwks_keys) + ")");
  std::vector<public_key> out;
  std::vector<std::string> skips;
  for (std::size_t i = 0; i < keys->size(); ++i) {
    const auto& jwk = (*keys)[i];
    const std::string where = std::string(source) + " key #" + std::to_string(i);
    auto skip_key = [&](std::string why) { skips.push_back(where + ": " + std::move(why)); };
    if (!jwk.is_object()) {
      skip_key("a JWK must be a JSON object");
      continue;
    }
    // kty is required (RFC 7517 section 4.1); crv and use, when present, are strings.
    std::string bad_member;
    for (const char* member : {"kty", "crv", "use"}) {
      auto it = jwk.find(member);
      if (bad_member.empty() && (it == jwk.end() ? std::string_view(member) == "kty" : !it->is_string()))
        bad_member = member;
    }
    if (!bad_member.empty()) {
      skip_key("JWK member \"" + bad_member + "\" must be a string");
      continue;
    }
    const auto& kty = jwk["kty"].get_ref<const std::string&>();
    const auto crv = jwk.contains("crv") ? jwk["crv"].get<std::string>() : std::string();
    std::string skip;
    if (kty != "RSA" && kty != "EC" && kty != "OKP") {
      skip = "key type \"" + detail::printable(kty) + "\" is not supported";
    } else if ((kty == "EC" && crv != "P-256") || (kty == "OKP" && crv != "Ed25519")) {
      skip = "curve \"" + detail::printable(crv) + "\" is not supported";
    } else if (auto use = jwk.find("use"); use != jwk.end() && *use != "sig") {
      skip = "\"use\" is \"";
      skip += detail::printable(use->get<std::string>());
      skip += "\", not \"sig\"";
    }
    if (!skip.empty()) {
      skip_key(std::move(skip));
      continue;
    }
    try {
      out.push_back(public_key::from_jwk(jwk, where));
    } catch (const key_error& e) {
      // The message already starts with `where`.
      skips.emplace_back(e.what());
    }
  }
  if (out.empty() && !skips.empty()) {
    std::string all;
    for (const auto& line : skips) all += (all.empty() ? "" : "; ") + line;
    detail::throw_key_error(source, "no usable key in the JWKS document (" + all + ")");
  }
  if (skipped) skipped->insert(skipped->end(), skips.begin(), skips.end());
  return out;
}

/// Reads a JWKS file; see load_jwks.
inline std::vector<public_key> load_jwks_file(const std::filesystem::path& path,
                                              std::vector<std::string>* skipped = nullptr) {
  return load_jwks(detail::read_key_file(path), skipped, path.string());
}

/// A JWKS document {"keys": [...]} holding each key's public JWK.
inline nlohmann::json make_jwks(const std::vector<public_key>& keys) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& k : keys) arr.push_back(k.to_jwk());
  return nlohmann::json{{"keys", std::move(arr)}};
}

AJWT_NAMESPACE_END

#endif  // AJWT_JWKS_HPP
