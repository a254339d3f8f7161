// SPDX-License-Identifier: ISC
// RAII handles for OpenSSL 3 objects and error-queue capture. Internal: namespace ajwt::detail.
#ifndef AJWT_DETAIL_OPENSSL_HPP
#define AJWT_DETAIL_OPENSSL_HPP

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../error.hpp"
#include "../version.hpp"

#if OPENSSL_VERSION_MAJOR < 3
#error "ajwt needs OpenSSL 3 or newer"
#endif

AJWT_NAMESPACE_BEGIN
namespace detail {

template <class T, void (*Free)(T*)>
struct ossl_deleter {
  void operator()(T* p) const noexcept { Free(p); }
};

inline void free_bio(BIO* b) { BIO_free_all(b); }
inline void free_bn(BIGNUM* b) { BN_free(b); }
inline void free_secure_bn(BIGNUM* b) { BN_clear_free(b); }
inline void free_params(OSSL_PARAM* p) { OSSL_PARAM_free(p); }

using pkey_ptr = std::unique_ptr<EVP_PKEY, ossl_deleter<EVP_PKEY, EVP_PKEY_free>>;
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, ossl_deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, ossl_deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using md_ptr = std::unique_ptr<EVP_MD, ossl_deleter<EVP_MD, EVP_MD_free>>;
using cipher_ptr = std::unique_ptr<EVP_CIPHER, ossl_deleter<EVP_CIPHER, EVP_CIPHER_free>>;
using cipher_ctx_ptr = std::unique_ptr<EVP_CIPHER_CTX, ossl_deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using bio_ptr = std::unique_ptr<BIO, ossl_deleter<BIO, free_bio>>;
using bn_ptr = std::unique_ptr<BIGNUM, ossl_deleter<BIGNUM, free_bn>>;
using secure_bn_ptr = std::unique_ptr<BIGNUM, ossl_deleter<BIGNUM, free_secure_bn>>;
using bn_ctx_ptr = std::unique_ptr<BN_CTX, ossl_deleter<BN_CTX, BN_CTX_free>>;
using ecdsa_sig_ptr = std::unique_ptr<ECDSA_SIG, ossl_deleter<ECDSA_SIG, ECDSA_SIG_free>>;
using param_bld_ptr = std::unique_ptr<OSSL_PARAM_BLD, ossl_deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using params_ptr = std::unique_ptr<OSSL_PARAM, ossl_deleter<OSSL_PARAM, free_params>>;

/// Drains OpenSSL's thread-local error queue and returns its entries as one line ("" when empty).
/// Every failure path that reports must call this, so no stale error leaks into the next call.
inline std::string drain_openssl_errors() {
  std::string out;
  unsigned long code = 0;
  char buf[256];
  while ((code = ERR_get_error()) != 0) {
    ERR_error_string_n(code, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

/// Clears OpenSSL's error queue without reporting (on paths where a failure is an expected answer).
inline void clear_openssl_errors() noexcept { ERR_clear_error(); }

/// A read-only memory BIO over `data` (which must outlive the BIO).
inline bio_ptr memory_bio(std::string_view data) {
  bio_ptr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) throw crypto_error("ajwt: BIO_new_mem_buf failed: " + drain_openssl_errors());
  return bio;
}

/// The contents written to a memory BIO.
inline std::string bio_contents(BIO* bio) {
  char* p = nullptr;
  const long n = BIO_get_mem_data(bio, &p);
  return n > 0 ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}

/// Big-endian unsigned bytes of a BIGNUM, left-padded with zeros to `width` when width > 0.
inline std::string bn_to_bytes(const BIGNUM* bn, int width = 0) {
  const int n = BN_num_bytes(bn);
  const int len = width > n ? width : n;
  std::string out(static_cast<std::size_t>(len), '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), len) < 0)
    throw crypto_error("ajwt: BN_bn2binpad failed");
  return out;
}

/// Lower-case hexadecimal of `bytes`.
inline std::string hex_lower(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

/// The digest of `data` under `md` (raw bytes); throws crypto_error if OpenSSL fails.
inline std::string digest_bytes(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1)
    throw crypto_error("ajwt: digest failed: " + drain_openssl_errors());
  return {reinterpret_cast<const char*>(out), len};
}

/// SHA-256 of `data` (raw bytes): key ids, thumbprints, request binding.
inline std::string sha256_bytes(std::string_view data) { return digest_bytes(EVP_sha256(), data); }

/// Fills `out` with `n` bytes from the OS CSPRNG (through OpenSSL's DRBG).
inline void random_bytes(unsigned char* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1)
    throw crypto_error("ajwt: RAND_bytes failed: " + drain_openssl_errors());
}

/// A fixed-size byte buffer wiped with OPENSSL_cleanse when destroyed. It never reallocates, so no
/// unwiped copy of its contents is left behind.
class secret_bytes {
 public:
  explicit secret_bytes(std::size_t n) : bytes_(n) {}
  secret_bytes(const secret_bytes&) = delete;
  secret_bytes& operator=(const secret_bytes&) = delete;
  ~secret_bytes() {
    if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  }
  unsigned char* data() noexcept { return bytes_.data(); }
  const unsigned char* data() const noexcept { return bytes_.data(); }
  std::size_t size() const noexcept { return bytes_.size(); }
  std::string_view view() const noexcept {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }

 private:
  std::vector<unsigned char> bytes_;
};

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_DETAIL_OPENSSL_HPP
