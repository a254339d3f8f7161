// SPDX-License-Identifier: ISC
// Compact JWS (RFC 7515) on the verify side: strict decoding (jws::decode), signature verification with one
// public key (jws::verify, jws::verify_compact) and the prepared OpenSSL contexts that make it fast. Signing
// is jws_sign.hpp's, so that this header needs no private-key code.
#ifndef AJWT_JWS_HPP
#define AJWT_JWS_HPP

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "algorithm.hpp"
#include "detail/base64.hpp"
#include "detail/ed25519.hpp"
#include "detail/json.hpp"
#include "detail/json_scan.hpp"
#include "detail/openssl.hpp"
#include "detail/sodium.hpp"
#include "error.hpp"
#include "public_key.hpp"
#include "result.hpp"
#include "version.hpp"

AJWT_NAMESPACE_BEGIN

/// Tokens longer than this are refused before any decoding (the verifier's default; configurable).
inline constexpr std::size_t default_max_token_bytes = 8192;
/// A "kid" longer than this is malformed (real ones are 64 hex digits or 43 base64url characters).
inline constexpr std::size_t max_kid_bytes = 256;

namespace detail {

/// The digest of an algorithm; nullptr for EdDSA, which hashes internally.
AJWT_DECL const EVP_MD* digest_for(algorithm a) noexcept;

AJWT_DECL bool is_pss(algorithm a) noexcept;

/// Sets RSA-PSS parameters as RFC 7518 section 3.5 requires: MGF1 with the same hash, salt length
/// equal to the hash length.
AJWT_DECL bool set_pss(EVP_PKEY_CTX* pctx) noexcept;

/// The order n of P-256, big-endian: ECDSA r and s must be in [1, n-1].
inline constexpr std::array<unsigned char, 32> p256_order = {
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};

AJWT_DECL bool in_p256_scalar_range(const unsigned char* v) noexcept;

/// Converts a JWS ES256 signature (r||s, 32 bytes each) to DER. False when r or s is out of range.
AJWT_DECL bool es256_raw_to_der(std::string_view raw, unsigned char* der, std::size_t& der_len) noexcept;

/// One-shot SHA-2 of `data` into `out` (returns the digest length, 0 on failure). The SHA256() family
/// runs the implementation directly, without OpenSSL 3's per-call provider fetch and context set-up.
AJWT_DECL unsigned hash_for(algorithm a, std::string_view data, unsigned char* out) noexcept;

/// Per-thread OpenSSL contexts prepared once per (key, algorithm, operation) and reused: OpenSSL 3
/// spends several microseconds per EVP_DigestVerifyInit fetching algorithms and building provider
/// contexts, a sizeable share of an RSA-2048 verification. RSA and ECDSA keep an EVP_PKEY_CTX
/// initialised for sign or verify (padding and digest set) and are fed a digest; Ed25519, which has
/// no pre-hash form, keeps an initialised EVP_MD_CTX that is copied per call. Entries are keyed by
/// the key's process-unique id (never by address) and hold their own reference to the key.
class prepared_contexts {
 public:
  enum class op : std::uint8_t { sign, verify };

  struct slot {
    std::uint64_t key_id = 0;
    algorithm alg = algorithm::rs256;
    op operation = op::verify;
    pkey_ctx_ptr pctx;  // RSA / ECDSA
    md_ctx_ptr proto;   // Ed25519: initialised, never used directly
    md_ctx_ptr work;    // Ed25519: the copy used for one call
  };

  /// The prepared slot for this key, algorithm and operation, or nullptr when it cannot be made
  /// (the caller then uses the plain path).
  static slot* get(std::uint64_t key_id, EVP_PKEY* pkey, algorithm alg, op operation) noexcept {
    thread_local prepared_contexts cache;
    return cache.find(key_id, pkey, alg, operation);
  }

 private:
  static constexpr std::size_t capacity = 32;

  slot* find(std::uint64_t key_id, EVP_PKEY* pkey, algorithm alg, op operation) noexcept {
    for (auto& s : slots_)
      if (s.key_id == key_id && s.alg == alg && s.operation == operation) return &s;
    slot& s = slots_[next_++ % capacity];  // round-robin eviction: simple and bounded
    s = slot{};
    if (!prepare(s, pkey, alg, operation)) {
      clear_openssl_errors();
      s = slot{};
      return nullptr;
    }
    s.key_id = key_id;
    s.alg = alg;
    s.operation = operation;
    return &s;
  }

  static bool prepare(slot& s, EVP_PKEY* pkey, algorithm alg, op operation) noexcept {
    if (alg == algorithm::eddsa || alg == algorithm::ed25519) {
      s.proto.reset(EVP_MD_CTX_new());
      s.work.reset(EVP_MD_CTX_new());
      if (!s.proto || !s.work) return false;
      return (operation == op::verify
                  ? EVP_DigestVerifyInit(s.proto.get(), nullptr, nullptr, nullptr, pkey)
                  : EVP_DigestSignInit(s.proto.get(), nullptr, nullptr, nullptr, pkey)) == 1;
    }
    s.pctx.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    if (!s.pctx) return false;
    if ((operation == op::verify ? EVP_PKEY_verify_init(s.pctx.get()) : EVP_PKEY_sign_init(s.pctx.get())) !=
        1)
      return false;
    if (required_key_type(alg) == key_type::rsa) {
      if (is_pss(alg)) {
        if (EVP_PKEY_CTX_set_rsa_padding(s.pctx.get(), RSA_PKCS1_PSS_PADDING) != 1) return false;
      } else if (EVP_PKEY_CTX_set_rsa_padding(s.pctx.get(), RSA_PKCS1_PADDING) != 1) {
        return false;
      }
    }
    if (EVP_PKEY_CTX_set_signature_md(s.pctx.get(), digest_for(alg)) != 1) return false;
    if (is_pss(alg) && (EVP_PKEY_CTX_set_rsa_mgf1_md(s.pctx.get(), digest_for(alg)) != 1 ||
                        EVP_PKEY_CTX_set_rsa_pss_saltlen(s.pctx.get(), RSA_PSS_SALTLEN_DIGEST) != 1))
      return false;
    return true;
  }

  std::array<slot, capacity> slots_{};
  std::size_t next_ = 0;
};

/// Verifies with a prepared context. Returns 1 valid, 0 invalid, -1 when no prepared context could
/// be used (the caller falls back to the plain EVP path).
AJWT_DECL int verify_prepared(std::uint64_t key_id, EVP_PKEY* pkey, algorithm alg, std::string_view input,
                              const unsigned char* sig, std::size_t sig_len) noexcept;

/// Octets with inline room for the common case and a heap block beyond it (never copied or moved:
/// views point into it).
template <std::size_t Inline>
class octet_buffer {
 public:
  // User-provided on purpose: `= default` would zero the inline storage under value-initialisation,
  // and it stays uninitialised until written.
  octet_buffer() noexcept {}  // NOLINT(modernize-use-equals-default)
  octet_buffer(const octet_buffer&) = delete;
  octet_buffer& operator=(const octet_buffer&) = delete;

  /// Storage for `n` octets (the previous contents are lost).
  unsigned char* prepare(std::size_t n) {
    size_ = n;
    if (n <= Inline) return data_ = inline_;
    heap_.reset(new unsigned char[n]);
    return data_ = heap_.get();
  }
  [[nodiscard]] std::string_view view() const noexcept {
    return {reinterpret_cast<const char*>(data_), size_};
  }

 private:
  unsigned char inline_[Inline];
  std::unique_ptr<unsigned char[]> heap_;
  unsigned char* data_ = inline_;
  std::size_t size_ = 0;
};

/// The JOSE header members the decoder reads (every other member is validated, then ignored).
inline constexpr std::array<std::string_view, 9> jose_header_members = {"alg", "kid", "typ", "crit", "b64",
                                                                        "jwk", "jku", "x5u", "x5c"};
enum jose_header_member : std::size_t { hdr_alg, hdr_kid, hdr_typ, hdr_crit, hdr_b64, hdr_jwk };

/// A compact JWS split and decoded without a JSON DOM: what jws::decode checks, in views. Not
/// verified, and not movable (the views point into it).
struct decoded_jws {
  std::string_view signing_input;  ///< a view into the token
  algorithm alg = algorithm::rs512;
  std::string_view kid;  ///< the header's kid (unescaped), or empty
  octet_buffer<512> header_text;
  picked_members<jose_header_members.size()> header;
  std::string payload;  ///< the decoded payload octets
  octet_buffer<1024> signature;

  decoded_jws() = default;
  decoded_jws(const decoded_jws&) = delete;
  decoded_jws& operator=(const decoded_jws&) = delete;
};

/// The rules of jws::decode (which see) without building a DOM: the failure, or nothing when `out`
/// holds the decoded token.
/// Allocates the payload only (and a header or signature beyond the inline buffers, or an escape).
[[nodiscard]] AJWT_DECL std::optional<failure> decode_jws(std::string_view token, std::size_t max_token_bytes,
                                                          decoded_jws& out);

/// Verifies an encoded signature (RSA: the raw octets; ES256: DER; Ed25519: R || S) through OpenSSL, on
/// a prepared context when one can be made. The caller has made every check of jws::verify. Never throws.
[[nodiscard]] AJWT_DECL bool verify_openssl(const public_key& key, algorithm alg,
                                            std::string_view signing_input, const unsigned char* sig,
                                            std::size_t sig_len) noexcept;

/// The implementations of Ed25519 (RFC 8032) ajwt can use. Both give the same verdict on every input.
enum class ed25519_backend : std::uint8_t { openssl, sodium };

/// True when `b` can be used in this build: OpenSSL always; libsodium with AJWT_WITH_SODIUM when
/// sodium_init() succeeded.
[[nodiscard]] AJWT_DECL bool ed25519_backend_available(ed25519_backend b) noexcept;

/// The Ed25519 backend asked for, process-wide: libsodium unless set otherwise. For tests and benchmarks
/// that compare the backends in one process; both give the same verdicts, so it changes only the speed.
AJWT_DECL std::atomic<ed25519_backend>& ed25519_backend_preference() noexcept;

/// The backend jws::sign and jws::verify use for Ed25519: the preference when it is available, else OpenSSL.
[[nodiscard]] AJWT_DECL ed25519_backend default_ed25519_backend() noexcept;

/// Verifies an Ed25519 signature with backend `b`, after ajwt's own checks (both backends): exactly
/// 64 octets, S < L, R not of small order (RFC 8032 section 5.1.7 leaves them open; the key loaders
/// already refused small-order and non-canonical public keys). False for an Ed25519 key is the only
/// answer for a key of another type or an unavailable backend. Never throws.
[[nodiscard]] AJWT_DECL bool ed25519_verify(ed25519_backend b, const public_key& key,
                                            std::string_view signing_input,
                                            std::string_view signature) noexcept;

}  // namespace detail

namespace jws {

/// Verifies a JWS signature over `signing_input`. Checks first that the key allows `alg` and that
/// the signature has the exact length the algorithm and key imply. Never throws.
[[nodiscard]] AJWT_DECL bool verify(const public_key& key, algorithm alg, std::string_view signing_input,
                                    std::string_view signature) noexcept;

/// A compact JWS split and decoded, NOT verified: nothing in it may be trusted yet.
// (NOLINT: clang-tidy 14 follows nlohmann::json's noexcept move into assertion code it takes for throwing.)
struct unverified {                  // NOLINT(bugprone-exception-escape)
  std::string_view signing_input;    ///< "header.payload" exactly as received (a view into the token)
  nlohmann::json header;             ///< the protected header, a JSON object
  std::string payload;               ///< the decoded payload octets
  std::string signature;             ///< the decoded signature octets
  algorithm alg = algorithm::rs512;  ///< the header's "alg" (a supported algorithm)
  std::string kid;                   ///< the header's kid, or empty
};

/// Splits, decodes and checks a compact JWS without verifying it (RFC 7515 section 5.2, strictly):
/// exactly three segments of canonical unpadded base64url; a header that is a strict JSON object
/// (no duplicate members) with a supported "alg"; no "crit" (ajwt understands no extension); no
/// "b64" (RFC 7797 unencoded payloads); no "jwk", "jku", "x5u" or "x5c" (keys never come from the
/// token); a "kid", when present, that is a string of at most max_kid_bytes. Never throws.
[[nodiscard]] AJWT_DECL result<unverified> decode(
    std::string_view token, std::size_t max_token_bytes = default_max_token_bytes) noexcept;

/// Decodes and verifies a compact JWS with one key, accepting only algorithms in `allowed` that the
/// key allows. Returns the payload octets. Never throws.
[[nodiscard]] AJWT_DECL result<std::string> verify_compact(
    std::string_view token, const public_key& key, algorithm_set allowed = algorithm_set::defaults(),
    std::size_t max_token_bytes = default_max_token_bytes) noexcept;

}  // namespace jws
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "impl/jws.ipp"
#endif

#endif  // AJWT_JWS_HPP
