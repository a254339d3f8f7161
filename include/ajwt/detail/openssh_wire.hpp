// SPDX-License-Identifier: ISC
// The SSH wire encoding of OpenSSH keys (RFC 4251 section 5): the key type words, a bounds-checked reader
// and a writer, and a wiped buffer for secrets. Shared by the public and private key formats.
// Internal: namespace ajwt::detail::openssh. Errors are ajwt::key_error naming what is wrong.
#ifndef AJWT_DETAIL_OPENSSH_WIRE_HPP
#define AJWT_DETAIL_OPENSSH_WIRE_HPP

#include <openssl/bn.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../algorithm.hpp"
#include "../error.hpp"
#include "../limits.hpp"
#include "../version.hpp"
#include "openssl.hpp"
#include "text.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail::openssh {

// RSA sizes: ajwt::max_rsa_bits and ajwt::max_rsa_exponent_bits (limits.hpp), as for every loader.
using ajwt::max_rsa_bits;
using ajwt::max_rsa_exponent_bits;
/// Most bcrypt_pbkdf rounds accepted. ssh-keygen defaults to 16 and `-a 100` is a common hardening; one
/// round for an AES-256 key and IV costs about 7 ms (-O2, current x86 core), so this bound refuses a
/// hostile file that would take more than about half a minute of CPU.
inline constexpr std::uint32_t max_bcrypt_rounds = 4096;
/// Largest private key file accepted, in characters: ajwt::max_key_text_bytes, as for every key text.
inline constexpr std::size_t max_private_key_text = ajwt::max_key_text_bytes;

inline constexpr std::string_view rsa_type = "ssh-rsa";
inline constexpr std::string_view ed25519_type = "ssh-ed25519";
inline constexpr std::string_view ecdsa_p256_type = "ecdsa-sha2-nistp256";
inline constexpr std::string_view p256_curve = "nistp256";
inline constexpr std::string_view private_key_begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
inline constexpr std::string_view private_key_end = "-----END OPENSSH PRIVATE KEY-----";
/// The magic at the start of a decoded private key file, NUL included (PROTOCOL.key section 1).
inline constexpr std::string_view private_key_magic{"openssh-key-v1\0", 15};

// The key types OpenSSH files hold are ajwt::key_type (algorithm.hpp): one enum for every format.

/// The key type named by an OpenSSH type word, or nullopt for any other word.
AJWT_DECL std::optional<key_type> key_type_from_name(std::string_view name) noexcept;

/// The OpenSSH type word of a key type.
constexpr std::string_view type_name(key_type type) noexcept {
  switch (type) {
    case key_type::rsa: return rsa_type;
    case key_type::ed25519: return ed25519_type;
    case key_type::ec_p256: return ecdsa_p256_type;
  }
  return "unknown";
}

/// `s` quoted for a message by detail::printable, with "(empty)" for an empty word.
AJWT_DECL std::string printable(std::string_view s);

[[noreturn]] AJWT_DECL void throw_unsupported_type(std::string_view type);

/// Bounds-checked reader of the SSH wire encoding (RFC 4251 section 5). Every read checks the remaining
/// input and throws key_error("truncated <context> (<field>)") when it is short. Strings are returned as
/// views into the input, so a length read from the input never sizes an allocation.
class reader {
 public:
  /// `context` names the structure in messages, e.g. "OpenSSH public key"; it must outlive the reader.
  reader(std::string_view data, std::string_view context) noexcept : data_(data), context_(context) {}

  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  bool at_end() const noexcept { return pos_ == data_.size(); }
  /// The unread input.
  std::string_view rest() const noexcept { return data_.substr(pos_); }

  /// The next `n` raw bytes.
  std::string_view read_bytes(std::size_t n, std::string_view field) {
    if (n > remaining()) truncated(field);
    const std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }

  /// A uint32 in network byte order.
  std::uint32_t read_u32(std::string_view field) {
    const std::string_view b = read_bytes(4, field);
    std::uint32_t v = 0;
    for (const char c : b) v = (v << 8) | static_cast<unsigned char>(c);
    return v;
  }

  /// A uint32 length followed by that many bytes.
  std::string_view read_string(std::string_view field) {
    const std::uint32_t n = read_u32(field);
    return read_bytes(n, field);
  }

  /// A non-negative mpint of at most `max_bits` bits. Rejects negative values and non-minimal encodings
  /// (a leading zero byte that is not needed to keep the value positive); zero is the empty string.
  bn_ptr read_mpint(std::string_view field, int max_bits) {
    const std::string_view m = mpint_magnitude(field, max_bits);
    bn_ptr bn(
        BN_bin2bn(reinterpret_cast<const unsigned char*>(m.data()), static_cast<int>(m.size()), nullptr));
    if (!bn) throw crypto_error("ajwt: BN_bin2bn failed: " + drain_openssl_errors());
    return bn;
  }

  /// As read_mpint, for secret values: the BIGNUM lives in OpenSSL's secure heap (when it is enabled),
  /// is constant-time flagged, and is cleared when freed.
  secure_bn_ptr read_secret_mpint(std::string_view field, int max_bits) {
    const std::string_view m = mpint_magnitude(field, max_bits);
    secure_bn_ptr bn(BN_secure_new());
    if (!bn ||
        !BN_bin2bn(reinterpret_cast<const unsigned char*>(m.data()), static_cast<int>(m.size()), bn.get()))
      throw crypto_error("ajwt: BN_bin2bn failed: " + drain_openssl_errors());
    BN_set_flags(bn.get(), BN_FLG_CONSTTIME);
    return bn;
  }

  /// Throws unless all input has been read.
  void expect_end() const {
    if (!at_end())
      throw key_error(std::to_string(remaining()) +
                      (remaining() == 1 ? " trailing byte" : " trailing bytes") + " after the " +
                      std::string(context_));
  }

 private:
  std::string_view mpint_magnitude(std::string_view field, int max_bits) {
    std::string_view m = read_string(field);
    const auto at = [&m](std::size_t i) { return static_cast<unsigned char>(m[i]); };
    if (!m.empty() && (at(0) & 0x80) != 0) fail(field, "is negative");
    if (!m.empty() && at(0) == 0) {
      if (m.size() == 1 || (at(1) & 0x80) == 0) fail(field, "has a non-minimal encoding");
      m.remove_prefix(1);
    }
    if (m.size() > static_cast<std::size_t>(max_bits + 7) / 8) fail(field, "is too large");
    if (!m.empty()) {
      int bits = static_cast<int>(m.size()) * 8;
      for (unsigned top = at(0); (top & 0x80) == 0; top <<= 1) --bits;  // at(0) != 0 once minimal
      if (bits > max_bits) fail(field, "is too large");
    }
    return m;
  }

  [[noreturn]] void truncated(std::string_view field) const {
    throw key_error("truncated " + std::string(context_) + " (" + std::string(field) + ")");
  }

  [[noreturn]] void fail(std::string_view field, std::string_view what) const {
    throw key_error("the " + std::string(field) + " in the " + std::string(context_) + " " +
                    std::string(what));
  }

  std::string_view data_;
  std::size_t pos_ = 0;
  std::string_view context_;
};

/// Writer of the SSH wire encoding, the inverse of `reader`.
class writer {
 public:
  void put_u32(std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out_ += static_cast<char>((v >> shift) & 0xff);
  }
  void put_string(std::string_view s) {
    put_u32(static_cast<std::uint32_t>(s.size()));
    out_.append(s.data(), s.size());
  }
  /// A non-negative BIGNUM as a minimal mpint.
  void put_mpint(const BIGNUM* bn) {
    if (BN_is_negative(bn)) throw key_error("cannot encode a negative mpint");
    std::string bytes = bn_to_bytes(bn);
    if (!bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80) != 0) bytes.insert(0, 1, '\0');
    put_string(bytes);
  }
  void put_bytes(std::string_view s) { out_.append(s.data(), s.size()); }
  const std::string& data() const noexcept { return out_; }
  std::string take() noexcept { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace detail::openssh
AJWT_NAMESPACE_END

#if !defined(AJWT_SEPARATE_COMPILATION)
#include "../impl/detail/openssh_wire.ipp"
#endif

#endif  // AJWT_DETAIL_OPENSSH_WIRE_HPP
