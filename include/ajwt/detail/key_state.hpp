// SPDX-License-Identifier: ISC
// The state every loaded key shares (key_state) and the key policy every loader applies (classify_key:
// types, sizes, degenerate points), with the fingerprint (kid), SPKI PEM and RFC 7638 thumbprint computed
// once at load. Internal: namespace ajwt::detail.
#ifndef AJWT_DETAIL_KEY_STATE_HPP
#define AJWT_DETAIL_KEY_STATE_HPP

#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../algorithm.hpp"
#include "../error.hpp"
#include "../limits.hpp"
#include "../version.hpp"
#include "base64.hpp"
#include "ed25519.hpp"
#include "json.hpp"
#include "json_write.hpp"
#include "openssh_public.hpp"
#include "openssl.hpp"
#include "sodium.hpp"
#include "text.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

/// A process-unique id for each loaded key, so per-thread caches of prepared OpenSSL contexts can
/// never confuse a new key with a freed one that lived at the same address.
AJWT_DECL std::uint64_t next_key_id() noexcept;

/// Everything a key needs on the hot path, computed once at load and never modified afterwards.
struct key_state {
  std::uint64_t id = next_key_id();
  pkey_ptr pkey;
  key_type type = key_type::rsa;
  int bits = 0;
  std::string spki_pem;    ///< "-----BEGIN PUBLIC KEY-----" form, 64-character lines, final newline
  std::string kid;         ///< lowercase hex SHA-256 of spki_pem (the Python library's fingerprint)
  std::string thumbprint;  ///< RFC 7638 JWK thumbprint, base64url SHA-256
  std::string jwk_kid;     ///< the "kid" the key was published with in a JWK, if any
  std::optional<algorithm> pinned_alg;  ///< the JWK's "alg", if any: then only that algorithm is allowed
  std::array<unsigned char, 32> ed25519_raw{};  ///< Ed25519: the raw public key (RFC 8032), for libsodium
};

/// An Ed25519 secret key in libsodium's form (32-byte seed || 32-byte public key), extracted once when
/// a private key is loaded; wiped when the last copy of the key goes.
struct ed25519_secret {
  unsigned char bytes[64] = {};
  ed25519_secret() = default;
  ed25519_secret(const ed25519_secret&) = delete;
  ed25519_secret& operator=(const ed25519_secret&) = delete;
  ~ed25519_secret() { OPENSSL_cleanse(bytes, sizeof bytes); }
};

struct public_key_access;
struct private_key_access;

[[noreturn]] AJWT_DECL void throw_key_error(std::string_view source, const std::string& what);

/// Refuses text holding more than one PEM block: loading the first and ignoring the rest would drop
/// keys silently. Sets of keys go in an authorized-keys file or a JWKS document.
AJWT_DECL void require_one_pem_block(std::string_view text, std::string_view source);

/// Whether `a` and `b`, the same key material, allow different algorithms: the narrower of the two,
/// or nullopt when neither allows what the other does (pinned to different algorithms).
AJWT_DECL std::optional<bool> first_is_narrower(const std::optional<algorithm>& a,
                                                const std::optional<algorithm>& b);

AJWT_DECL bn_ptr get_bn(const EVP_PKEY* pkey, const char* name);

/// Checks that `pkey` is one of the supported kinds and sizes; returns its type and bits.
/// Throws key_error naming `source` otherwise.
AJWT_DECL key_type classify_key(EVP_PKEY* pkey, std::string_view source, int& bits);

/// The SPKI PEM text of a key, exactly as OpenSSL and Python's cryptography write it.
AJWT_DECL std::string spki_pem_of(EVP_PKEY* pkey);

AJWT_DECL std::string bn_b64(const BIGNUM* bn, int width = 0);

/// The members RFC 7638 section 3 requires of a key's JWK (names and base64url or ASCII values), sorted by
/// name: three for EC and RSA, two for Ed25519 (`size`).
struct required_jwk_members {
  std::array<std::pair<const char*, std::string>, 4> members;
  std::size_t size = 0;
};
AJWT_DECL required_jwk_members required_jwk_members_of(EVP_PKEY* pkey, key_type type);

/// The public members of the key's JWK, in the order RFC 7638 sorts them.
AJWT_DECL nlohmann::json public_jwk_members(EVP_PKEY* pkey, key_type type);

/// The RFC 7638 thumbprint input: the required members, sorted, no whitespace. Written directly (no DOM):
/// every key loaded computes it.
AJWT_DECL std::string jwk_thumbprint_input(EVP_PKEY* pkey, key_type type);

/// Builds the immutable state of a public key from a validated EVP_PKEY (taking a reference).
AJWT_DECL std::shared_ptr<key_state> make_key_state(pkey_ptr pkey, std::string_view source);

}  // namespace detail
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/detail/key_state.ipp"
#endif

#endif  // AJWT_DETAIL_KEY_STATE_HPP
