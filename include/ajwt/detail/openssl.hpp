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

#include <cstddef>
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

AJWT_DECL void free_bio(BIO* b);
AJWT_DECL void free_bn(BIGNUM* b);
AJWT_DECL void free_secure_bn(BIGNUM* b);
AJWT_DECL void free_params(OSSL_PARAM* p);

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
AJWT_DECL std::string drain_openssl_errors();

/// Clears OpenSSL's error queue without reporting (on paths where a failure is an expected answer).
AJWT_DECL void clear_openssl_errors() noexcept;

/// A read-only memory BIO over `data` (which must outlive the BIO).
AJWT_DECL bio_ptr memory_bio(std::string_view data);

/// The contents written to a memory BIO.
AJWT_DECL std::string bio_contents(BIO* bio);

/// Big-endian unsigned bytes of a BIGNUM, left-padded with zeros to `width` when width > 0.
AJWT_DECL std::string bn_to_bytes(const BIGNUM* bn, int width = 0);

/// Lower-case hexadecimal of `bytes`.
AJWT_DECL std::string hex_lower(std::string_view bytes);

/// Message digests fetched once per process: OpenSSL 3 makes implicit fetches by name costly. Every
/// digest ajwt computes goes through these (signatures, key ids, thumbprints, request binding).
struct digests {
  md_ptr sha256{EVP_MD_fetch(nullptr, "SHA256", nullptr)};
  md_ptr sha384{EVP_MD_fetch(nullptr, "SHA384", nullptr)};
  md_ptr sha512{EVP_MD_fetch(nullptr, "SHA512", nullptr)};
  static const digests& get() {
    static const digests d;
    return d;
  }
};

/// The digest of `data` under `md` (raw bytes); throws crypto_error if OpenSSL fails.
AJWT_DECL std::string digest_bytes(const EVP_MD* md, std::string_view data);

/// SHA-256 of `data` (raw bytes): key ids, thumbprints. base64url of it: body_sha256 and the request
/// binding (request.hpp).
AJWT_DECL std::string sha256_bytes(std::string_view data);

/// A new, empty OSSL_PARAM builder; throws crypto_error when OpenSSL cannot allocate one.
[[nodiscard]] AJWT_DECL param_bld_ptr new_param_builder();

/// Throws crypto_error unless an OSSL_PARAM_BLD_push_* call returned 1 (they fail only to allocate).
AJWT_DECL void check_pushed(int ok);

/// The one way ajwt makes an EVP_PKEY out of numbers, whatever the format they came in (JWK, OpenSSH):
/// a key of `type` ("RSA", "EC", "ED25519") from `params`, `selection` EVP_PKEY_PUBLIC_KEY or
/// EVP_PKEY_KEYPAIR. When OpenSSL refuses the numbers it throws key_error(source, problem) (only `problem`
/// when `source` is empty) and leaves OpenSSL's error queue empty; crypto_error when OpenSSL cannot run.
[[nodiscard]] AJWT_DECL pkey_ptr pkey_from_params(const char* type, int selection, OSSL_PARAM* params,
                                                  std::string_view source, std::string_view problem);

/// As pkey_from_params, from the contents of a filled builder.
[[nodiscard]] AJWT_DECL pkey_ptr pkey_from_builder(const char* type, int selection, OSSL_PARAM_BLD* bld,
                                                   std::string_view source, std::string_view problem);

/// Fills `out` with `n` bytes from the OS CSPRNG (through OpenSSL's DRBG).
AJWT_DECL void random_bytes(unsigned char* out, std::size_t n);

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

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/detail/openssl.ipp"
#endif

#endif  // AJWT_DETAIL_OPENSSL_HPP
