// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/jwks.hpp> declares: included at the end of that header (header-only,
// the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_JWKS_IPP
#define AJWT_IMPL_JWKS_IPP

#include "../jwks.hpp"

#include <cstddef>
#include <utility>

#include "../detail/key_state.hpp"
#include "../detail/text.hpp"

AJWT_NAMESPACE_BEGIN

AJWT_DECL std::vector<public_key> load_jwks(std::string_view text, std::vector<std::string>* skipped,
                                            std::string_view source) {
  if (text.size() > max_key_text_bytes) detail::throw_key_error(source, "JWKS document is too large");
  const auto parsed = detail::parse_json_strict(text);
  if (!parsed) detail::throw_key_error(source, "invalid JSON: " + parsed.error());
  const nlohmann::json& doc = *parsed;
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

AJWT_DECL std::vector<public_key> load_jwks_file(const std::filesystem::path& path,
                                                 std::vector<std::string>* skipped) {
  return load_jwks(detail::read_key_file(path), skipped, path.string());
}

AJWT_DECL nlohmann::json make_jwks(const std::vector<public_key>& keys) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& k : keys) arr.push_back(k.to_jwk());
  return nlohmann::json{{"keys", std::move(arr)}};
}

AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_JWKS_IPP
