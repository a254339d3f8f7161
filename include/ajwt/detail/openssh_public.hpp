// SPDX-License-Identifier: ISC
// OpenSSH public keys: lines "TYPE BASE64 [COMMENT]" and raw blobs (RFC 4253 section 6.6, RFC 5656 section
// 3.1, RFC 8709 section 4) read into and written from EVP_PKEYs, for ssh-rsa, ssh-ed25519 and
// ecdsa-sha2-nistp256. Internal: namespace ajwt::detail::openssh. Every error is an ajwt::key_error whose
// message names what is wrong but not the source; the caller prefixes the file or field name.
#ifndef AJWT_DETAIL_OPENSSH_PUBLIC_HPP
#define AJWT_DETAIL_OPENSSH_PUBLIC_HPP

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

#include "../algorithm.hpp"
#include "../error.hpp"
#include "../version.hpp"
#include "base64.hpp"
#include "openssh_wire.hpp"
#include "openssl.hpp"
#include "text.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail::openssh {

// ---------------------------------------------------------------------------------------------------------
// Building and reading EVP_PKEYs.

// EVP_PKEYs are built by pkey_from_builder / pkey_from_params (openssl.hpp), as for every format.

/// Structural checks on an RSA public key: 1 < e < n, e odd and at most max_rsa_exponent_bits, n odd and
/// at most max_rsa_bits. The minimum size is policy and lives in keys.hpp.
AJWT_DECL void check_rsa_public(const BIGNUM* n, const BIGNUM* e);

AJWT_DECL pkey_ptr rsa_public_key(const BIGNUM* n, const BIGNUM* e);

AJWT_DECL pkey_ptr ed25519_public_key(std::string_view pub);

/// Throws unless `point` is an uncompressed SEC1 point (65 bytes starting with 0x04), as OpenSSH writes.
AJWT_DECL void check_p256_point_encoding(std::string_view point);

/// Throws key_error unless `pkey` passes OpenSSL's full public key check (for EC: on the curve, in the
/// group).
AJWT_DECL void check_public_key(EVP_PKEY* pkey, std::string_view what);

AJWT_DECL pkey_ptr p256_public_key(std::string_view point);

/// Reads the curve name of an ecdsa-sha2-nistp256 key and checks it matches the type.
AJWT_DECL void read_p256_curve(reader& r);

/// The key from the fields that follow the type string of a public key blob.
AJWT_DECL pkey_ptr read_public_fields(key_type type, reader& r);

/// The key type of a blob and the key; see parse_public_blob.
AJWT_DECL pkey_ptr parse_public_blob_typed(std::string_view blob, key_type& type);

/// Parses the raw public key blob (the decoded base64 of a public line, e.g. as embedded in a private key
/// file): "ssh-rsa" e n | "ssh-ed25519" key | "ecdsa-sha2-nistp256" "nistp256" Q. Rejects unsupported types,
/// truncated, oversized, negative or non-minimal fields, trailing bytes, and EC points not on P-256.
AJWT_DECL pkey_ptr parse_public_blob(std::string_view blob);

AJWT_DECL bool is_line_space(char c) noexcept;

/// True when `text` (after leading whitespace) starts with "ssh-rsa ", "ssh-ed25519 ",
/// "ecdsa-sha2-nistp256 " or another "ssh-"/"ecdsa-"/"sk-" key type word followed by a space or tab (so
/// unsupported types reach parse_public_line and get a precise error).
AJWT_DECL bool is_public_line(std::string_view text) noexcept;

/// Parses one OpenSSH public key line "TYPE BASE64 [COMMENT]" (fields separated by spaces or tabs; leading
/// and trailing whitespace and a trailing newline allowed, but not a second line). Supported types: ssh-rsa,
/// ssh-ed25519, ecdsa-sha2-nistp256; the type word must match the type inside the blob. Stores the comment
/// (possibly empty, inner spaces kept) in `*comment` when `comment` is non-null and parsing succeeds.
AJWT_DECL pkey_ptr parse_public_line(std::string_view line, std::string* comment = nullptr);

// ---------------------------------------------------------------------------------------------------------
// Writing public keys.

AJWT_DECL bn_ptr get_bn_param(const EVP_PKEY* pkey, const char* name);

/// The 32-byte raw public key of an Ed25519 EVP_PKEY.
AJWT_DECL std::string ed25519_public_bytes(const EVP_PKEY* pkey);

/// The uncompressed SEC1 point of a P-256 EVP_PKEY; key_error for other curves.
AJWT_DECL std::string p256_public_point(const EVP_PKEY* pkey);

/// The OpenSSH type word and raw public blob of an RSA, Ed25519 or P-256 key; key_error for other keys.
AJWT_DECL std::string public_blob_typed(const EVP_PKEY* pkey, std::string_view& type);

/// The raw public blob (what write_public_line base64-encodes) of an RSA, Ed25519 or EC P-256 key.
AJWT_DECL std::string public_blob(const EVP_PKEY* pkey);

/// The OpenSSH public line "TYPE BASE64", plus " COMMENT" when `comment` is non-empty (no trailing
/// newline), for RSA, Ed25519 and EC P-256 keys. Throws key_error for other keys and for a comment that
/// holds a line break.
AJWT_DECL std::string write_public_line(const EVP_PKEY* pkey, std::string_view comment = {});

}  // namespace detail::openssh
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/detail/openssh_public.ipp"
#endif

#endif  // AJWT_DETAIL_OPENSSH_PUBLIC_HPP
