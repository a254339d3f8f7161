// SPDX-License-Identifier: ISC
// JWKS documents (RFC 7517 section 5): load_jwks skips and reports unusable keys, make_jwks publishes keys.
#ifndef AJWT_JWKS_HPP
#define AJWT_JWKS_HPP

#include <openssl/decoder.h>
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
#include <vector>

#include "detail/json.hpp"
#include "detail/key_text.hpp"
#include "error.hpp"
#include "limits.hpp"
#include "public_key.hpp"
#include "version.hpp"

AJWT_NAMESPACE_BEGIN

/// Parses a JWKS document ({"keys": [...]}) into public keys. A key that cannot be used is skipped,
/// as RFC 7517 section 5 asks: an unsupported type, curve or use, an entry that is not a JSON object,
/// and a key of a supported type that is malformed or out of policy (RSA under 2048 bits, an "alg"
/// that does not fit the key, a non-string "kid", a small-order Ed25519 point, ...). Each skip is
/// described in `skipped` when given, so one bad key never keeps a publisher's other keys (or its
/// revocations) from taking effect. Throws key_error for a malformed document (not an object, no
/// "keys" array, more than max_jwks_keys keys) and for a document whose keys are all unusable (an
/// empty "keys" array is valid: the publisher has no keys).
AJWT_DECL std::vector<public_key> load_jwks(std::string_view text,
                                            std::vector<std::string>* skipped = nullptr,
                                            std::string_view source = "JWKS");

/// Reads a JWKS file; see load_jwks.
AJWT_DECL std::vector<public_key> load_jwks_file(const std::filesystem::path& path,
                                                 std::vector<std::string>* skipped = nullptr);

/// A JWKS document {"keys": [...]} holding each key's public JWK.
AJWT_DECL nlohmann::json make_jwks(const std::vector<public_key>& keys);

AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "impl/jwks.ipp"
#endif

#endif  // AJWT_JWKS_HPP
