// SPDX-License-Identifier: ISC
// OpenSSH "openssh-key-v1" private key files (OpenSSH's PROTOCOL.key), unencrypted or encrypted with
// bcrypt_pbkdf and AES or ChaCha20-Poly1305: read into and written from EVP_PKEYs. Internal: namespace
// ajwt::detail::openssh. Errors are ajwt::key_error naming what is wrong but not the source.
#ifndef AJWT_DETAIL_OPENSSH_PRIVATE_HPP
#define AJWT_DETAIL_OPENSSH_PRIVATE_HPP

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../error.hpp"
#include "../version.hpp"
#include "base64.hpp"
#include "bcrypt_pbkdf.hpp"
#include "openssh_public.hpp"
#include "openssh_wire.hpp"
#include "openssl.hpp"
#include "rsa_private.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail::openssh {

// ---------------------------------------------------------------------------------------------------------
// Private key files.

/// True when `text` contains "-----BEGIN OPENSSH PRIVATE KEY-----".
AJWT_DECL bool is_private_key(std::string_view text) noexcept;

/// An OpenSSH cipher for private key files and its EVP equivalent. The bcrypt_pbkdf output is the key
/// followed by the IV; the authentication tag (tag_len bytes) follows the encrypted section in the file.
struct cipher_spec {
  std::string_view name;
  const char* evp_name;
  std::size_t key_len;
  std::size_t iv_len;
  std::size_t block_size;
  std::size_t tag_len;
  bool openssh_chacha_poly;  ///< OpenSSH's own ChaCha20-Poly1305 construction (PROTOCOL.chacha20poly1305)
};

/// The ciphers supported for encrypted private keys (ssh-keygen writes aes256-ctr by default). Of what
/// OpenSSH 9 offers, only 3des-cbc is missing.
inline constexpr cipher_spec private_key_ciphers[] = {
    {"aes128-ctr", "AES-128-CTR", 16, 16, 16, 0, false},
    {"aes192-ctr", "AES-192-CTR", 24, 16, 16, 0, false},
    {"aes256-ctr", "AES-256-CTR", 32, 16, 16, 0, false},
    {"aes128-cbc", "AES-128-CBC", 16, 16, 16, 0, false},
    {"aes192-cbc", "AES-192-CBC", 24, 16, 16, 0, false},
    {"aes256-cbc", "AES-256-CBC", 32, 16, 16, 0, false},
    {"aes128-gcm@openssh.com", "AES-128-GCM", 16, 12, 16, 16, false},
    {"aes256-gcm@openssh.com", "AES-256-GCM", 32, 12, 16, 16, false},
    {"chacha20-poly1305@openssh.com", "ChaCha20", 64, 0, 8, 16, true},
};

AJWT_DECL const cipher_spec* find_private_key_cipher(std::string_view name) noexcept;

/// Runs raw ChaCha20 (OpenSSL's 16-byte IV: 32-bit little-endian block counter, then 96-bit nonce) over
/// `in` into `out`.
AJWT_DECL void chacha20_xor(const unsigned char* key, const unsigned char* iv16, const unsigned char* in,
                            std::size_t len, unsigned char* out);

/// OpenSSH's chacha20-poly1305@openssh.com for one message with sequence number 0 and no length header,
/// as used for private key files: the Poly1305 key is the first 32 bytes of the ChaCha20 keystream (main
/// key = first 32 key bytes, 64-bit nonce 0, block 0); the tag covers the ciphertext; the data is
/// encrypted from block 1. Returns false when the tag does not verify.
AJWT_DECL bool openssh_chacha_poly_decrypt(const unsigned char* key, std::string_view in,
                                           std::string_view tag, unsigned char* out);

/// Decrypts `in` into `out` (in.size() bytes). Returns false when an AEAD tag does not verify.
AJWT_DECL bool decrypt_private_section(const cipher_spec& c, const unsigned char* key,
                                       const unsigned char* iv, std::string_view in, std::string_view tag,
                                       unsigned char* out);

/// The decoded binary of the first "-----BEGIN OPENSSH PRIVATE KEY-----" block of `text` (line breaks and
/// spaces inside the block ignored, strict base64 otherwise). The result holds key material: the caller
/// wipes it.
AJWT_DECL void decode_private_key_text(std::string_view text, std::string& binary);

/// Wipes a string when the scope ends.
class wipe_on_exit {
 public:
  explicit wipe_on_exit(std::string& s) noexcept : s_(s) {}
  wipe_on_exit(const wipe_on_exit&) = delete;
  wipe_on_exit& operator=(const wipe_on_exit&) = delete;
  ~wipe_on_exit() {
    if (!s_.empty()) OPENSSL_cleanse(s_.data(), s_.size());
  }

 private:
  std::string& s_;
};

[[noreturn]] AJWT_DECL void throw_key_mismatch();

/// Throws unless `a` and `b` hold the same public key.
AJWT_DECL void check_same_public(const EVP_PKEY* a, const EVP_PKEY* b);

/// The private Ed25519 fields: public key (32 bytes) and seed || public key (64 bytes).
AJWT_DECL pkey_ptr read_ed25519_private(reader& r, const EVP_PKEY* pub);

/// The private RSA fields n, e, d, iqmp, p, q. Checks n = p*q, e*d = 1 mod (p-1) and mod (q-1), and
/// q*iqmp = 1 mod p, computes the CRT exponents, and builds the full key so OpenSSL uses its CRT path.
AJWT_DECL pkey_ptr read_rsa_private(reader& r, const EVP_PKEY* pub);

/// The private ecdsa-sha2-nistp256 fields: curve name, public point, scalar d. OpenSSL's pairwise check
/// proves 0 < d < order and Q = d*G.
AJWT_DECL pkey_ptr read_p256_private(reader& r, const EVP_PKEY* pub);

/// Parses an "openssh-key-v1" private key file (OpenSSH's PROTOCOL.key): ssh-ed25519, ssh-rsa or
/// ecdsa-sha2-nistp256, exactly one key. Unencrypted files (cipher and kdf "none") need no passphrase;
/// encrypted ones (kdf "bcrypt" with at most max_bcrypt_rounds rounds; ciphers aes128/192/256-ctr,
/// aes128/192/256-cbc, aes128/256-gcm@openssh.com) need `passphrase`, and an unencrypted file ignores it.
/// Checks: magic, exactly one key, the check integers (a mismatch after decryption means a wrong
/// passphrase), the key type and public key against the file's public blob, the private key against its
/// public key, the padding bytes 1, 2, 3..., and that nothing trails. Throws key_error on any failure.
AJWT_DECL pkey_ptr parse_private_key(std::string_view text,
                                     const std::optional<std::string_view>& passphrase);

}  // namespace detail::openssh
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/detail/openssh_private.ipp"
#endif

#endif  // AJWT_DETAIL_OPENSSH_PRIVATE_HPP
