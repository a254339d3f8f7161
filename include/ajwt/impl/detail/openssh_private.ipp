// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/openssh_private.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_OPENSSH_PRIVATE_IPP
#define AJWT_IMPL_DETAIL_OPENSSH_PRIVATE_IPP

#include "../../detail/openssh_private.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include <utility>

#include "../../algorithm.hpp"
#include "../../detail/text.hpp"
#include "../../limits.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail::openssh {

AJWT_DECL bool is_private_key(std::string_view text) noexcept {
  return text.find(private_key_begin) != std::string_view::npos;
}

AJWT_DECL const cipher_spec* find_private_key_cipher(std::string_view name) noexcept {
  for (const auto& c : private_key_ciphers)
    if (c.name == name) return &c;
  return nullptr;
}

AJWT_DECL void chacha20_xor(const unsigned char* key, const unsigned char* iv16, const unsigned char* in,
                            std::size_t len, unsigned char* out) {
  cipher_ptr cipher(EVP_CIPHER_fetch(nullptr, "ChaCha20", nullptr));
  cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
  int n = 0;
  if (!cipher || !ctx || EVP_EncryptInit_ex2(ctx.get(), cipher.get(), key, iv16, nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out, &n, in, static_cast<int>(len)) != 1 ||
      static_cast<std::size_t>(n) != len)
    throw crypto_error("ajwt: ChaCha20 failed: " + drain_openssl_errors());
}

AJWT_DECL bool openssh_chacha_poly_decrypt(const unsigned char* key, std::string_view in,
                                           std::string_view tag, unsigned char* out) {
  // DJB's layout (64-bit counter, 64-bit nonce) maps onto OpenSSL's IV as counter || nonce, little-endian.
  unsigned char iv[16] = {};
  secret_bytes poly_key(32);
  chacha20_xor(key, iv, poly_key.data(), poly_key.size(), poly_key.data());
  std::unique_ptr<EVP_MAC, ossl_deleter<EVP_MAC, EVP_MAC_free>> mac(
      EVP_MAC_fetch(nullptr, "POLY1305", nullptr));
  std::unique_ptr<EVP_MAC_CTX, ossl_deleter<EVP_MAC_CTX, EVP_MAC_CTX_free>> mctx(
      mac ? EVP_MAC_CTX_new(mac.get()) : nullptr);
  unsigned char expected[16];
  std::size_t expected_len = 0;
  const auto* src = reinterpret_cast<const unsigned char*>(in.data());
  if (!mctx || EVP_MAC_init(mctx.get(), poly_key.data(), poly_key.size(), nullptr) != 1 ||
      EVP_MAC_update(mctx.get(), src, in.size()) != 1 ||
      EVP_MAC_final(mctx.get(), expected, &expected_len, sizeof expected) != 1 || expected_len != 16)
    throw crypto_error("ajwt: Poly1305 failed: " + drain_openssl_errors());
  if (tag.size() != 16 || CRYPTO_memcmp(expected, tag.data(), 16) != 0) return false;
  iv[0] = 1;
  chacha20_xor(key, iv, src, in.size(), out);
  return true;
}

AJWT_DECL bool decrypt_private_section(const cipher_spec& c, const unsigned char* key,
                                       const unsigned char* iv, std::string_view in, std::string_view tag,
                                       unsigned char* out) {
  if (c.openssh_chacha_poly) return openssh_chacha_poly_decrypt(key, in, tag, out);
  cipher_ptr cipher(EVP_CIPHER_fetch(nullptr, c.evp_name, nullptr));
  cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
  if (!cipher || !ctx || EVP_DecryptInit_ex2(ctx.get(), cipher.get(), key, iv, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1)
    throw crypto_error("ajwt: cannot set up " + std::string(c.evp_name) + ": " + drain_openssl_errors());
  if (c.tag_len > 0) {
    unsigned char tag_copy[16];
    std::memcpy(tag_copy, tag.data(), c.tag_len);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag_copy, c.tag_len),
                           OSSL_PARAM_construct_end()};
    if (EVP_CIPHER_CTX_set_params(ctx.get(), params) != 1)
      throw crypto_error("ajwt: cannot set the GCM tag: " + drain_openssl_errors());
  }
  int n = 0, final_n = 0;
  const auto* src = reinterpret_cast<const unsigned char*>(in.data());
  if (EVP_DecryptUpdate(ctx.get(), out, &n, src, static_cast<int>(in.size())) != 1)
    throw crypto_error("ajwt: " + std::string(c.evp_name) + " decryption failed: " + drain_openssl_errors());
  // Padding is off and the input is whole blocks, so everything is out after the update.
  if (static_cast<std::size_t>(n) != in.size())
    throw crypto_error("ajwt: " + std::string(c.evp_name) + " decryption returned a short result");
  unsigned char final_block[32];
  if (EVP_DecryptFinal_ex(ctx.get(), final_block, &final_n) != 1) {
    clear_openssl_errors();
    if (c.tag_len > 0) return false;
    throw crypto_error("ajwt: " + std::string(c.evp_name) + " decryption failed");
  }
  return true;
}

AJWT_DECL void decode_private_key_text(std::string_view text, std::string& binary) {
  if (text.size() > max_private_key_text)
    throw key_error("the OpenSSH private key file is larger than " + std::to_string(max_private_key_text) +
                    " bytes");
  const std::size_t begin = text.find(private_key_begin);
  if (begin == std::string_view::npos)
    throw key_error("not an OpenSSH private key: no " + std::string(private_key_begin) + " line");
  const std::size_t body = begin + private_key_begin.size();
  const std::size_t end = text.find(private_key_end, body);
  if (end == std::string_view::npos)
    throw key_error("truncated OpenSSH private key: no " + std::string(private_key_end) + " line");
  if (text.find(private_key_begin, end) != std::string_view::npos)
    throw key_error("the file holds more than one OpenSSH private key; exactly one is supported");
  std::string b64;
  b64.reserve(end - body);
  for (std::size_t i = body; i < end; ++i)
    if (!is_ascii_space(text[i])) b64 += text[i];
  auto decoded = base64_decode(b64);
  OPENSSL_cleanse(b64.data(), b64.size());
  if (!decoded) throw key_error("invalid base64 in the OpenSSH private key");
  binary = std::move(*decoded);  // the buffer moves (a key is far longer than any small-string buffer)
}

AJWT_DECL void throw_key_mismatch() {
  throw key_error("the public key in the OpenSSH private key file does not match its private key");
}

AJWT_DECL void check_same_public(const EVP_PKEY* a, const EVP_PKEY* b) {
  const int eq = EVP_PKEY_eq(a, b);
  clear_openssl_errors();
  if (eq != 1) throw_key_mismatch();
}

AJWT_DECL pkey_ptr read_ed25519_private(reader& r, const EVP_PKEY* pub) {
  const std::string_view pk = r.read_string("Ed25519 public key");
  const std::string_view sk = r.read_string("Ed25519 private key");
  if (pk.size() != 32) throw key_error("the Ed25519 public key in the private section is not 32 bytes");
  if (sk.size() != 64) throw key_error("the Ed25519 private key is not 64 bytes");
  if (sk.substr(32) != pk) throw_key_mismatch();
  // Built from the seed alone, so OpenSSL derives the public key and the comparisons below prove the pair.
  // OSSL_PARAM_construct is used rather than a builder so that no unwiped copy of the seed is made.
  secret_bytes seed(32);
  std::memcpy(seed.data(), sk.data(), 32);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, seed.data(), seed.size()),
      OSSL_PARAM_construct_end()};
  pkey_ptr key =
      pkey_from_params("ED25519", EVP_PKEY_KEYPAIR, params, {}, "OpenSSL rejected the Ed25519 private key");
  if (ed25519_public_bytes(key.get()) != pk) throw_key_mismatch();
  check_same_public(pub, key.get());
  return key;
}

AJWT_DECL pkey_ptr read_rsa_private(reader& r, const EVP_PKEY* pub) {
  const bn_ptr n = r.read_mpint("RSA modulus", max_rsa_bits);
  const bn_ptr e = r.read_mpint("RSA public exponent", max_rsa_exponent_bits);
  const secure_bn_ptr d = r.read_secret_mpint("RSA private exponent", max_rsa_bits);
  const secure_bn_ptr iqmp = r.read_secret_mpint("RSA CRT coefficient", max_rsa_bits);
  const secure_bn_ptr p = r.read_secret_mpint("RSA prime p", max_rsa_bits);
  const secure_bn_ptr q = r.read_secret_mpint("RSA prime q", max_rsa_bits);
  check_rsa_public(n.get(), e.get());
  // OpenSSH files leave out d mod (p-1) and d mod (q-1); OpenSSL wants them, so they are derived here and
  // the one RSA check (rsa_private.hpp) proves the rest.
  bn_ctx_ptr ctx(BN_CTX_secure_new());
  secure_bn_ptr pm1(BN_secure_new()), qm1(BN_secure_new()), dmp1(BN_secure_new()), dmq1(BN_secure_new());
  if (!ctx || !pm1 || !qm1 || !dmp1 || !dmq1)
    throw crypto_error("ajwt: BIGNUM allocation failed: " + drain_openssl_errors());
  BN_set_flags(d.get(), BN_FLG_CONSTTIME);
  if (BN_sub(pm1.get(), p.get(), BN_value_one()) != 1 || BN_sub(qm1.get(), q.get(), BN_value_one()) != 1 ||
      BN_mod(dmp1.get(), d.get(), pm1.get(), ctx.get()) != 1 ||
      BN_mod(dmq1.get(), d.get(), qm1.get(), ctx.get()) != 1) {
    clear_openssl_errors();
    throw key_error("invalid RSA private key: p and q must be odd numbers above 1");
  }
  if (const auto why = rsa_private_mismatch(
          {n.get(), e.get(), d.get(), p.get(), q.get(), dmp1.get(), dmq1.get(), iqmp.get()}))
    throw key_error("invalid RSA private key: " + std::string(*why));
  const param_bld_ptr bld = new_param_builder();
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, d.get()));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1.get()));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1.get()));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, iqmp.get()));
  pkey_ptr key =
      pkey_from_builder("RSA", EVP_PKEY_KEYPAIR, bld.get(), {}, "OpenSSL rejected the RSA private key");
  check_same_public(pub, key.get());
  return key;
}

AJWT_DECL pkey_ptr read_p256_private(reader& r, const EVP_PKEY* pub) {
  read_p256_curve(r);
  const std::string_view point = r.read_string("EC public key");
  const secure_bn_ptr d = r.read_secret_mpint("EC private key", 256);
  check_p256_point_encoding(point);
  if (BN_is_zero(d.get())) throw key_error("invalid EC private key: the scalar is zero");
  const param_bld_ptr bld = new_param_builder();
  check_pushed(OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0));
  check_pushed(
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()));
  pkey_ptr key =
      pkey_from_builder("EC", EVP_PKEY_KEYPAIR, bld.get(), {}, "OpenSSL rejected the EC private key");
  check_same_public(pub, key.get());
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx) throw crypto_error("ajwt: EVP_PKEY_CTX_new_from_pkey failed: " + drain_openssl_errors());
  if (EVP_PKEY_pairwise_check(ctx.get()) != 1) {
    clear_openssl_errors();
    throw_key_mismatch();
  }
  return key;
}

AJWT_DECL pkey_ptr parse_private_key(std::string_view text,
                                     const std::optional<std::string_view>& passphrase) {
  std::string binary;
  const wipe_on_exit wipe_binary(binary);
  decode_private_key_text(text, binary);
  reader r(binary, "OpenSSH private key");
  if (r.remaining() < private_key_magic.size() ||
      r.read_bytes(private_key_magic.size(), "magic") != private_key_magic)
    throw key_error("not an openssh-key-v1 private key (bad magic)");
  const std::string_view cipher_name = r.read_string("cipher name");
  const std::string_view kdf_name = r.read_string("KDF name");
  const std::string_view kdf_options = r.read_string("KDF options");
  const std::uint32_t nkeys = r.read_u32("key count");
  if (nkeys != 1)
    throw key_error("the OpenSSH private key file holds " + std::to_string(nkeys) +
                    " keys; exactly one is supported");
  key_type type{};
  const pkey_ptr pub = parse_public_blob_typed(r.read_string("public key"), type);
  const std::string_view section = r.read_string("private section");

  const bool encrypted = cipher_name != "none";
  const cipher_spec* cipher = nullptr;
  if (encrypted) {
    cipher = find_private_key_cipher(cipher_name);
    if (!cipher)
      throw key_error("the OpenSSH private key is encrypted with " + printable(cipher_name) +
                      ", which is not supported; convert the key with `ssh-keygen -p -m PKCS8 -f FILE` or "
                      "re-encrypt it with `ssh-keygen -p -Z aes256-ctr -f FILE`");
    if (kdf_name != "bcrypt")
      throw key_error("the OpenSSH private key uses the key derivation " + printable(kdf_name) +
                      ", which is not supported (only bcrypt is)");
  } else if (kdf_name != "none" || !kdf_options.empty()) {
    throw key_error("the OpenSSH private key is not encrypted but names the key derivation " +
                    printable(kdf_name));
  }
  const std::size_t block_size = encrypted ? cipher->block_size : 8;
  const std::string_view tag = r.read_bytes(encrypted ? cipher->tag_len : 0, "authentication tag");
  r.expect_end();
  if (section.size() % block_size != 0)
    throw key_error("the private section of the OpenSSH private key is not a whole number of cipher blocks");

  secret_bytes plain(section.size());
  if (encrypted) {
    reader kr(kdf_options, "OpenSSH private key KDF options");
    const std::string_view salt = kr.read_string("bcrypt salt");
    const std::uint32_t rounds = kr.read_u32("bcrypt rounds");
    kr.expect_end();
    if (salt.empty()) throw key_error("the bcrypt salt of the OpenSSH private key is empty");
    if (rounds == 0 || rounds > max_bcrypt_rounds)
      throw key_error("the OpenSSH private key asks for " + std::to_string(rounds) +
                      " bcrypt rounds; between 1 and " + std::to_string(max_bcrypt_rounds) + " are accepted");
    if (!passphrase || passphrase->empty())
      throw key_error("the OpenSSH private key is encrypted; pass its passphrase");
    secret_bytes key_iv(cipher->key_len + cipher->iv_len);
    bcrypt_pbkdf(*passphrase, salt, rounds, key_iv.data(), key_iv.size());
    if (!decrypt_private_section(*cipher, key_iv.data(), key_iv.data() + cipher->key_len, section, tag,
                                 plain.data()))
      throw key_error("wrong passphrase for the OpenSSH private key");
  } else if (!section.empty()) {
    std::memcpy(plain.data(), section.data(), section.size());
  }

  reader pr(plain.view(), "OpenSSH private key (private section)");
  const std::uint32_t check1 = pr.read_u32("check integer");
  const std::uint32_t check2 = pr.read_u32("check integer");
  if (check1 != check2)
    throw key_error(encrypted ? "wrong passphrase for the OpenSSH private key"
                              : "corrupt OpenSSH private key: the check integers differ");
  const std::string_view private_type = pr.read_string("key type");
  const auto t = key_type_from_name(private_type);
  if (!t || *t != type)
    throw key_error("the OpenSSH private key file's public key is " + std::string(type_name(type)) +
                    " but its private key is " + printable(private_type));
  pkey_ptr key;
  switch (type) {
    case key_type::ed25519: key = read_ed25519_private(pr, pub.get()); break;
    case key_type::rsa: key = read_rsa_private(pr, pub.get()); break;
    case key_type::ec_p256: key = read_p256_private(pr, pub.get()); break;
  }
  pr.read_string("comment");
  const std::string_view padding = pr.rest();
  for (std::size_t i = 0; i < padding.size(); ++i)
    if (static_cast<unsigned char>(padding[i]) != ((i + 1) & 0xff))
      throw key_error("corrupt OpenSSH private key: the padding is not 1, 2, 3, ...");
  return key;
}

}  // namespace detail::openssh
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_OPENSSH_PRIVATE_IPP
