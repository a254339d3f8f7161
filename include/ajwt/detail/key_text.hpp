// SPDX-License-Identifier: ISC
// Reading key files (bounded, not a directory) and decoding PEM public keys through OpenSSL's decoders
// (private keys: private_pem.hpp, kept off the verify path). Internal: namespace ajwt::detail.
#ifndef AJWT_DETAIL_KEY_TEXT_HPP
#define AJWT_DETAIL_KEY_TEXT_HPP

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

#include "../error.hpp"
#include "../limits.hpp"
#include "../version.hpp"
#include "key_state.hpp"
#include "openssl.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

AJWT_DECL std::string read_key_file(const std::filesystem::path& path);

AJWT_DECL bool contains(std::string_view hay, std::string_view needle) noexcept;

AJWT_DECL pkey_ptr decode_public_pem(std::string_view text, std::string_view source);

}  // namespace detail
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/detail/key_text.ipp"
#endif

#endif  // AJWT_DETAIL_KEY_TEXT_HPP
