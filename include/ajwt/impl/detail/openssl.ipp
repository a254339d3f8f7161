// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/openssl.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_OPENSSL_IPP
#define AJWT_IMPL_DETAIL_OPENSSL_IPP

#include "../../detail/openssl.hpp"

#include <openssl/params.h>

#include <cstddef>

AJWT_NAMESPACE_BEGIN
namespace detail {

AJWT_DECL void free_bio(BIO* b) { BIO_free_all(b); }

AJWT_DECL void free_bn(BIGNUM* b) { BN_free(b); }

AJWT_DECL void free_secure_bn(BIGNUM* b) { BN_clear_free(b); }

AJWT_DECL void free_params(OSSL_PARAM* p) { OSSL_PARAM_free(p); }

AJWT_DECL std::string drain_openssl_errors() {
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

AJWT_DECL void clear_openssl_errors() noexcept { ERR_clear_error(); }

AJWT_DECL bio_ptr memory_bio(std::string_view data) {
  bio_ptr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) throw crypto_error("ajwt: BIO_new_mem_buf failed: " + drain_openssl_errors());
  return bio;
}

AJWT_DECL std::string bio_contents(BIO* bio) {
  char* p = nullptr;
  const long n = BIO_get_mem_data(bio, &p);
  return n > 0 ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}

AJWT_DECL std::string bn_to_bytes(const BIGNUM* bn, int width) {
  const int n = BN_num_bytes(bn);
  const int len = width > n ? width : n;
  std::string out(static_cast<std::size_t>(len), '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), len) < 0)
    throw crypto_error("ajwt: BN_bn2binpad failed");
  return out;
}

AJWT_DECL std::string hex_lower(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

AJWT_DECL std::string digest_bytes(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (md == nullptr) throw crypto_error("ajwt: OpenSSL has no such digest: " + drain_openssl_errors());
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1)
    throw crypto_error("ajwt: digest failed: " + drain_openssl_errors());
  return {reinterpret_cast<const char*>(out), len};
}

AJWT_DECL std::string sha256_bytes(std::string_view data) {
  return digest_bytes(digests::get().sha256.get(), data);
}

AJWT_DECL param_bld_ptr new_param_builder() {
  param_bld_ptr bld(OSSL_PARAM_BLD_new());
  if (!bld) throw crypto_error("ajwt: OSSL_PARAM_BLD_new failed: " + drain_openssl_errors());
  return bld;
}

AJWT_DECL void check_pushed(int ok) {
  if (ok != 1) throw crypto_error("ajwt: OSSL_PARAM_BLD_push failed: " + drain_openssl_errors());
}

AJWT_DECL pkey_ptr pkey_from_params(const char* type, int selection, OSSL_PARAM* params,
                                    std::string_view source, std::string_view problem) {
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1)
    throw crypto_error("ajwt: EVP_PKEY_fromdata_init failed: " + drain_openssl_errors());
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params) != 1 || raw == nullptr) {
    EVP_PKEY_free(raw);
    clear_openssl_errors();
    if (source.empty()) throw key_error(std::string(problem));
    throw key_error(std::string(source), std::string(problem));
  }
  return pkey_ptr(raw);
}

AJWT_DECL pkey_ptr pkey_from_builder(const char* type, int selection, OSSL_PARAM_BLD* bld,
                                     std::string_view source, std::string_view problem) {
  params_ptr params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) throw crypto_error("ajwt: OSSL_PARAM_BLD_to_param failed: " + drain_openssl_errors());
  return pkey_from_params(type, selection, params.get(), source, problem);
}

AJWT_DECL void random_bytes(unsigned char* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1)
    throw crypto_error("ajwt: RAND_bytes failed: " + drain_openssl_errors());
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_OPENSSL_IPP
