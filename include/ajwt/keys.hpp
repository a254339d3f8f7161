// SPDX-License-Identifier: ISC
#ifndef AJWT_KEYS_HPP
#define AJWT_KEYS_HPP

#include <openssl/decoder.h>
#include <openssl/pem.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "algorithm.hpp"
#include "detail/base64.hpp"
#include "detail/ed25519.hpp"
#include "detail/json.hpp"
#include "detail/openssh.hpp"
#include "detail/openssl.hpp"
#include "detail/sodium.hpp"
#include "detail/text.hpp"
#include "error.hpp"
#include "limits.hpp"
#include "version.hpp"

AJWT_NAMESPACE_BEGIN

class private_key;

namespace detail {

/// A process-unique id for each loaded key, so per-thread caches of prepared OpenSSL contexts can
/// never confuse a new key with a freed one that lived at the same address.
inline std::uint64_t next_key_id() noexcept {
  static std::atomic<std::uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

/// Everything a key needs on the hot path, computed once at load and never modified afterwards.
struct key_state {
  std::uint64_t id = next_key_id();
  pkey_ptr pkey;
  key_type type = key_type::rsa;
  int bits = 0;
  std::string spki_pem;    ///< "-----BEGIN PUBLIC KEY-----" form, 64-character lines, final newline
  std::string kid;         ///< lowercase hex SHA-256 of spki_pem (the Python library's fingerprint)
  std::string thumbprint;  ///< RFC 7638 JWK thumbprint, base64url SHA-256
  std::string jwk_kid;     ///< the "kid" the key was published with in a JWK, if any
  std::optional<algorithm> pinned_alg;  ///< the JWK's "alg", if any: then only that algorithm is allowed
  std::array<unsigned char, 32> ed25519_raw{};  ///< Ed25519: the raw public key (RFC 8032), for libsodium
};

/// An Ed25519 secret key in libsodium's form (32-byte seed || 32-byte public key), extracted once when
/// a private key is loaded; wiped when the last copy of the key goes.
struct ed25519_secret {
  unsigned char bytes[64] = {};
  ed25519_secret() = default;
  ed25519_secret(const ed25519_secret&) = delete;
  ed25519_secret& operator=(const ed25519_secret&) = delete;
  ~ed25519_secret() { OPENSSL_cleanse(bytes, sizeof bytes); }
};

struct key_access;

[[noreturn]] inline void throw_key_error(std::string_view source, const std::string& what) {
  throw key_error(std::string(source.empty() ? std::string_view("ajwt") : source) + ": " + what);
}

/// Refuses text holding more than one PEM block: loading the first and ignoring the rest would drop
/// keys silently. Sets of keys go in an authorized-keys file or a JWKS document.
inline void require_one_pem_block(std::string_view text, std::string_view source) {
  std::size_t blocks = 0;
  for (auto at = text.find("-----BEGIN "); at != std::string_view::npos;
       at = text.find("-----BEGIN ", at + 1))
    ++blocks;
  if (blocks > 1)
    throw_key_error(source, "holds " + std::to_string(blocks) +
                                " PEM blocks; a key file holds one key (put several keys in an "
                                "authorized-keys file or a JWKS document)");
}

/// Whether `a` and `b`, the same key material, allow different algorithms: the narrower of the two,
/// or nullopt when neither allows what the other does (pinned to different algorithms).
inline std::optional<bool> first_is_narrower(const std::optional<algorithm>& a,
                                             const std::optional<algorithm>& b) {
  if (a == b || (a && !b)) return true;
  if (!a && b) return false;
  return std::nullopt;
}

inline bn_ptr get_bn(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) {
    drain_openssl_errors();
    return nullptr;
  }
  return bn_ptr(bn);
}

/// Checks that `pkey` is one of the supported kinds and sizes; returns its type and bits.
/// Throws key_error naming `source` otherwise.
inline key_type classify_key(EVP_PKEY* pkey, std::string_view source, int& bits) {
  bits = EVP_PKEY_get_bits(pkey);
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    if (bits < min_rsa_bits)
      throw_key_error(source, "RSA key of " + std::to_string(bits) + " bits is too small (minimum " +
                                  std::to_string(min_rsa_bits) + ")");
    if (bits > max_rsa_bits)
      throw_key_error(source, "RSA key of " + std::to_string(bits) + " bits is too large (maximum " +
                                  std::to_string(max_rsa_bits) + ")");
    // An even modulus is no RSA key (n = p * q with odd primes): refuse what OpenSSL would load.
    if (auto n = get_bn(pkey, OSSL_PKEY_PARAM_RSA_N); !n || !BN_is_odd(n.get()))
      throw_key_error(source, "RSA modulus is even; this is not a valid RSA public key");
    auto e = get_bn(pkey, OSSL_PKEY_PARAM_RSA_E);
    // e must be odd and 3 <= e < 2^32: every real key uses 65537 (or 3); a huge exponent only makes
    // verification slow, which is what an attacker offering a key through JWKS would want.
    if (!e || !BN_is_odd(e.get()) || BN_num_bits(e.get()) > max_rsa_exponent_bits ||
        BN_cmp(e.get(), BN_value_one()) <= 0)
      throw_key_error(source, "RSA public exponent must be odd, at least 3 and below 2^" +
                                  std::to_string(max_rsa_exponent_bits));
    return key_type::rsa;
  }
  if (EVP_PKEY_is_a(pkey, "ED25519")) {
    // OpenSSL accepts any 32 bytes here (EVP_PKEY_public_check too): refuse the keys under which a
    // degenerate signature verifies for every message, and the second encodings of a key.
    unsigned char raw[32];
    std::size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1 || len != 32) {
      drain_openssl_errors();
      throw_key_error(source, "cannot read the Ed25519 public key");
    }
    if (ed25519_is_small_order(raw))
      throw_key_error(source, "Ed25519 public key is a small-order point; it cannot authenticate anyone");
    if (ed25519_is_noncanonical(raw))
      throw_key_error(source, "Ed25519 public key is not canonically encoded (y >= 2^255 - 19)");
    return key_type::ed25519;
  }
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {0};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
      drain_openssl_errors();
      throw_key_error(source,
                      "EC key with explicit curve parameters is not supported; use a named P-256 key");
    }
    const std::string_view g(group, len);
    if (g != "prime256v1" && g != "P-256")
      throw_key_error(source, "EC curve " + std::string(g) + " is not supported; only P-256 (ES256) is");
    // On the curve, not the point at infinity, coordinates below p (SP 800-56A partial validation;
    // P-256 has cofactor 1, so that is full validation).
    pkey_ctx_ptr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) {
      drain_openssl_errors();
      throw_key_error(source,
                      "P-256 public key is not a valid point on the curve (or is the point at infinity)");
    }
    // Keep the SPKI encoding canonical (uncompressed point) so kid matches other implementations.
    EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                   OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED);
    drain_openssl_errors();
    return key_type::ec_p256;
  }
  const char* name = EVP_PKEY_get0_type_name(pkey);
  throw_key_error(source, std::string("key type ") + (name ? name : "unknown") +
                              " is not supported; use RSA (2048 bits or more), Ed25519 or EC P-256");
}

/// The SPKI PEM text of a key, exactly as OpenSSL and Python's cryptography write it.
inline std::string spki_pem_of(EVP_PKEY* pkey) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey) != 1)
    throw crypto_error("ajwt: cannot encode public key: " + drain_openssl_errors());
  return bio_contents(bio.get());
}

inline std::string bn_b64(const BIGNUM* bn, int width = 0) {
  return base64url_encode(bn_to_bytes(bn, width));
}

/// The public members of the key's JWK, in the order RFC 7638 sorts them.
inline nlohmann::json public_jwk_members(EVP_PKEY* pkey, key_type type) {
  nlohmann::json j = nlohmann::json::object();
  switch (type) {
    case key_type::rsa: {
      auto n = get_bn(pkey, OSSL_PKEY_PARAM_RSA_N);
      auto e = get_bn(pkey, OSSL_PKEY_PARAM_RSA_E);
      if (!n || !e) throw crypto_error("ajwt: cannot read RSA public numbers");
      j["e"] = bn_b64(e.get());
      j["kty"] = "RSA";
      j["n"] = bn_b64(n.get());
      break;
    }
    case key_type::ec_p256: {
      auto x = get_bn(pkey, OSSL_PKEY_PARAM_EC_PUB_X);
      auto y = get_bn(pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
      if (!x || !y) throw crypto_error("ajwt: cannot read EC public point");
      j["crv"] = "P-256";
      j["kty"] = "EC";
      j["x"] = bn_b64(x.get(), 32);
      j["y"] = bn_b64(y.get(), 32);
      break;
    }
    case key_type::ed25519: {
      unsigned char raw[32];
      std::size_t len = sizeof raw;
      if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1 || len != 32)
        throw crypto_error("ajwt: cannot read Ed25519 public key");
      j["crv"] = "Ed25519";
      j["kty"] = "OKP";
      j["x"] = base64url_encode(std::string_view(reinterpret_cast<const char*>(raw), len));
      break;
    }
  }
  return j;
}

/// Builds the immutable state of a public key from a validated EVP_PKEY (taking a reference).
inline std::shared_ptr<key_state> make_key_state(pkey_ptr pkey, std::string_view source) {
  auto s = std::make_shared<key_state>();
  s->type = classify_key(pkey.get(), source, s->bits);
  s->pkey = std::move(pkey);
  if (s->type == key_type::ed25519) {
    std::size_t len = s->ed25519_raw.size();
    if (EVP_PKEY_get_raw_public_key(s->pkey.get(), s->ed25519_raw.data(), &len) != 1 || len != 32)
      throw crypto_error("ajwt: cannot read Ed25519 public key: " + drain_openssl_errors());
#if defined(AJWT_WITH_SODIUM)
    (void)sodium::available();  // initialise libsodium at load time, not on the first token
#endif
  }
  s->spki_pem = spki_pem_of(s->pkey.get());
  s->kid = hex_lower(sha256_bytes(s->spki_pem));
  // RFC 7638 section 3: the required members, lexicographic order, no whitespace. nlohmann's object
  // is an ordered std::map, so dump() produces exactly that form.
  s->thumbprint = base64url_encode(sha256_bytes(public_jwk_members(s->pkey.get(), s->type).dump()));
  return s;
}

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

inline std::string read_key_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw key_error(path.string() + ": is a directory, not a key file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw key_error(path.string() + ": cannot open file: " + std::strerror(errno));
  std::string data;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<std::size_t>(in.gcount()));
    if (data.size() > max_key_text_bytes)
      throw key_error(path.string() + ": file is larger than " + std::to_string(max_key_text_bytes) +
                      " bytes");
  }
  if (in.bad()) throw key_error(path.string() + ": read error");
  return data;
}

inline bool contains(std::string_view hay, std::string_view needle) noexcept {
  return hay.find(needle) != std::string_view::npos;
}

inline pkey_ptr decode_public_pem(std::string_view text, std::string_view source) {
  EVP_PKEY* pkey = nullptr;
  std::unique_ptr<OSSL_DECODER_CTX, ossl_deleter<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>> dctx(
      OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", nullptr, nullptr, EVP_PKEY_PUBLIC_KEY, nullptr, nullptr));
  if (!dctx) throw crypto_error("ajwt: OSSL_DECODER_CTX_new_for_pkey failed: " + drain_openssl_errors());
  auto bio = memory_bio(text);
  if (OSSL_DECODER_from_bio(dctx.get(), bio.get()) != 1 || !pkey)
    throw_key_error(source, "cannot decode PEM public key: " + drain_openssl_errors());
  drain_openssl_errors();
  return pkey_ptr(pkey);
}

struct passphrase_state {
  const std::optional<std::string_view>* pass;
  bool asked = false;
  bool too_long = false;
};

/// PEM password callback: hands over the passphrase, never prompts on a terminal.
inline int passphrase_callback(char* buf, int size, int /*rwflag*/, void* u) {
  auto* st = static_cast<passphrase_state*>(u);
  st->asked = true;
  if (!st->pass->has_value()) return -1;
  const auto& p = **st->pass;
  if (p.size() > static_cast<std::size_t>(size)) {
    st->too_long = true;
    return -1;
  }
  if (!p.empty()) std::memcpy(buf, p.data(), p.size());  // an empty string_view may hold a null data()
  return static_cast<int>(p.size());
}

inline pkey_ptr decode_private_pem(std::string_view text, const std::optional<std::string_view>& pass,
                                   std::string_view source) {
  auto bio = memory_bio(text);
  passphrase_state st{&pass};
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, passphrase_callback, &st);
  const std::string err = drain_openssl_errors();
  if (pkey) return pkey_ptr(pkey);
  if (st.too_long) throw_key_error(source, "passphrase is too long");
  if (st.asked && !pass) throw_key_error(source, "the private key is encrypted; a passphrase is needed");
  if (st.asked)
    throw_key_error(source, "wrong passphrase for the encrypted private key (or the key is corrupt)");
  throw_key_error(source, "cannot decode PEM private key: " + err);
}

}  // namespace detail

/// A public key: RSA (2048 to 8192 bits), Ed25519 or EC P-256. Immutable once loaded, cheap to copy
/// (a shared pointer), safe to use from many threads at once. The key id and thumbprint are
/// computed at load, never per request.
class public_key {
 public:
  /// Loads a public key from text, detecting the format: SPKI PEM ("PUBLIC KEY"), PKCS#1 PEM
  /// ("RSA PUBLIC KEY"), an OpenSSH line ("ssh-ed25519 AAAA... comment"), or a JWK object (its
  /// private members, if any, are ignored). Throws key_error naming what is wrong.
  static public_key load(std::string_view text) { return load_named(text, "public key"); }

  /// Loads a public key file in any of the formats of load(); errors name the file.
  static public_key load_file(const std::filesystem::path& path) {
    const std::string text = detail::read_key_file(path);
    return load_named(text, path.string());
  }

  /// Makes a public key from a parsed JWK object; its "kid" and "alg" members are kept ("alg" then
  /// restricts the key to that algorithm). `source` names the JWK in error messages.
  static public_key from_jwk(const nlohmann::json& jwk, std::string_view source = "JWK") {
    auto pkey = detail::pkey_from_jwk(jwk, false, source);
    auto s = detail::make_key_state(std::move(pkey), source);
    detail::apply_jwk_metadata(*s, jwk, source);
    return public_key(std::move(s));
  }

  /// Wraps an existing OpenSSL key (the public part is used; a reference is taken). Escape hatch.
  static public_key from_native(EVP_PKEY* pkey) {
    if (!pkey) throw key_error("ajwt: null EVP_PKEY");
    // Copy only the public part, so a public_key never carries private material.
    unsigned char* der = nullptr;
    const int len = i2d_PUBKEY(pkey, &der);
    if (len <= 0)
      throw key_error("ajwt: cannot encode the public part of the key: " + detail::drain_openssl_errors());
    const unsigned char* p = der;
    EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, len);
    OPENSSL_free(der);
    if (!pub)
      throw key_error("ajwt: cannot decode the public part of the key: " + detail::drain_openssl_errors());
    return public_key(detail::make_key_state(detail::pkey_ptr(pub), "key"));
  }

  /// RSA, Ed25519 or EC P-256.
  [[nodiscard]] key_type type() const noexcept { return s_->type; }
  /// Key size in bits as OpenSSL reports it: the modulus for RSA, 256 for P-256 and for Ed25519.
  [[nodiscard]] int bits() const noexcept { return s_->bits; }
  /// The key id the Python library sends: lowercase hex SHA-256 of the SPKI PEM text.
  [[nodiscard]] const std::string& kid() const noexcept { return s_->kid; }
  /// The RFC 7638 JWK thumbprint (SHA-256, base64url).
  [[nodiscard]] const std::string& thumbprint() const noexcept { return s_->thumbprint; }
  /// The "kid" this key was published with in a JWK (empty when none).
  [[nodiscard]] const std::string& jwk_kid() const noexcept { return s_->jwk_kid; }
  /// The algorithm the key's JWK pinned it to with "alg" (nullopt when none: every algorithm of its type).
  [[nodiscard]] const std::optional<algorithm>& pinned_algorithm() const noexcept { return s_->pinned_alg; }
  /// True when `kid` names this key: its fingerprint, its thumbprint or its published JWK kid.
  [[nodiscard]] bool matches_kid(std::string_view kid) const noexcept {
    return !kid.empty() && (kid == s_->kid || kid == s_->thumbprint || kid == s_->jwk_kid);
  }
  /// The algorithm tokens are signed with by default for this key type (or the JWK's pinned "alg").
  [[nodiscard]] algorithm default_algorithm() const noexcept {
    return s_->pinned_alg ? *s_->pinned_alg : ajwt::default_algorithm(s_->type);
  }
  /// True when this key may verify `a`: the key type fits and, for a JWK with "alg", it is that one.
  [[nodiscard]] bool allows(algorithm a) const noexcept {
    return required_key_type(a) == s_->type &&
           (!s_->pinned_alg || *s_->pinned_alg == a || (s_->type == key_type::ed25519));
  }
  /// The SPKI PEM text (64-character lines, final newline); kid() hashes exactly these bytes.
  [[nodiscard]] const std::string& to_pem() const noexcept { return s_->spki_pem; }
  /// The OpenSSH public key line "TYPE BASE64[ COMMENT]", without a newline.
  [[nodiscard]] std::string to_openssh(std::string_view comment = {}) const {
    return detail::openssh::write_public_line(s_->pkey.get(), comment);
  }
  /// The public JWK: kty, use "sig", alg, kid (the fingerprint, as the Python library publishes it)
  /// and the key's members.
  [[nodiscard]] nlohmann::json to_jwk() const {
    auto j = detail::public_jwk_members(s_->pkey.get(), s_->type);
    j["use"] = "sig";
    j["alg"] = std::string(to_string(default_algorithm()));
    j["kid"] = s_->kid;
    return j;
  }
  /// The underlying OpenSSL key, for advanced use. Do not modify it.
  [[nodiscard]] EVP_PKEY* native_handle() const noexcept { return s_->pkey.get(); }
  /// A process-unique id of this loaded key (copies share it); keys prepared contexts in caches.
  [[nodiscard]] std::uint64_t id() const noexcept { return s_->id; }

  /// Two keys are equal when they hold the same public key material.
  friend bool operator==(const public_key& a, const public_key& b) noexcept {
    return a.s_ == b.s_ || a.s_->spki_pem == b.s_->spki_pem;
  }
  /// Keys differ when their SPKI PEM texts differ.
  friend bool operator!=(const public_key& a, const public_key& b) noexcept { return !(a == b); }

 private:
  friend class private_key;
  friend struct detail::key_access;
  explicit public_key(std::shared_ptr<const detail::key_state> s) : s_(std::move(s)) {}

  static public_key load_named(std::string_view text, std::string_view source) {
    if (text.size() > max_key_text_bytes) detail::throw_key_error(source, "key text is too large");
    const auto t = detail::trim(text);
    if (t.empty()) detail::throw_key_error(source, "empty key");
    detail::require_one_pem_block(t, source);
    if (t.front() == '{') {
      auto j = detail::parse_jwk_text(t, source);
      if (j.is_object() && j.contains("keys"))
        detail::throw_key_error(source, "this is a JWKS document (a set of keys); load it with load_jwks");
      return from_jwk(j, source);
    }
    if (detail::openssh::is_public_line(t)) {
      detail::pkey_ptr pkey;
      try {
        pkey = detail::openssh::parse_public_line(t);
      } catch (const key_error& e) {
        detail::throw_key_error(source, e.what());
      }
      return public_key(detail::make_key_state(std::move(pkey), source));
    }
    if (detail::contains(t, "PRIVATE KEY-----"))
      detail::throw_key_error(source, "this is a private key; a public key is expected here");
    if (detail::contains(t, "-----BEGIN PUBLIC KEY-----") ||
        detail::contains(t, "-----BEGIN RSA PUBLIC KEY-----"))
      return public_key(detail::make_key_state(detail::decode_public_pem(t, source), source));
    detail::throw_key_error(
        source, "unrecognised public key format (expected PEM, an OpenSSH public key line or a JWK)");
  }

  std::shared_ptr<const detail::key_state> s_;
};

/// A private key: RSA (2048 to 8192 bits), Ed25519 or EC P-256, with its public part precomputed.
/// Immutable, cheap to copy, safe to share across threads: every member is const, and signing with one
/// key on many threads at once is safe.
class private_key {
 public:
  /// Loads a private key from text, detecting the format: PKCS#8 PEM (optionally encrypted),
  /// PKCS#1 ("RSA PRIVATE KEY"), SEC1 ("EC PRIVATE KEY"), an OpenSSH private key, or a JWK with
  /// private members. An encrypted key needs `passphrase`; a missing or wrong one is a key_error.
  /// Never prompts on a terminal.
  static private_key load(std::string_view text,
                          const std::optional<std::string_view>& passphrase = std::nullopt) {
    return load_named(text, passphrase, "private key");
  }

  /// Loads a private key file in any format of load(); errors name the file.
  static private_key load_file(const std::filesystem::path& path,
                               const std::optional<std::string_view>& passphrase = std::nullopt) {
    std::string text = detail::read_key_file(path);
    auto k = load_named(text, passphrase, path.string());
    OPENSSL_cleanse(text.data(), text.size());
    return k;
  }

  /// Makes a private key from a JWK object with private members. Its "alg", when present, must be one
  /// this key type can sign with, and its "kid" a string (neither is kept).
  static private_key from_jwk(const nlohmann::json& jwk, std::string_view source = "JWK") {
    auto pkey = detail::pkey_from_jwk(jwk, true, source);
    auto key = from_pkey(std::move(pkey), source);
    // The public half carries the JWK's kid and "alg" pin, and signing follows the pin.
    key.pub_ = public_key::from_jwk(jwk, source);
    return key;
  }

  /// Generates a new key from the OS CSPRNG. `rsa_bits` (2048, 3072 or 4096) applies to RSA only.
  static private_key generate(key_type type, int rsa_bits = 2048) {
    EVP_PKEY* p = nullptr;
    switch (type) {
      case key_type::rsa:
        if (rsa_bits != 2048 && rsa_bits != 3072 && rsa_bits != 4096)
          throw config_error("ajwt: RSA key size must be 2048, 3072 or 4096 bits, not " +
                             std::to_string(rsa_bits));
        p = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(rsa_bits));
        break;
      case key_type::ed25519: p = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
      case key_type::ec_p256: p = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    }
    if (!p) throw crypto_error("ajwt: key generation failed: " + detail::drain_openssl_errors());
    return from_pkey(detail::pkey_ptr(p), "generated key");
  }

  /// Wraps an existing OpenSSL private key (a reference is taken). Escape hatch.
  static private_key from_native(EVP_PKEY* pkey) {
    if (!pkey) throw key_error("ajwt: null EVP_PKEY");
    EVP_PKEY_up_ref(pkey);
    return from_pkey(detail::pkey_ptr(pkey), "key");
  }

  /// The public half (its kid, thumbprint, PEM, JWK, OpenSSH line).
  [[nodiscard]] const public_key& public_part() const noexcept { return pub_; }
  /// RSA, Ed25519 or EC P-256.
  [[nodiscard]] key_type type() const noexcept { return pub_.type(); }
  /// Key size in bits (see public_key::bits).
  [[nodiscard]] int bits() const noexcept { return pub_.bits(); }
  /// The key id of the public half: lowercase hex SHA-256 of its SPKI PEM text (the Python library's).
  [[nodiscard]] const std::string& kid() const noexcept { return pub_.kid(); }
  /// The algorithm tokens are signed with by default (the JWK's "alg" when the key came from one).
  [[nodiscard]] algorithm default_algorithm() const noexcept { return pub_.default_algorithm(); }
  /// True when this key can sign with `a` (the key type fits).
  [[nodiscard]] bool allows(algorithm a) const noexcept { return required_key_type(a) == pub_.type(); }

  /// PKCS#8 PEM; encrypted (PBES2, AES-256-CBC, PBKDF2-HMAC-SHA256) when a passphrase is given.
  [[nodiscard]] std::string to_pem(const std::optional<std::string_view>& passphrase = std::nullopt) const {
    detail::bio_ptr bio(BIO_new(BIO_s_mem()));
    int ok = 0;
    if (passphrase) {
      if (passphrase->empty()) throw config_error("ajwt: an empty passphrase would not protect the key");
      std::string pw(*passphrase);
      ok = bio ? PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), EVP_aes_256_cbc(), pw.data(),
                                               static_cast<int>(pw.size()), nullptr, nullptr)
               : 0;
      OPENSSL_cleanse(pw.data(), pw.size());
    } else {
      ok = bio ? PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr)
               : 0;
    }
    if (ok != 1) throw crypto_error("ajwt: cannot encode private key: " + detail::drain_openssl_errors());
    return detail::bio_contents(bio.get());
  }

  /// The private JWK (public members plus "d", and for RSA the CRT members). Handle with care.
  [[nodiscard]] nlohmann::json to_jwk() const {
    auto j = pub_.to_jwk();
    EVP_PKEY* k = pkey_.get();
    switch (type()) {
      case key_type::rsa: {
        const std::pair<const char*, const char*> members[] = {
            {"d", OSSL_PKEY_PARAM_RSA_D},          {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
            {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},    {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
            {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2}, {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1}};
        for (const auto& [name, param] : members) {
          BIGNUM* bn = nullptr;
          if (EVP_PKEY_get_bn_param(k, param, &bn) != 1) {
            detail::drain_openssl_errors();
            if (std::string_view(name) == "d") throw crypto_error("ajwt: cannot read RSA private exponent");
            continue;
          }
          detail::secure_bn_ptr guard(bn);
          j[name] = detail::bn_b64(bn);
        }
        break;
      }
      case key_type::ec_p256: {
        BIGNUM* bn = nullptr;
        if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &bn) != 1)
          throw crypto_error("ajwt: cannot read EC private key");
        detail::secure_bn_ptr guard(bn);
        j["d"] = detail::bn_b64(bn, 32);
        break;
      }
      case key_type::ed25519: {
        unsigned char raw[32];
        std::size_t len = sizeof raw;
        if (EVP_PKEY_get_raw_private_key(k, raw, &len) != 1 || len != 32)
          throw crypto_error("ajwt: cannot read Ed25519 private key");
        j["d"] = detail::base64url_encode(std::string_view(reinterpret_cast<const char*>(raw), len));
        OPENSSL_cleanse(raw, sizeof raw);
        break;
      }
    }
    return j;
  }

  /// The underlying OpenSSL key, for advanced use. Do not modify it.
  [[nodiscard]] EVP_PKEY* native_handle() const noexcept { return pkey_.get(); }
  /// A process-unique id of this loaded key (copies share it); keys prepared contexts in caches.
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }

 private:
  friend struct detail::key_access;
  private_key(std::shared_ptr<EVP_PKEY> pkey, public_key pub,
              std::shared_ptr<const detail::ed25519_secret> ed25519_sk)
      : pkey_(std::move(pkey)), pub_(std::move(pub)), ed25519_sk_(std::move(ed25519_sk)) {}

  static private_key from_pkey(detail::pkey_ptr pkey, std::string_view source) {
    int bits = 0;
    const key_type type = detail::classify_key(pkey.get(), source, bits);
    // The public part is re-encoded from the private key, so it can never disagree with it.
    auto pub = public_key::from_native(pkey.get());
    std::shared_ptr<const detail::ed25519_secret> sk;
#if defined(AJWT_WITH_SODIUM)
    // libsodium signs with seed || public key: extracted here, once, never per token.
    if (type == key_type::ed25519) sk = ed25519_secret_of(pkey.get(), pub);
#else
    (void)type;
#endif
    return {std::shared_ptr<EVP_PKEY>(pkey.release(), EVP_PKEY_free), std::move(pub), std::move(sk)};
  }

  static std::shared_ptr<const detail::ed25519_secret> ed25519_secret_of(EVP_PKEY* pkey,
                                                                         const public_key& pub) {
    auto sk = std::make_shared<detail::ed25519_secret>();
    std::size_t len = 32;
    if (EVP_PKEY_get_raw_private_key(pkey, sk->bytes, &len) != 1 || len != 32)
      throw crypto_error("ajwt: cannot read Ed25519 private key: " + detail::drain_openssl_errors());
    std::memcpy(sk->bytes + 32, pub.s_->ed25519_raw.data(), 32);
    return sk;
  }

  static private_key load_named(std::string_view text, const std::optional<std::string_view>& passphrase,
                                std::string_view source) {
    if (text.size() > max_key_text_bytes) detail::throw_key_error(source, "key text is too large");
    const auto t = detail::trim(text);
    if (t.empty()) detail::throw_key_error(source, "empty key");
    if (t.front() == '{') {
      auto j = detail::parse_jwk_text(t, source);
      return from_jwk(j, source);
    }
    if (detail::openssh::is_private_key(t)) {
      try {
        return from_pkey(detail::openssh::parse_private_key(t, passphrase), source);
      } catch (const key_error& e) {
        if (std::string_view(e.what()).rfind(std::string(source), 0) == 0) throw;
        detail::throw_key_error(source, e.what());
      }
    }
    if (detail::contains(t, "PRIVATE KEY-----"))
      return from_pkey(detail::decode_private_pem(t, passphrase, source), source);
    if (detail::contains(t, "PUBLIC KEY-----") || detail::openssh::is_public_line(t))
      detail::throw_key_error(source, "this is a public key; a private key is needed here");
    detail::throw_key_error(source, "unrecognised private key format (expected PEM, OpenSSH or a JWK)");
  }

  std::shared_ptr<EVP_PKEY> pkey_;
  public_key pub_;
  std::shared_ptr<const detail::ed25519_secret> ed25519_sk_;  ///< Ed25519 with libsodium only
  std::uint64_t id_ = detail::next_key_id();
};

namespace detail {

/// What the signature code reads from a loaded key beyond the public API (jws.hpp).
struct key_access {
  /// The raw 32-byte Ed25519 public key (all zeros for other key types).
  static const unsigned char* ed25519_public(const public_key& k) noexcept {
    return k.s_->ed25519_raw.data();
  }
  /// libsodium's 64-byte Ed25519 secret key, or nullptr when it was not extracted (no libsodium).
  static const unsigned char* ed25519_secret_key(const private_key& k) noexcept {
    return k.ed25519_sk_ ? k.ed25519_sk_->bytes : nullptr;
  }
};

}  // namespace detail

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

#endif  // AJWT_KEYS_HPP
