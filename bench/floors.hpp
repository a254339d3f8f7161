// SPDX-License-Identifier: ISC
// The floors: raw OpenSSL 3 signature verification and signing, written without ajwt, so the
// benchmark can say what the signature alone costs on the same keys and tokens.
//
//   plain   per token: EVP_MD_CTX_new, EVP_DigestVerifyInit (legacy EVP_sha256()-style digest, which
//           OpenSSL 3 fetches implicitly on every init), EVP_DigestVerify, EVP_MD_CTX_free. The key is
//           loaded once. This is how most code calls OpenSSL.
//   copy    a context initialised once per key and thread; per token EVP_MD_CTX_copy_ex into a
//           scratch context, then EVP_DigestVerify.
//   pkey    per token EVP_Digest with a digest fetched once, then EVP_PKEY_verify on an
//           EVP_PKEY_CTX prepared once per key and thread (RSA and ECDSA only).
//   reuse   one context initialised once per key and thread and used for every token (EdDSA only:
//           its one-shot verify leaves the context reusable; RSA and ECDSA contexts are finalised).
// Signatures are base64url-decoded (and, for ES256, converted from r||s to DER) before timing: the
// floors time the signature check alone.
#ifndef AJWT_BENCH_FLOORS_HPP
#define AJWT_BENCH_FLOORS_HPP

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace bench::floors {

struct md_ctx_free {
  void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
struct pkey_ctx_free {
  void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
struct md_free {
  void operator()(EVP_MD* p) const noexcept { EVP_MD_free(p); }
};
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_free>;
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free>;
using md_ptr = std::unique_ptr<EVP_MD, md_free>;

/// The digest of a JWS algorithm name as "SHA256"/"SHA384"/"SHA512", or nullptr for EdDSA.
inline const char* digest_name(std::string_view alg) noexcept {
  if (alg == "RS256" || alg == "ES256" || alg == "PS256") return "SHA256";
  if (alg == "RS384" || alg == "PS384") return "SHA384";
  if (alg == "RS512" || alg == "PS512") return "SHA512";
  return nullptr;
}

/// The legacy digest object (EVP_sha256() and friends): what the plain way passes.
inline const EVP_MD* legacy_digest(std::string_view alg) noexcept {
  const char* d = digest_name(alg);
  if (!d) return nullptr;
  if (std::string_view(d) == "SHA256") return EVP_sha256();
  if (std::string_view(d) == "SHA384") return EVP_sha384();
  return EVP_sha512();
}

/// The key and digest of one algorithm; the key is not owned.
struct key_setup {
  EVP_PKEY* pkey = nullptr;
  const EVP_MD* legacy_md = nullptr;  // nullptr for EdDSA
  md_ptr fetched_md;                  // fetched once; nullptr for EdDSA

  key_setup(EVP_PKEY* key, std::string_view alg) : pkey(key), legacy_md(legacy_digest(alg)) {
    if (const char* d = digest_name(alg)) {
      fetched_md.reset(EVP_MD_fetch(nullptr, d, nullptr));
      if (!fetched_md) throw std::runtime_error("EVP_MD_fetch failed");
    }
  }
};

/// The plain way, one token.
inline bool verify_plain(const key_setup& k, std::string_view input, std::string_view sig) noexcept {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, k.legacy_md, nullptr, k.pkey) == 1 &&
                  EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                                   reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) ERR_clear_error();
  return ok;
}

/// A prepared context copied per token. One per thread.
class copy_verifier {
 public:
  explicit copy_verifier(const key_setup& k) : base_(EVP_MD_CTX_new()), work_(EVP_MD_CTX_new()) {
    if (!base_ || !work_ ||
        EVP_DigestVerifyInit(base_.get(), nullptr, k.fetched_md.get(), nullptr, k.pkey) != 1)
      throw std::runtime_error("copy_verifier: EVP_DigestVerifyInit failed");
  }
  bool verify(std::string_view input, std::string_view sig) noexcept {
    const bool ok =
        EVP_MD_CTX_copy_ex(work_.get(), base_.get()) == 1 &&
        EVP_DigestVerify(work_.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    if (!ok) ERR_clear_error();
    return ok;
  }

 private:
  md_ctx_ptr base_, work_;
};

/// Hash, then EVP_PKEY_verify on a prepared EVP_PKEY_CTX. One per thread; RSA and ECDSA only.
class pkey_verifier {
 public:
  explicit pkey_verifier(const key_setup& k)
      : md_(k.fetched_md.get()), ctx_(EVP_PKEY_CTX_new(k.pkey, nullptr)) {
    if (!md_ || !ctx_ || EVP_PKEY_verify_init(ctx_.get()) != 1 ||
        EVP_PKEY_CTX_set_signature_md(ctx_.get(), md_) != 1)
      throw std::runtime_error("pkey_verifier: EVP_PKEY_verify_init failed");
  }
  bool verify(std::string_view input, std::string_view sig) noexcept {
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hl = 0;
    const bool ok = EVP_Digest(input.data(), input.size(), h, &hl, md_, nullptr) == 1 &&
                    EVP_PKEY_verify(ctx_.get(), reinterpret_cast<const unsigned char*>(sig.data()),
                                    sig.size(), h, hl) == 1;
    if (!ok) ERR_clear_error();
    return ok;
  }

 private:
  const EVP_MD* md_;
  pkey_ctx_ptr ctx_;
};

/// One context initialised once and reused for every token. One per thread; EdDSA only.
class reuse_verifier {
 public:
  explicit reuse_verifier(const key_setup& k) : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestVerifyInit(ctx_.get(), nullptr, nullptr, nullptr, k.pkey) != 1)
      throw std::runtime_error("reuse_verifier: EVP_DigestVerifyInit failed");
  }
  bool verify(std::string_view input, std::string_view sig) noexcept {
    const bool ok =
        EVP_DigestVerify(ctx_.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    if (!ok) ERR_clear_error();
    return ok;
  }

 private:
  md_ctx_ptr ctx_;
};

/// The plain way to sign: new context, EVP_DigestSignInit, EVP_DigestSign asked for the length, then
/// EVP_DigestSign, free. Returns the signature length (0 on failure). `out` must hold EVP_PKEY_get_size.
inline std::size_t sign_plain(EVP_PKEY* key, const EVP_MD* md, std::string_view input,
                              unsigned char* out) noexcept {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  const bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, md, nullptr, key) == 1 &&
                  EVP_DigestSign(ctx, nullptr, &len, in, input.size()) == 1 &&
                  EVP_DigestSign(ctx, out, &len, in, input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) {
    ERR_clear_error();
    return 0;
  }
  return len;
}

/// A JWS ES256 signature (r||s, 32 bytes each) as DER, for OpenSSL; empty when it is not 64 bytes.
inline std::string es256_to_der(std::string_view raw) {
  if (raw.size() != 64) return {};
  ECDSA_SIG* s = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* t = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  std::string der;
  if (s && r && t && ECDSA_SIG_set0(s, r, t) == 1) {
    r = t = nullptr;  // owned by s now
    unsigned char* p = nullptr;
    const int n = i2d_ECDSA_SIG(s, &p);
    if (n > 0) der.assign(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
    OPENSSL_free(p);
  }
  BN_free(r);
  BN_free(t);
  ECDSA_SIG_free(s);
  return der;
}

}  // namespace bench::floors

#endif  // AJWT_BENCH_FLOORS_HPP
