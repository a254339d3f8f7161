// SPDX-License-Identifier: ISC
// JWK import (RFC 7517, RFC 7518 section 6): strict members, the private-key consistency check, and the
// "kid"/"alg" metadata, into an EVP_PKEY that then goes through the key policy. Internal: ajwt::detail.
#ifndef AJWT_DETAIL_JWK_IMPORT_HPP
#define AJWT_DETAIL_JWK_IMPORT_HPP

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

#include "../algorithm.hpp"
#include "../error.hpp"
#include "../limits.hpp"
#include "../version.hpp"
#include "base64.hpp"
#include "json.hpp"
#include "key_state.hpp"
#include "openssl.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

/// Strict base64url member of a JWK, with a size bound; throws key_error naming the member.
inline std::string jwk_bytes(const nlohmann::json& jwk, const char* member, std::string_view source,
                             std::size_t max_len, bool required = true) {
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
  std::string out;
  if (!base64url_decode(text, out) || out.empty())
    throw_key_error(source, std::string("JWK member \"") + member + "\" is not canonical unpadded base64url");
  return out;
}

inline bn_ptr bytes_to_bn(std::string_view bytes) {
  bn_ptr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()),
                      nullptr));
  if (!bn) throw crypto_error("ajwt: BN_bin2bn failed");
  return bn;
}

inline pkey_ptr pkey_from_params(const char* type, int selection, OSSL_PARAM_BLD* bld,
                                 std::string_view source) {
  params_ptr params(OSSL_PARAM_BLD_to_param(bld));
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, selection, params.get()) != 1)
    throw_key_error(source, "invalid " + std::string(type) + " key parameters: " + drain_openssl_errors());
  return pkey_ptr(pkey);
}

/// Checks that the separately given numbers of an RSA private JWK belong together, so a mismatched key
/// fails at load rather than by signing tokens nobody can verify. With the CRT members (RFC 7518 section
/// 6.3.2): n = p*q, dp = d mod (p-1), dq = d mod (q-1), e*dp = 1 mod (p-1), e*dq = 1 mod (q-1) and
/// q*qi = 1 mod p (cheap, and together they prove e*d = 1 mod lcm(p-1, q-1)); without them,
/// (2^e)^d = 2 mod n. Throws key_error naming `source`.
inline void check_rsa_private(const EVP_PKEY* pkey, std::string_view source) {
  auto secret = [&](const char* name) {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) {
      drain_openssl_errors();
      return secure_bn_ptr();
    }
    BN_set_flags(bn, BN_FLG_CONSTTIME);
    return secure_bn_ptr(bn);
  };
  const auto n = get_bn(pkey, OSSL_PKEY_PARAM_RSA_N);
  const auto e = get_bn(pkey, OSSL_PKEY_PARAM_RSA_E);
  const auto d = secret(OSSL_PKEY_PARAM_RSA_D);
  bn_ctx_ptr ctx(BN_CTX_secure_new());
  secure_bn_ptr t(BN_secure_new()), u(BN_secure_new());
  if (!n || !e || !d || !ctx || !t || !u)
    throw crypto_error("ajwt: cannot read the RSA key numbers: " + drain_openssl_errors());
  const auto p = secret(OSSL_PKEY_PARAM_RSA_FACTOR1);
  const auto q = secret(OSSL_PKEY_PARAM_RSA_FACTOR2);
  const auto dp = secret(OSSL_PKEY_PARAM_RSA_EXPONENT1);
  const auto dq = secret(OSSL_PKEY_PARAM_RSA_EXPONENT2);
  const auto qi = secret(OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
  bool ok = false;
  if (p && q && dp && dq && qi) {
    // x mod (prime - 1) == expected, and e * expected mod (prime - 1) == 1
    auto crt_exponent_ok = [&](const BIGNUM* prime, const BIGNUM* expected) {
      return BN_copy(t.get(), prime) && BN_sub_word(t.get(), 1) &&
             BN_mod(u.get(), d.get(), t.get(), ctx.get()) && BN_cmp(u.get(), expected) == 0 &&
             BN_mod_mul(u.get(), e.get(), expected, t.get(), ctx.get()) && BN_is_one(u.get());
    };
    ok = BN_mul(t.get(), p.get(), q.get(), ctx.get()) && BN_cmp(t.get(), n.get()) == 0 &&
         crt_exponent_ok(p.get(), dp.get()) && crt_exponent_ok(q.get(), dq.get()) &&
         BN_mod_mul(u.get(), q.get(), qi.get(), p.get(), ctx.get()) && BN_is_one(u.get());
  } else if (!p && !q && !dp && !dq && !qi) {
    // d is secret: BN_mod_exp takes the constant-time path for it, which needs an odd modulus.
    bn_ptr two(BN_new());
    ok = two && BN_set_word(two.get(), 2) && BN_is_odd(n.get()) &&
         BN_mod_exp(t.get(), two.get(), e.get(), n.get(), ctx.get()) &&
         BN_mod_exp(u.get(), t.get(), d.get(), n.get(), ctx.get()) && BN_cmp(u.get(), two.get()) == 0;
  }
  if (!ok) {
    drain_openssl_errors();
    throw_key_error(source, "RSA JWK private members do not belong to its \"n\" and \"e\"");
  }
}

/// Parses a JWK object into an EVP_PKEY; with `want_private` the private members are required.
/// Any private members present are used (and checked against the public ones) when want_private.
inline pkey_ptr pkey_from_jwk(const nlohmann::json& jwk, bool want_private, std::string_view source) {
  if (!jwk.is_object()) throw_key_error(source, "a JWK must be a JSON object");
  auto kty_it = jwk.find("kty");
  if (kty_it == jwk.end() || !kty_it->is_string()) throw_key_error(source, "JWK member \"kty\" is missing");
  const auto& kty = kty_it->get_ref<const std::string&>();
  if (auto use = jwk.find("use"); use != jwk.end() && (!use->is_string() || *use != "sig"))
    throw_key_error(source, "JWK \"use\" is not \"sig\": this key is not for signatures");
  const bool has_d = jwk.contains("d");
  if (want_private && !has_d)
    throw_key_error(source, "JWK has no private member \"d\"; a private key is needed");
  const bool priv = want_private && has_d;
  const int selection = priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  constexpr std::size_t max_rsa_bytes = max_rsa_bits / 8;
  if (kty == "RSA") {
    param_bld_ptr bld(OSSL_PARAM_BLD_new());
    auto n = bytes_to_bn(jwk_bytes(jwk, "n", source, max_rsa_bytes + 1));
    auto e = bytes_to_bn(jwk_bytes(jwk, "e", source, 16));
    if (BN_num_bits(n.get()) > max_rsa_bits)
      throw_key_error(source, "RSA key of " + std::to_string(BN_num_bits(n.get())) +
                                  " bits is too large (maximum " + std::to_string(max_rsa_bits) + ")");
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get());
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get());
    std::vector<secure_bn_ptr> keep;
    if (priv) {
      auto push = [&](const char* member, const char* param) {
        auto bytes = jwk_bytes(jwk, member, source, max_rsa_bytes + 1);
        secure_bn_ptr bn(BN_secure_new());
        if (!bn || !BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                              static_cast<int>(bytes.size()), bn.get()))
          throw crypto_error("ajwt: BN_bin2bn failed");
        OPENSSL_cleanse(bytes.data(), bytes.size());
        OSSL_PARAM_BLD_push_BN(bld.get(), param, bn.get());
        keep.push_back(std::move(bn));
      };
      push("d", OSSL_PKEY_PARAM_RSA_D);
      const bool crt = jwk.contains("p") || jwk.contains("q") || jwk.contains("dp") || jwk.contains("dq") ||
                       jwk.contains("qi");
      if (crt) {
        push("p", OSSL_PKEY_PARAM_RSA_FACTOR1);
        push("q", OSSL_PKEY_PARAM_RSA_FACTOR2);
        push("dp", OSSL_PKEY_PARAM_RSA_EXPONENT1);
        push("dq", OSSL_PKEY_PARAM_RSA_EXPONENT2);
        push("qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
      }
    }
    auto pkey = pkey_from_params("RSA", selection, bld.get(), source);
    if (priv) check_rsa_private(pkey.get(), source);
    return pkey;
  }
  if (kty == "EC") {
    auto crv = jwk.find("crv");
    if (crv == jwk.end() || !crv->is_string()) throw_key_error(source, "JWK member \"crv\" is missing");
    if (*crv != "P-256")
      throw_key_error(source,
                      "EC curve " + crv->get<std::string>() + " is not supported; only P-256 (ES256) is");
    // RFC 7518 asks for full-length (32-byte) coordinates, and to_jwk writes them so. PyJWT up to 2.7
    // (Debian 12 ships 2.6) writes them as minimal integers, without leading zero bytes: one key in 128 has
    // a shorter coordinate. Those are read as the same integers, left-padded; the point is still checked
    // on the curve below, and the thumbprint is computed from the full-length form.
    const auto x = jwk_bytes(jwk, "x", source, 32);
    const auto y = jwk_bytes(jwk, "y", source, 32);
    if (x.size() > 32 || y.size() > 32)
      throw_key_error(source, "P-256 JWK \"x\" and \"y\" must be 32 bytes each");
    std::string point = "\x04" + std::string(32 - x.size(), '\0') + x + std::string(32 - y.size(), '\0') + y;
    param_bld_ptr bld(OSSL_PARAM_BLD_new());
    OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
    secure_bn_ptr d;
    if (priv) {
      auto bytes = jwk_bytes(jwk, "d", source, 32);  // as short as PyJWT writes it, like x and y
      if (bytes.size() > 32) throw_key_error(source, "P-256 JWK \"d\" must be 32 bytes");
      d.reset(BN_secure_new());
      if (!d || !BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                           static_cast<int>(bytes.size()), d.get()))
        throw crypto_error("ajwt: BN_bin2bn failed");
      OPENSSL_cleanse(bytes.data(), bytes.size());
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get());
    }
    // With 32-byte coordinates the only way EVP_PKEY_fromdata can refuse the public point is that it is
    // not on P-256 (or a coordinate is not below p); say so rather than quote OpenSSL.
    pkey_ptr pkey;
    {
      params_ptr params(OSSL_PARAM_BLD_to_param(bld.get()));
      pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
      EVP_PKEY* p = nullptr;
      if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
          EVP_PKEY_fromdata(ctx.get(), &p, selection, params.get()) != 1)
        throw_key_error(source,
                        "P-256 JWK point (\"x\", \"y\") is not on the curve: " + drain_openssl_errors());
      pkey.reset(p);
    }
    if (priv) {
      pkey_ctx_ptr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
      if (!check || EVP_PKEY_pairwise_check(check.get()) != 1)
        throw_key_error(source, "P-256 JWK private key \"d\" does not match \"x\"/\"y\"");
    } else {
      pkey_ctx_ptr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
      if (!check || EVP_PKEY_public_check(check.get()) != 1)
        throw_key_error(source, "P-256 JWK point is not on the curve");
    }
    return pkey;
  }
  if (kty == "OKP") {
    auto crv = jwk.find("crv");
    if (crv == jwk.end() || !crv->is_string()) throw_key_error(source, "JWK member \"crv\" is missing");
    if (*crv != "Ed25519")
      throw_key_error(source, "OKP curve " + crv->get<std::string>() + " is not supported; only Ed25519 is");
    const auto x = jwk_bytes(jwk, "x", source, 32);
    if (x.size() != 32) throw_key_error(source, "Ed25519 JWK \"x\" must be 32 bytes");
    if (!priv) {
      EVP_PKEY* p = EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr,
                                                   reinterpret_cast<const unsigned char*>(x.data()), 32);
      if (!p) throw_key_error(source, "invalid Ed25519 public key: " + drain_openssl_errors());
      return pkey_ptr(p);
    }
    auto d = jwk_bytes(jwk, "d", source, 32);
    if (d.size() != 32) throw_key_error(source, "Ed25519 JWK \"d\" must be 32 bytes");
    EVP_PKEY* p = EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr,
                                                  reinterpret_cast<const unsigned char*>(d.data()), 32);
    OPENSSL_cleanse(d.data(), d.size());
    if (!p) throw_key_error(source, "invalid Ed25519 private key: " + drain_openssl_errors());
    pkey_ptr pkey(p);
    unsigned char pub[32];
    std::size_t len = sizeof pub;
    if (EVP_PKEY_get_raw_public_key(pkey.get(), pub, &len) != 1 || len != 32 ||
        std::memcmp(pub, x.data(), 32) != 0)
      throw_key_error(source, "Ed25519 JWK private key \"d\" does not match \"x\"");
    return pkey;
  }
  throw_key_error(source, "JWK key type \"" + detail::printable(kty) +
                              "\" is not supported; use RSA, EC (P-256) or OKP (Ed25519)");
}

/// Checks the JWK's "kid" (a string) and "alg" (an algorithm ajwt supports for a key of `type`) members;
/// returns the algorithm named by "alg", if any. Throws key_error naming `source` otherwise.
inline std::optional<algorithm> check_jwk_metadata(const nlohmann::json& jwk, key_type type,
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

/// Applies the JWK's "kid" and "alg" members to a key state (after validation of the key itself).
inline void apply_jwk_metadata(key_state& s, const nlohmann::json& jwk, std::string_view source) {
  s.pinned_alg = check_jwk_metadata(jwk, s.type, source);
  if (auto kid = jwk.find("kid"); kid != jwk.end()) s.jwk_kid = kid->get<std::string>();
}

inline nlohmann::json parse_jwk_text(std::string_view text, std::string_view source) {
  nlohmann::json j;
  std::string err;
  if (!parse_json_strict(text, j, err)) throw_key_error(source, "invalid JWK JSON: " + err);
  return j;
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_DETAIL_JWK_IMPORT_HPP
