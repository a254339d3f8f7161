// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/key_state.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_KEY_STATE_IPP
#define AJWT_IMPL_DETAIL_KEY_STATE_IPP

#include "../../detail/key_state.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <cstddef>
#include <utility>

AJWT_NAMESPACE_BEGIN
namespace detail {

AJWT_DECL std::uint64_t next_key_id() noexcept {
  static std::atomic<std::uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

AJWT_DECL void throw_key_error(std::string_view source, const std::string& what) {
  throw key_error(std::string(source.empty() ? std::string_view("key") : source), what);
}

AJWT_DECL void require_one_pem_block(std::string_view text, std::string_view source) {
  std::size_t blocks = 0;
  for (auto at = text.find("-----BEGIN "); at != std::string_view::npos;
       at = text.find("-----BEGIN ", at + 1))
    ++blocks;
  if (blocks > 1)
    throw_key_error(source, "holds " + std::to_string(blocks) +
                                " PEM blocks; a key file holds one key (put several keys in an "
                                "authorized-keys file or a JWKS document)");
}

AJWT_DECL std::optional<bool> first_is_narrower(const std::optional<algorithm>& a,
                                                const std::optional<algorithm>& b) {
  if (a == b || (a && !b)) return true;
  if (!a && b) return false;
  return std::nullopt;
}

AJWT_DECL bn_ptr get_bn(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) {
    drain_openssl_errors();
    return nullptr;
  }
  return bn_ptr(bn);
}

AJWT_DECL key_type classify_key(EVP_PKEY* pkey, std::string_view source, int& bits) {
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

AJWT_DECL std::string spki_pem_of(EVP_PKEY* pkey) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey) != 1)
    throw crypto_error("ajwt: cannot encode public key: " + drain_openssl_errors());
  return bio_contents(bio.get());
}

AJWT_DECL std::string bn_b64(const BIGNUM* bn, int width) { return base64url_encode(bn_to_bytes(bn, width)); }

AJWT_DECL required_jwk_members required_jwk_members_of(EVP_PKEY* pkey, key_type type) {
  required_jwk_members r;
  auto add = [&r](const char* name, std::string value) { r.members[r.size++] = {name, std::move(value)}; };
  switch (type) {
    case key_type::rsa: {
      auto n = get_bn(pkey, OSSL_PKEY_PARAM_RSA_N);
      auto e = get_bn(pkey, OSSL_PKEY_PARAM_RSA_E);
      if (!n || !e) throw crypto_error("ajwt: cannot read RSA public numbers");
      add("e", bn_b64(e.get()));
      add("kty", "RSA");
      add("n", bn_b64(n.get()));
      break;
    }
    case key_type::ec_p256: {
      auto x = get_bn(pkey, OSSL_PKEY_PARAM_EC_PUB_X);
      auto y = get_bn(pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
      if (!x || !y) throw crypto_error("ajwt: cannot read EC public point");
      add("crv", "P-256");
      add("kty", "EC");
      add("x", bn_b64(x.get(), 32));
      add("y", bn_b64(y.get(), 32));
      break;
    }
    case key_type::ed25519: {
      unsigned char raw[32];
      std::size_t len = sizeof raw;
      if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1 || len != 32)
        throw crypto_error("ajwt: cannot read Ed25519 public key");
      add("crv", "Ed25519");
      add("kty", "OKP");
      add("x", base64url_encode(std::string_view(reinterpret_cast<const char*>(raw), len)));
      break;
    }
  }
  return r;
}

AJWT_DECL nlohmann::json public_jwk_members(EVP_PKEY* pkey, key_type type) {
  auto r = required_jwk_members_of(pkey, type);
  nlohmann::json j = nlohmann::json::object();
  for (std::size_t i = 0; i < r.size; ++i) j[r.members[i].first] = std::move(r.members[i].second);
  return j;
}

AJWT_DECL std::string jwk_thumbprint_input(EVP_PKEY* pkey, key_type type) {
  const auto r = required_jwk_members_of(pkey, type);
  std::string out = "{";
  for (std::size_t i = 0; i < r.size; ++i) {
    if (i != 0) out += ',';
    append_json_string(out, r.members[i].first);
    out += ':';
    append_json_string(out, r.members[i].second);
  }
  out += '}';
  return out;
}

AJWT_DECL std::shared_ptr<key_state> make_key_state(pkey_ptr pkey, std::string_view source) {
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
  // RFC 7638 section 3: the required members, lexicographic order, no whitespace.
  s->thumbprint = base64url_encode(sha256_bytes(jwk_thumbprint_input(s->pkey.get(), s->type)));
  return s;
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_KEY_STATE_IPP
