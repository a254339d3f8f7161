// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/jwk_import.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_JWK_IMPORT_IPP
#define AJWT_IMPL_DETAIL_JWK_IMPORT_IPP

#include "../../detail/jwk_import.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <cstddef>
#include <utility>

#include "../../detail/text.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

AJWT_DECL std::string jwk_bytes(const nlohmann::json& jwk, const char* member, std::string_view source,
                                std::size_t max_len, bool required) {
  auto it = jwk.find(member);
  if (it == jwk.end()) {
    if (required) throw_key_error(source, std::string("JWK member \"") + member + "\" is missing");
    return {};
  }
  if (!it->is_string())
    throw_key_error(source, std::string("JWK member \"") + member + "\" must be a string");
  const auto& text = it->get_ref<const std::string&>();
  if (const std::size_t max_chars = max_len * 4 / 3 + 4; text.size() > max_chars)
    throw_key_error(source, std::string("JWK member \"") + member + "\" is too long (" +
                                std::to_string(text.size()) + " characters; at most " +
                                std::to_string(max_chars) + ")");
  auto out = base64url_decode(text);
  if (!out || out->empty())
    throw_key_error(source, std::string("JWK member \"") + member + "\" is not canonical unpadded base64url");
  return std::move(*out);
}

AJWT_DECL bn_ptr bytes_to_bn(std::string_view bytes) {
  bn_ptr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()),
                      nullptr));
  if (!bn) throw crypto_error("ajwt: BN_bin2bn failed");
  return bn;
}

AJWT_DECL const std::string& jwk_kty(const nlohmann::json& jwk, std::string_view source) {
  if (!jwk.is_object()) throw_key_error(source, "a JWK must be a JSON object");
  auto kty_it = jwk.find("kty");
  if (kty_it == jwk.end() || !kty_it->is_string()) throw_key_error(source, "JWK member \"kty\" is missing");
  if (auto use = jwk.find("use"); use != jwk.end() && (!use->is_string() || *use != "sig"))
    throw_key_error(source, "JWK \"use\" is not \"sig\": this key is not for signatures");
  return kty_it->get_ref<const std::string&>();
}

AJWT_DECL void require_jwk_curve(const nlohmann::json& jwk, std::string_view kty, const char* expected,
                                 std::string_view source) {
  auto crv = jwk.find("crv");
  if (crv == jwk.end() || !crv->is_string()) throw_key_error(source, "JWK member \"crv\" is missing");
  if (*crv != expected)
    throw_key_error(source, std::string(kty) + " curve " + crv->get<std::string>() +
                                " is not supported; only " + expected +
                                (kty == "EC" ? " (ES256) is" : " is"));
}

AJWT_DECL rsa_public_numbers push_rsa_public(const nlohmann::json& jwk, OSSL_PARAM_BLD* bld,
                                             std::string_view source) {
  constexpr std::size_t max_rsa_bytes = max_rsa_bits / 8;
  rsa_public_numbers out{bytes_to_bn(jwk_bytes(jwk, "n", source, max_rsa_bytes + 1)),
                         bytes_to_bn(jwk_bytes(jwk, "e", source, 16))};
  if (BN_num_bits(out.n.get()) > max_rsa_bits)
    throw_key_error(source, "RSA key of " + std::to_string(BN_num_bits(out.n.get())) +
                                " bits is too large (maximum " + std::to_string(max_rsa_bits) + ")");
  check_pushed(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, out.n.get()));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, out.e.get()));
  return out;
}

AJWT_DECL std::string p256_jwk_point(const nlohmann::json& jwk, std::string_view source) {
  const auto x = jwk_bytes(jwk, "x", source, 32);
  const auto y = jwk_bytes(jwk, "y", source, 32);
  if (x.size() > 32 || y.size() > 32)
    throw_key_error(source, "P-256 JWK \"x\" and \"y\" must be 32 bytes each");
  return "\x04" + std::string(32 - x.size(), '\0') + x + std::string(32 - y.size(), '\0') + y;
}

AJWT_DECL std::string ed25519_jwk_x(const nlohmann::json& jwk, std::string_view source) {
  auto x = jwk_bytes(jwk, "x", source, 32);
  if (x.size() != 32) throw_key_error(source, "Ed25519 JWK \"x\" must be 32 bytes");
  return x;
}

AJWT_DECL void throw_unsupported_kty(std::string_view kty, std::string_view source) {
  throw_key_error(source, "JWK key type \"" + detail::printable(kty) +
                              "\" is not supported; use RSA, EC (P-256) or OKP (Ed25519)");
}

AJWT_DECL pkey_ptr pkey_from_public_jwk(const nlohmann::json& jwk, std::string_view source) {
  const auto& kty = jwk_kty(jwk, source);
  if (kty == "RSA") {
    const param_bld_ptr bld = new_param_builder();
    const auto numbers = push_rsa_public(jwk, bld.get(), source);
    return pkey_from_builder("RSA", EVP_PKEY_PUBLIC_KEY, bld.get(), source, "OpenSSL refused the RSA key");
  }
  if (kty == "EC") {
    require_jwk_curve(jwk, kty, "P-256", source);
    const auto point = p256_jwk_point(jwk, source);
    const param_bld_ptr bld = new_param_builder();
    check_pushed(OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0));
    check_pushed(
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()));
    auto pkey = pkey_from_builder("EC", EVP_PKEY_PUBLIC_KEY, bld.get(), source, p256_off_curve);
    pkey_ctx_ptr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1)
      throw_key_error(source, "P-256 JWK point is not on the curve");
    return pkey;
  }
  if (kty == "OKP") {
    require_jwk_curve(jwk, kty, "Ed25519", source);
    const auto x = ed25519_jwk_x(jwk, source);
    EVP_PKEY* p = EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr,
                                                 reinterpret_cast<const unsigned char*>(x.data()), 32);
    if (!p) throw_key_error(source, "invalid Ed25519 public key: " + drain_openssl_errors());
    return pkey_ptr(p);
  }
  throw_unsupported_kty(kty, source);
}

AJWT_DECL std::optional<algorithm> check_jwk_metadata(const nlohmann::json& jwk, key_type type,
                                                      std::string_view source) {
  if (auto kid = jwk.find("kid"); kid != jwk.end() && !kid->is_string())
    throw_key_error(source, "JWK member \"kid\" must be a string");
  auto alg = jwk.find("alg");
  if (alg == jwk.end()) return std::nullopt;
  if (!alg->is_string()) throw_key_error(source, "JWK member \"alg\" must be a string");
  auto a = parse_algorithm(alg->get_ref<const std::string&>());
  if (!a || required_key_type(*a) != type)
    throw_key_error(source, "JWK \"alg\" " + detail::printable(alg->get<std::string>()) +
                                " is not a supported algorithm for a " + std::string(to_string(type)) +
                                " key");
  return a;
}

AJWT_DECL void apply_jwk_metadata(key_state& s, const nlohmann::json& jwk, std::string_view source) {
  s.pinned_alg = check_jwk_metadata(jwk, s.type, source);
  if (auto kid = jwk.find("kid"); kid != jwk.end()) s.jwk_kid = kid->get<std::string>();
}

AJWT_DECL nlohmann::json parse_jwk_text(std::string_view text, std::string_view source) {
  auto j = parse_json_strict(text);
  if (!j) throw_key_error(source, "invalid JWK JSON: " + j.error());
  return std::move(*j);
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_JWK_IMPORT_IPP
