// SPDX-License-Identifier: ISC
// Differential: Ed25519 through OpenSSL and through libsodium, on the same key, message and signature.
// Input: one mode byte, then
//   mode even  raw: 32 key bytes, 64 signature bytes, the message (what an attacker fully controls);
//   mode odd   signed: a 32-byte seed, one mutation byte, one position byte, the message; the message
//              is signed with the seed's key by each backend (the two signatures must be identical),
//              then the mutation is applied (none, a bit flip, S + L, S = 0, a small-order R, R = S = 0).
// Properties: a key ajwt loads gets the same verdict from both backends; a genuine signature is
// accepted by both; what bare libsodium refuses ajwt refuses; where bare OpenSSL and bare libsodium
// disagree (libsodium is stricter on degenerate keys and signatures) ajwt refuses with both.
#include <openssl/evp.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"

#if !defined(AJWT_WITH_SODIUM)
#error "ed25519_diff_fuzz compares OpenSSL with libsodium: build it with ajwt::sodium (AJWT_WITH_SODIUM)"
#endif

namespace {

using ajwt::detail::ed25519_backend;

/// Bare OpenSSL, without ajwt's checks.
bool openssl_bare(const unsigned char* pk, std::string_view msg, const unsigned char* sig) {
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pk, 32);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      key && ctx && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, sig, 64, reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  ajwt::detail::clear_openssl_errors();
  return ok;
}

std::string b64(const unsigned char* p, std::size_t n) {
  return ajwt::detail::base64url_encode(std::string_view(reinterpret_cast<const char*>(p), n));
}

/// Checks every property on one (key, message, signature); `genuine` when the signature was just made.
void compare(const unsigned char* pk, std::string_view msg, const unsigned char* sig, bool genuine) {
  const bool bare_ossl = openssl_bare(pk, msg, sig);
  const bool bare_sodium = ajwt::detail::sodium::ed25519_verify(pk, msg, sig);
  std::optional<ajwt::public_key> key;
  try {
    key = ajwt::public_key::from_jwk(nlohmann::json{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", b64(pk, 32)}});
  } catch (const ajwt::key_error&) {
    fuzz::require(!genuine);
    return;  // ajwt refuses the key itself (small-order or non-canonical): nothing can verify under it
  }
  const std::string_view s(reinterpret_cast<const char*>(sig), 64);
  const bool with_openssl = ajwt::detail::ed25519_verify(ed25519_backend::openssl, *key, msg, s);
  const bool with_sodium = ajwt::detail::ed25519_verify(ed25519_backend::sodium, *key, msg, s);
  fuzz::require(with_openssl == with_sodium);
  fuzz::require(!with_sodium || bare_sodium);
  if (bare_ossl != bare_sodium) fuzz::require(!with_openssl && !with_sodium);
  if (genuine) fuzz::require(with_sodium && bare_ossl && bare_sodium);
  // The public entry point agrees with the backend it uses.
  fuzz::require(ajwt::jws::verify(*key, ajwt::algorithm::eddsa, msg, s) == with_sodium);
}

void add_order_to_s(unsigned char* sig) {
  static constexpr unsigned char order[32] = {
      0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
      0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
  unsigned carry = 0;
  for (int i = 0; i < 32; ++i) {
    const unsigned sum = sig[32 + i] + order[i] + carry;
    sig[32 + i] = static_cast<unsigned char>(sum & 0xff);
    carry = sum >> 8;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const unsigned mode = data[0];
  if (mode % 2 == 0) {
    if (size < 1 + 32 + 64) return 0;
    const std::string_view msg(reinterpret_cast<const char*>(data + 97), size - 97);
    compare(data + 1, msg, data + 33, false);
    return 0;
  }
  if (size < 1 + 32 + 2) return 0;
  const std::string_view msg(reinterpret_cast<const char*>(data + 35), size - 35);
  EVP_PKEY* raw = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, data + 1, 32);
  fuzz::require(raw != nullptr);
  auto priv = ajwt::private_key::from_native(raw);
  EVP_PKEY_free(raw);
  const std::string sig_ossl = ajwt::detail::ed25519_sign(ed25519_backend::openssl, priv, msg);
  const std::string sig_sodium = ajwt::detail::ed25519_sign(ed25519_backend::sodium, priv, msg);
  fuzz::require(sig_ossl == sig_sodium && sig_ossl.size() == 64);
  unsigned char pk[32];
  std::size_t pk_len = sizeof pk;
  fuzz::require(EVP_PKEY_get_raw_public_key(priv.native_handle(), pk, &pk_len) == 1 && pk_len == 32);
  unsigned char sig[64];
  std::memcpy(sig, sig_ossl.data(), 64);
  const unsigned mutation = data[33] % 6;
  const unsigned at = data[34];
  switch (mutation) {
    case 0: break;
    case 1: sig[at % 64] ^= static_cast<unsigned char>(1u << (at / 64 + data[33] / 6 % 2 * 4)); break;
    case 2: add_order_to_s(sig); break;
    case 3: std::memset(sig + 32, 0, 32); break;
    case 4: {
      const auto& y = ajwt::detail::ed25519_small_order_y[at % 7];
      std::memcpy(sig, y, 32);
      if (at & 0x80) sig[31] |= 0x80;
      break;
    }
    default: std::memset(sig, 0, 64); break;
  }
  compare(pk, msg, sig, mutation == 0);
  return 0;
}
