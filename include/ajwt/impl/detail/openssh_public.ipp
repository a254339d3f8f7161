// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/openssh_public.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_OPENSSH_PUBLIC_IPP
#define AJWT_IMPL_DETAIL_OPENSSH_PUBLIC_IPP

#include "../../detail/openssh_public.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "../../algorithm.hpp"
#include "../../limits.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail::openssh {

AJWT_DECL void check_rsa_public(const BIGNUM* n, const BIGNUM* e) {
  if (BN_num_bits(e) > max_rsa_exponent_bits) throw key_error("the RSA public exponent is too large");
  if (!BN_is_odd(e) || BN_is_one(e)) throw key_error("the RSA public exponent is not an odd number above 1");
  if (!BN_is_odd(n) || BN_cmp(n, e) <= 0)
    throw key_error("the RSA modulus is not an odd number above the exponent");
}

AJWT_DECL pkey_ptr rsa_public_key(const BIGNUM* n, const BIGNUM* e) {
  check_rsa_public(n, e);
  const param_bld_ptr bld = new_param_builder();
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e));
  return pkey_from_builder("RSA", EVP_PKEY_PUBLIC_KEY, bld.get(), {}, "OpenSSL rejected the RSA public key");
}

AJWT_DECL pkey_ptr ed25519_public_key(std::string_view pub) {
  if (pub.size() != 32) throw key_error("the Ed25519 public key is not 32 bytes");
  const param_bld_ptr bld = new_param_builder();
  check_pushed(OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size()));
  return pkey_from_builder("ED25519", EVP_PKEY_PUBLIC_KEY, bld.get(), {},
                           "OpenSSL rejected the Ed25519 public key");
}

AJWT_DECL void check_p256_point_encoding(std::string_view point) {
  if (point.size() != 65 || point[0] != '\x04')
    throw key_error("the EC public key is not an uncompressed P-256 point (65 bytes starting with 0x04)");
}

AJWT_DECL void check_public_key(EVP_PKEY* pkey, std::string_view what) {
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx) throw crypto_error("ajwt: EVP_PKEY_CTX_new_from_pkey failed: " + drain_openssl_errors());
  if (EVP_PKEY_public_check(ctx.get()) != 1) {
    clear_openssl_errors();
    throw key_error(std::string(what));
  }
}

AJWT_DECL pkey_ptr p256_public_key(std::string_view point) {
  check_p256_point_encoding(point);
  const param_bld_ptr bld = new_param_builder();
  check_pushed(OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0));
  check_pushed(
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()));
  constexpr std::string_view off_curve = "the EC point is not on the P-256 curve";
  pkey_ptr key = pkey_from_builder("EC", EVP_PKEY_PUBLIC_KEY, bld.get(), {}, off_curve);
  check_public_key(key.get(), off_curve);
  return key;
}

AJWT_DECL void read_p256_curve(reader& r) {
  const std::string_view curve = r.read_string("curve name");
  if (curve != p256_curve)
    throw key_error("the ecdsa-sha2-nistp256 key names the curve " + printable(curve) + ", not nistp256");
}

AJWT_DECL pkey_ptr read_public_fields(key_type type, reader& r) {
  switch (type) {
    case key_type::rsa: {
      const bn_ptr e = r.read_mpint("RSA public exponent", max_rsa_exponent_bits);
      const bn_ptr n = r.read_mpint("RSA modulus", max_rsa_bits);
      return rsa_public_key(n.get(), e.get());
    }
    case key_type::ed25519: return ed25519_public_key(r.read_string("Ed25519 public key"));
    case key_type::ec_p256: read_p256_curve(r); return p256_public_key(r.read_string("EC public key"));
  }
  throw key_error("unknown key type");
}

AJWT_DECL pkey_ptr parse_public_blob_typed(std::string_view blob, key_type& type) {
  reader r(blob, "OpenSSH public key");
  const std::string_view name = r.read_string("key type");
  const auto t = key_type_from_name(name);
  if (!t) throw_unsupported_type(name);
  pkey_ptr key = read_public_fields(*t, r);
  r.expect_end();
  type = *t;
  return key;
}

AJWT_DECL pkey_ptr parse_public_blob(std::string_view blob) {
  key_type type{};
  return parse_public_blob_typed(blob, type);
}

AJWT_DECL bool is_line_space(char c) noexcept { return c == ' ' || c == '\t'; }

AJWT_DECL bool is_public_line(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size() && is_ascii_space(text[i])) ++i;
  text.remove_prefix(i);
  const auto starts = [&text](std::string_view p) { return text.substr(0, p.size()) == p; };
  if (!starts("ssh-") && !starts("ecdsa-") && !starts("sk-")) return false;
  for (const char c : text) {
    if (is_line_space(c)) return true;
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
  }
  return false;
}

AJWT_DECL pkey_ptr parse_public_line(std::string_view line, std::string* comment) {
  line = trim(line);
  if (line.find_first_of("\r\n") != std::string_view::npos)
    throw key_error("expected one OpenSSH public key line, found several lines");
  std::size_t i = 0;
  while (i < line.size() && !is_line_space(line[i])) ++i;
  const std::string_view word = line.substr(0, i);
  if (word.empty()) throw key_error("empty OpenSSH public key line");
  if (!key_type_from_name(word)) throw_unsupported_type(word);
  while (i < line.size() && is_line_space(line[i])) ++i;
  const std::size_t data_start = i;
  while (i < line.size() && !is_line_space(line[i])) ++i;
  const std::string_view data = line.substr(data_start, i - data_start);
  if (data.empty())
    throw key_error("the OpenSSH public key line has no base64 key data after " + std::string(word));
  const std::string_view rest = trim(line.substr(i));
  const auto decoded = base64_decode(data);
  if (!decoded) throw key_error("invalid base64 in the OpenSSH public key line");
  const std::string& blob = *decoded;
  reader peek(blob, "OpenSSH public key");
  const std::string_view inner = peek.read_string("key type");
  if (inner != word)
    throw key_error("key type mismatch: the line says " + std::string(word) + " but the key inside is " +
                    printable(inner));
  pkey_ptr key = parse_public_blob(blob);
  if (comment) comment->assign(rest.data(), rest.size());
  return key;
}

AJWT_DECL bn_ptr get_bn_param(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1 || raw == nullptr)
    throw key_error("cannot read " + std::string(name) + " from the key: " + drain_openssl_errors());
  return bn_ptr(raw);
}

AJWT_DECL std::string ed25519_public_bytes(const EVP_PKEY* pkey) {
  unsigned char buf[32];
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof buf, &len) != 1 || len != 32)
    throw key_error("cannot read the Ed25519 public key: " + drain_openssl_errors());
  return {reinterpret_cast<const char*>(buf), len};
}

AJWT_DECL std::string p256_public_point(const EVP_PKEY* pkey) {
  char group[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
    clear_openssl_errors();
    throw key_error("the EC key has no named curve; only P-256 keys can be written as OpenSSH keys");
  }
  const std::string_view name(group, len);
  if (name != "prime256v1" && name != "P-256" && name != "secp256r1")
    throw key_error("EC keys on " + printable(name) +
                    " are not supported; only P-256 keys can be written as OpenSSH keys");
  const bn_ptr x = get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X);
  const bn_ptr y = get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
  return std::string(1, '\x04') + bn_to_bytes(x.get(), 32) + bn_to_bytes(y.get(), 32);
}

AJWT_DECL std::string public_blob_typed(const EVP_PKEY* pkey, std::string_view& type) {
  if (pkey == nullptr) throw key_error("no key to write");
  writer w;
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    const bn_ptr n = get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N);
    const bn_ptr e = get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E);
    type = rsa_type;
    w.put_string(type);
    w.put_mpint(e.get());
    w.put_mpint(n.get());
  } else if (EVP_PKEY_is_a(pkey, "ED25519")) {
    type = ed25519_type;
    w.put_string(type);
    w.put_string(ed25519_public_bytes(pkey));
  } else if (EVP_PKEY_is_a(pkey, "EC")) {
    const std::string point = p256_public_point(pkey);
    type = ecdsa_p256_type;
    w.put_string(type);
    w.put_string(p256_curve);
    w.put_string(point);
  } else {
    throw key_error("only RSA, Ed25519 and EC P-256 keys can be written as OpenSSH public keys");
  }
  return w.take();
}

AJWT_DECL std::string public_blob(const EVP_PKEY* pkey) {
  std::string_view type;
  return public_blob_typed(pkey, type);
}

AJWT_DECL std::string write_public_line(const EVP_PKEY* pkey, std::string_view comment) {
  if (comment.find_first_of("\r\n") != std::string_view::npos)
    throw key_error("an OpenSSH public key comment cannot contain a line break");
  std::string_view type;
  const std::string blob = public_blob_typed(pkey, type);
  std::string line(type);
  line += ' ';
  line += base64_encode(blob);
  if (!comment.empty()) {
    line += ' ';
    line += comment;
  }
  return line;
}

}  // namespace detail::openssh
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_OPENSSH_PUBLIC_IPP
