// SPDX-License-Identifier: ISC
// OpenSSH key formats: public key lines and blobs (RFC 4253 section 6.6, RFC 5656 section 3.1, RFC 8709
// section 4) and "openssh-key-v1" private key files (OpenSSH's PROTOCOL.key), unencrypted or encrypted with
// bcrypt_pbkdf and AES. Supported key types: ssh-rsa, ssh-ed25519, ecdsa-sha2-nistp256.
// Internal: namespace ajwt::detail::openssh. Every error is an ajwt::key_error whose message names what is
// wrong but not the source; the caller prefixes the file or field name.
#ifndef AJWT_DETAIL_OPENSSH_HPP
#define AJWT_DETAIL_OPENSSH_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../error.hpp"
#include "../limits.hpp"
#include "../version.hpp"
#include "base64.hpp"
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

/// The key types this header reads and writes.
enum class key_type { rsa, ed25519, ecdsa_p256 };

/// The key type named by an OpenSSH type word, or nullopt for any other word.
inline std::optional<key_type> key_type_from_name(std::string_view name) noexcept {
  if (name == rsa_type) return key_type::rsa;
  if (name == ed25519_type) return key_type::ed25519;
  if (name == ecdsa_p256_type) return key_type::ecdsa_p256;
  return std::nullopt;
}

/// The OpenSSH type word of a key type.
constexpr std::string_view type_name(key_type type) noexcept {
  switch (type) {
    case key_type::rsa: return rsa_type;
    case key_type::ed25519: return ed25519_type;
    case key_type::ecdsa_p256: return ecdsa_p256_type;
  }
  return "unknown";
}

/// `s` quoted for a message by detail::printable, with "(empty)" for an empty word.
inline std::string printable(std::string_view s) { return s.empty() ? "(empty)" : detail::printable(s); }

[[noreturn]] inline void throw_unsupported_type(std::string_view type) {
  if (type.empty()) throw key_error("the OpenSSH key has an empty key type");
  throw key_error(printable(type) +
                  " keys are not supported; use ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp256");
}

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

// ---------------------------------------------------------------------------------------------------------
// Blowfish with the Eksblowfish ("expensive") key schedule and OpenBSD's bcrypt_pbkdf, as used by OpenSSH to
// turn a passphrase into a cipher key. Written from the published algorithm descriptions (Schneier 1993;
// Provos and Mazieres 1999; OpenBSD bcrypt_pbkdf(3)).

/// Blowfish's initial P-array (18 words) then S-boxes (4 x 256 words): the fractional hex digits of pi.
inline constexpr std::uint32_t blowfish_pi_words[18 + 4 * 256] = {
    0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0x082efa98, 0xec4e6c89,
    0x452821e6, 0x38d01377, 0xbe5466cf, 0x34e90c6c, 0xc0ac29b7, 0xc97c50dd, 0x3f84d5b5, 0xb5470917,
    0x9216d5d9, 0x8979fb1b, 0xd1310ba6, 0x98dfb5ac, 0x2ffd72db, 0xd01adfb7, 0xb8e1afed, 0x6a267e96,
    0xba7c9045, 0xf12c7f99, 0x24a19947, 0xb3916cf7, 0x0801f2e2, 0x858efc16, 0x636920d8, 0x71574e69,
    0xa458fea3, 0xf4933d7e, 0x0d95748f, 0x728eb658, 0x718bcd58, 0x82154aee, 0x7b54a41d, 0xc25a59b5,
    0x9c30d539, 0x2af26013, 0xc5d1b023, 0x286085f0, 0xca417918, 0xb8db38ef, 0x8e79dcb0, 0x603a180e,
    0x6c9e0e8b, 0xb01e8a3e, 0xd71577c1, 0xbd314b27, 0x78af2fda, 0x55605c60, 0xe65525f3, 0xaa55ab94,
    0x57489862, 0x63e81440, 0x55ca396a, 0x2aab10b6, 0xb4cc5c34, 0x1141e8ce, 0xa15486af, 0x7c72e993,
    0xb3ee1411, 0x636fbc2a, 0x2ba9c55d, 0x741831f6, 0xce5c3e16, 0x9b87931e, 0xafd6ba33, 0x6c24cf5c,
    0x7a325381, 0x28958677, 0x3b8f4898, 0x6b4bb9af, 0xc4bfe81b, 0x66282193, 0x61d809cc, 0xfb21a991,
    0x487cac60, 0x5dec8032, 0xef845d5d, 0xe98575b1, 0xdc262302, 0xeb651b88, 0x23893e81, 0xd396acc5,
    0x0f6d6ff3, 0x83f44239, 0x2e0b4482, 0xa4842004, 0x69c8f04a, 0x9e1f9b5e, 0x21c66842, 0xf6e96c9a,
    0x670c9c61, 0xabd388f0, 0x6a51a0d2, 0xd8542f68, 0x960fa728, 0xab5133a3, 0x6eef0b6c, 0x137a3be4,
    0xba3bf050, 0x7efb2a98, 0xa1f1651d, 0x39af0176, 0x66ca593e, 0x82430e88, 0x8cee8619, 0x456f9fb4,
    0x7d84a5c3, 0x3b8b5ebe, 0xe06f75d8, 0x85c12073, 0x401a449f, 0x56c16aa6, 0x4ed3aa62, 0x363f7706,
    0x1bfedf72, 0x429b023d, 0x37d0d724, 0xd00a1248, 0xdb0fead3, 0x49f1c09b, 0x075372c9, 0x80991b7b,
    0x25d479d8, 0xf6e8def7, 0xe3fe501a, 0xb6794c3b, 0x976ce0bd, 0x04c006ba, 0xc1a94fb6, 0x409f60c4,
    0x5e5c9ec2, 0x196a2463, 0x68fb6faf, 0x3e6c53b5, 0x1339b2eb, 0x3b52ec6f, 0x6dfc511f, 0x9b30952c,
    0xcc814544, 0xaf5ebd09, 0xbee3d004, 0xde334afd, 0x660f2807, 0x192e4bb3, 0xc0cba857, 0x45c8740f,
    0xd20b5f39, 0xb9d3fbdb, 0x5579c0bd, 0x1a60320a, 0xd6a100c6, 0x402c7279, 0x679f25fe, 0xfb1fa3cc,
    0x8ea5e9f8, 0xdb3222f8, 0x3c7516df, 0xfd616b15, 0x2f501ec8, 0xad0552ab, 0x323db5fa, 0xfd238760,
    0x53317b48, 0x3e00df82, 0x9e5c57bb, 0xca6f8ca0, 0x1a87562e, 0xdf1769db, 0xd542a8f6, 0x287effc3,
    0xac6732c6, 0x8c4f5573, 0x695b27b0, 0xbbca58c8, 0xe1ffa35d, 0xb8f011a0, 0x10fa3d98, 0xfd2183b8,
    0x4afcb56c, 0x2dd1d35b, 0x9a53e479, 0xb6f84565, 0xd28e49bc, 0x4bfb9790, 0xe1ddf2da, 0xa4cb7e33,
    0x62fb1341, 0xcee4c6e8, 0xef20cada, 0x36774c01, 0xd07e9efe, 0x2bf11fb4, 0x95dbda4d, 0xae909198,
    0xeaad8e71, 0x6b93d5a0, 0xd08ed1d0, 0xafc725e0, 0x8e3c5b2f, 0x8e7594b7, 0x8ff6e2fb, 0xf2122b64,
    0x8888b812, 0x900df01c, 0x4fad5ea0, 0x688fc31c, 0xd1cff191, 0xb3a8c1ad, 0x2f2f2218, 0xbe0e1777,
    0xea752dfe, 0x8b021fa1, 0xe5a0cc0f, 0xb56f74e8, 0x18acf3d6, 0xce89e299, 0xb4a84fe0, 0xfd13e0b7,
    0x7cc43b81, 0xd2ada8d9, 0x165fa266, 0x80957705, 0x93cc7314, 0x211a1477, 0xe6ad2065, 0x77b5fa86,
    0xc75442f5, 0xfb9d35cf, 0xebcdaf0c, 0x7b3e89a0, 0xd6411bd3, 0xae1e7e49, 0x00250e2d, 0x2071b35e,
    0x226800bb, 0x57b8e0af, 0x2464369b, 0xf009b91e, 0x5563911d, 0x59dfa6aa, 0x78c14389, 0xd95a537f,
    0x207d5ba2, 0x02e5b9c5, 0x83260376, 0x6295cfa9, 0x11c81968, 0x4e734a41, 0xb3472dca, 0x7b14a94a,
    0x1b510052, 0x9a532915, 0xd60f573f, 0xbc9bc6e4, 0x2b60a476, 0x81e67400, 0x08ba6fb5, 0x571be91f,
    0xf296ec6b, 0x2a0dd915, 0xb6636521, 0xe7b9f9b6, 0xff34052e, 0xc5855664, 0x53b02d5d, 0xa99f8fa1,
    0x08ba4799, 0x6e85076a, 0x4b7a70e9, 0xb5b32944, 0xdb75092e, 0xc4192623, 0xad6ea6b0, 0x49a7df7d,
    0x9cee60b8, 0x8fedb266, 0xecaa8c71, 0x699a17ff, 0x5664526c, 0xc2b19ee1, 0x193602a5, 0x75094c29,
    0xa0591340, 0xe4183a3e, 0x3f54989a, 0x5b429d65, 0x6b8fe4d6, 0x99f73fd6, 0xa1d29c07, 0xefe830f5,
    0x4d2d38e6, 0xf0255dc1, 0x4cdd2086, 0x8470eb26, 0x6382e9c6, 0x021ecc5e, 0x09686b3f, 0x3ebaefc9,
    0x3c971814, 0x6b6a70a1, 0x687f3584, 0x52a0e286, 0xb79c5305, 0xaa500737, 0x3e07841c, 0x7fdeae5c,
    0x8e7d44ec, 0x5716f2b8, 0xb03ada37, 0xf0500c0d, 0xf01c1f04, 0x0200b3ff, 0xae0cf51a, 0x3cb574b2,
    0x25837a58, 0xdc0921bd, 0xd19113f9, 0x7ca92ff6, 0x94324773, 0x22f54701, 0x3ae5e581, 0x37c2dadc,
    0xc8b57634, 0x9af3dda7, 0xa9446146, 0x0fd0030e, 0xecc8c73e, 0xa4751e41, 0xe238cd99, 0x3bea0e2f,
    0x3280bba1, 0x183eb331, 0x4e548b38, 0x4f6db908, 0x6f420d03, 0xf60a04bf, 0x2cb81290, 0x24977c79,
    0x5679b072, 0xbcaf89af, 0xde9a771f, 0xd9930810, 0xb38bae12, 0xdccf3f2e, 0x5512721f, 0x2e6b7124,
    0x501adde6, 0x9f84cd87, 0x7a584718, 0x7408da17, 0xbc9f9abc, 0xe94b7d8c, 0xec7aec3a, 0xdb851dfa,
    0x63094366, 0xc464c3d2, 0xef1c1847, 0x3215d908, 0xdd433b37, 0x24c2ba16, 0x12a14d43, 0x2a65c451,
    0x50940002, 0x133ae4dd, 0x71dff89e, 0x10314e55, 0x81ac77d6, 0x5f11199b, 0x043556f1, 0xd7a3c76b,
    0x3c11183b, 0x5924a509, 0xf28fe6ed, 0x97f1fbfa, 0x9ebabf2c, 0x1e153c6e, 0x86e34570, 0xeae96fb1,
    0x860e5e0a, 0x5a3e2ab3, 0x771fe71c, 0x4e3d06fa, 0x2965dcb9, 0x99e71d0f, 0x803e89d6, 0x5266c825,
    0x2e4cc978, 0x9c10b36a, 0xc6150eba, 0x94e2ea78, 0xa5fc3c53, 0x1e0a2df4, 0xf2f74ea7, 0x361d2b3d,
    0x1939260f, 0x19c27960, 0x5223a708, 0xf71312b6, 0xebadfe6e, 0xeac31f66, 0xe3bc4595, 0xa67bc883,
    0xb17f37d1, 0x018cff28, 0xc332ddef, 0xbe6c5aa5, 0x65582185, 0x68ab9802, 0xeecea50f, 0xdb2f953b,
    0x2aef7dad, 0x5b6e2f84, 0x1521b628, 0x29076170, 0xecdd4775, 0x619f1510, 0x13cca830, 0xeb61bd96,
    0x0334fe1e, 0xaa0363cf, 0xb5735c90, 0x4c70a239, 0xd59e9e0b, 0xcbaade14, 0xeecc86bc, 0x60622ca7,
    0x9cab5cab, 0xb2f3846e, 0x648b1eaf, 0x19bdf0ca, 0xa02369b9, 0x655abb50, 0x40685a32, 0x3c2ab4b3,
    0x319ee9d5, 0xc021b8f7, 0x9b540b19, 0x875fa099, 0x95f7997e, 0x623d7da8, 0xf837889a, 0x97e32d77,
    0x11ed935f, 0x16681281, 0x0e358829, 0xc7e61fd6, 0x96dedfa1, 0x7858ba99, 0x57f584a5, 0x1b227263,
    0x9b83c3ff, 0x1ac24696, 0xcdb30aeb, 0x532e3054, 0x8fd948e4, 0x6dbc3128, 0x58ebf2ef, 0x34c6ffea,
    0xfe28ed61, 0xee7c3c73, 0x5d4a14d9, 0xe864b7e3, 0x42105d14, 0x203e13e0, 0x45eee2b6, 0xa3aaabea,
    0xdb6c4f15, 0xfacb4fd0, 0xc742f442, 0xef6abbb5, 0x654f3b1d, 0x41cd2105, 0xd81e799e, 0x86854dc7,
    0xe44b476a, 0x3d816250, 0xcf62a1f2, 0x5b8d2646, 0xfc8883a0, 0xc1c7b6a3, 0x7f1524c3, 0x69cb7492,
    0x47848a0b, 0x5692b285, 0x095bbf00, 0xad19489d, 0x1462b174, 0x23820e00, 0x58428d2a, 0x0c55f5ea,
    0x1dadf43e, 0x233f7061, 0x3372f092, 0x8d937e41, 0xd65fecf1, 0x6c223bdb, 0x7cde3759, 0xcbee7460,
    0x4085f2a7, 0xce77326e, 0xa6078084, 0x19f8509e, 0xe8efd855, 0x61d99735, 0xa969a7aa, 0xc50c06c2,
    0x5a04abfc, 0x800bcadc, 0x9e447a2e, 0xc3453484, 0xfdd56705, 0x0e1e9ec9, 0xdb73dbd3, 0x105588cd,
    0x675fda79, 0xe3674340, 0xc5c43465, 0x713e38d8, 0x3d28f89e, 0xf16dff20, 0x153e21e7, 0x8fb03d4a,
    0xe6e39f2b, 0xdb83adf7, 0xe93d5a68, 0x948140f7, 0xf64c261c, 0x94692934, 0x411520f7, 0x7602d4f7,
    0xbcf46b2e, 0xd4a20068, 0xd4082471, 0x3320f46a, 0x43b7d4b7, 0x500061af, 0x1e39f62e, 0x97244546,
    0x14214f74, 0xbf8b8840, 0x4d95fc1d, 0x96b591af, 0x70f4ddd3, 0x66a02f45, 0xbfbc09ec, 0x03bd9785,
    0x7fac6dd0, 0x31cb8504, 0x96eb27b3, 0x55fd3941, 0xda2547e6, 0xabca0a9a, 0x28507825, 0x530429f4,
    0x0a2c86da, 0xe9b66dfb, 0x68dc1462, 0xd7486900, 0x680ec0a4, 0x27a18dee, 0x4f3ffea2, 0xe887ad8c,
    0xb58ce006, 0x7af4d6b6, 0xaace1e7c, 0xd3375fec, 0xce78a399, 0x406b2a42, 0x20fe9e35, 0xd9f385b9,
    0xee39d7ab, 0x3b124e8b, 0x1dc9faf7, 0x4b6d1856, 0x26a36631, 0xeae397b2, 0x3a6efa74, 0xdd5b4332,
    0x6841e7f7, 0xca7820fb, 0xfb0af54e, 0xd8feb397, 0x454056ac, 0xba489527, 0x55533a3a, 0x20838d87,
    0xfe6ba9b7, 0xd096954b, 0x55a867bc, 0xa1159a58, 0xcca92963, 0x99e1db33, 0xa62a4a56, 0x3f3125f9,
    0x5ef47e1c, 0x9029317c, 0xfdf8e802, 0x04272f70, 0x80bb155c, 0x05282ce3, 0x95c11548, 0xe4c66d22,
    0x48c1133f, 0xc70f86dc, 0x07f9c9ee, 0x41041f0f, 0x404779a4, 0x5d886e17, 0x325f51eb, 0xd59bc0d1,
    0xf2bcc18f, 0x41113564, 0x257b7834, 0x602a9c60, 0xdff8e8a3, 0x1f636c1b, 0x0e12b4c2, 0x02e1329e,
    0xaf664fd1, 0xcad18115, 0x6b2395e0, 0x333e92e1, 0x3b240b62, 0xeebeb922, 0x85b2a20e, 0xe6ba0d99,
    0xde720c8c, 0x2da2f728, 0xd0127845, 0x95b794fd, 0x647d0862, 0xe7ccf5f0, 0x5449a36f, 0x877d48fa,
    0xc39dfd27, 0xf33e8d1e, 0x0a476341, 0x992eff74, 0x3a6f6eab, 0xf4f8fd37, 0xa812dc60, 0xa1ebddf8,
    0x991be14c, 0xdb6e6b0d, 0xc67b5510, 0x6d672c37, 0x2765d43b, 0xdcd0e804, 0xf1290dc7, 0xcc00ffa3,
    0xb5390f92, 0x690fed0b, 0x667b9ffb, 0xcedb7d9c, 0xa091cf0b, 0xd9155ea3, 0xbb132f88, 0x515bad24,
    0x7b9479bf, 0x763bd6eb, 0x37392eb3, 0xcc115979, 0x8026e297, 0xf42e312d, 0x6842ada7, 0xc66a2b3b,
    0x12754ccc, 0x782ef11c, 0x6a124237, 0xb79251e7, 0x06a1bbe6, 0x4bfb6350, 0x1a6b1018, 0x11caedfa,
    0x3d25bdd8, 0xe2e1c3c9, 0x44421659, 0x0a121386, 0xd90cec6e, 0xd5abea2a, 0x64af674e, 0xda86a85f,
    0xbebfe988, 0x64e4c3fe, 0x9dbc8057, 0xf0f7c086, 0x60787bf8, 0x6003604d, 0xd1fd8346, 0xf6381fb0,
    0x7745ae04, 0xd736fccc, 0x83426b33, 0xf01eab71, 0xb0804187, 0x3c005e5f, 0x77a057be, 0xbde8ae24,
    0x55464299, 0xbf582e61, 0x4e58f48f, 0xf2ddfda2, 0xf474ef38, 0x8789bdc2, 0x5366f9c3, 0xc8b38e74,
    0xb475f255, 0x46fcd9b9, 0x7aeb2661, 0x8b1ddf84, 0x846a0e79, 0x915f95e2, 0x466e598e, 0x20b45770,
    0x8cd55591, 0xc902de4c, 0xb90bace1, 0xbb8205d0, 0x11a86248, 0x7574a99e, 0xb77f19b6, 0xe0a9dc09,
    0x662d09a1, 0xc4324633, 0xe85a1f02, 0x09f0be8c, 0x4a99a025, 0x1d6efe10, 0x1ab93d1d, 0x0ba5a4df,
    0xa186f20f, 0x2868f169, 0xdcb7da83, 0x573906fe, 0xa1e2ce9b, 0x4fcd7f52, 0x50115e01, 0xa70683fa,
    0xa002b5c4, 0x0de6d027, 0x9af88c27, 0x773f8641, 0xc3604c06, 0x61a806b5, 0xf0177a28, 0xc0f586e0,
    0x006058aa, 0x30dc7d62, 0x11e69ed7, 0x2338ea63, 0x53c2dd94, 0xc2c21634, 0xbbcbee56, 0x90bcb6de,
    0xebfc7da1, 0xce591d76, 0x6f05e409, 0x4b7c0188, 0x39720a3d, 0x7c927c24, 0x86e3725f, 0x724d9db9,
    0x1ac15bb4, 0xd39eb8fc, 0xed545578, 0x08fca5b5, 0xd83d7cd3, 0x4dad0fc4, 0x1e50ef5e, 0xb161e6f8,
    0xa28514d9, 0x6c51133c, 0x6fd5c7e7, 0x56e14ec4, 0x362abfce, 0xddc6c837, 0xd79a3234, 0x92638212,
    0x670efa8e, 0x406000e0, 0x3a39ce37, 0xd3faf5cf, 0xabc27737, 0x5ac52d1b, 0x5cb0679e, 0x4fa33742,
    0xd3822740, 0x99bc9bbe, 0xd5118e9d, 0xbf0f7315, 0xd62d1c7e, 0xc700c47b, 0xb78c1b6b, 0x21a19045,
    0xb26eb1be, 0x6a366eb4, 0x5748ab2f, 0xbc946e79, 0xc6a376d2, 0x6549c2c8, 0x530ff8ee, 0x468dde7d,
    0xd5730a1d, 0x4cd04dc6, 0x2939bbdb, 0xa9ba4650, 0xac9526e8, 0xbe5ee304, 0xa1fad5f0, 0x6a2d519a,
    0x63ef8ce2, 0x9a86ee22, 0xc089c2b8, 0x43242ef6, 0xa51e03aa, 0x9cf2d0a4, 0x83c061ba, 0x9be96a4d,
    0x8fe51550, 0xba645bd6, 0x2826a2f9, 0xa73a3ae1, 0x4ba99586, 0xef5562e9, 0xc72fefd3, 0xf752f7da,
    0x3f046f69, 0x77fa0a59, 0x80e4a915, 0x87b08601, 0x9b09e6ad, 0x3b3ee593, 0xe990fd5a, 0x9e34d797,
    0x2cf0b7d9, 0x022b8b51, 0x96d5ac3a, 0x017da67d, 0xd1cf3ed6, 0x7c7d2d28, 0x1f9f25cf, 0xadf2b89b,
    0x5ad6b472, 0x5a88f54c, 0xe029ac71, 0xe019a5e6, 0x47b0acfd, 0xed93fa9b, 0xe8d3c48d, 0x283b57cc,
    0xf8d56629, 0x79132e28, 0x785f0191, 0xed756055, 0xf7960e44, 0xe3d35e8c, 0x15056dd4, 0x88f46dba,
    0x03a16125, 0x0564f0bd, 0xc3eb9e15, 0x3c9057a2, 0x97271aec, 0xa93a072a, 0x1b3f6d9b, 0x1e6321f5,
    0xf59c66fb, 0x26dcf319, 0x7533d928, 0xb155fdf5, 0x03563482, 0x8aba3cbb, 0x28517711, 0xc20ad9f8,
    0xabcc5167, 0xccad925f, 0x4de81751, 0x3830dc8e, 0x379d5862, 0x9320f991, 0xea7a90c2, 0xfb3e7bce,
    0x5121ce64, 0x774fbe32, 0xa8b6e37e, 0xc3293d46, 0x48de5369, 0x6413e680, 0xa2ae0810, 0xdd6db224,
    0x69852dfd, 0x09072166, 0xb39a460a, 0x6445c0dd, 0x586cdecf, 0x1c20c8ae, 0x5bbef7dd, 0x1b588d40,
    0xccd2017f, 0x6bb4e3bb, 0xdda26a7e, 0x3a59ff45, 0x3e350a44, 0xbcb4cdd5, 0x72eacea8, 0xfa6484bb,
    0x8d6612ae, 0xbf3c6f47, 0xd29be463, 0x542f5d9e, 0xaec2771b, 0xf64e6370, 0x740e0d8d, 0xe75b1357,
    0xf8721671, 0xaf537d5d, 0x4040cb08, 0x4eb4e2cc, 0x34d2466a, 0x0115af84, 0xe1b00428, 0x95983a1d,
    0x06b89fb4, 0xce6ea048, 0x6f3f3b82, 0x3520ab82, 0x011a1d4b, 0x277227f8, 0x611560b1, 0xe7933fdc,
    0xbb3a792b, 0x344525bd, 0xa08839e1, 0x51ce794b, 0x2f32c9b7, 0xa01fbac9, 0xe01cc87e, 0xbcc7d1f6,
    0xcf0111c3, 0xa1e8aac7, 0x1a908749, 0xd44fbd9a, 0xd0dadecb, 0xd50ada38, 0x0339c32a, 0xc6913667,
    0x8df9317c, 0xe0b12b4f, 0xf79e59b7, 0x43f5bb3a, 0xf2d519ff, 0x27d9459c, 0xbf97222c, 0x15e6fc2a,
    0x0f91fc71, 0x9b941525, 0xfae59361, 0xceb69ceb, 0xc2a86459, 0x12baa8d1, 0xb6c1075e, 0xe3056a0c,
    0x10d25065, 0xcb03a442, 0xe0ec6e0e, 0x1698db3b, 0x4c98a0be, 0x3278e964, 0x9f1f9532, 0xe0d392df,
    0xd3a0342b, 0x8971f21e, 0x1b0a7441, 0x4ba3348c, 0xc5be7120, 0xc37632d8, 0xdf359f8d, 0x9b992f2e,
    0xe60b6f47, 0x0fe3f11d, 0xe54cda54, 0x1edad891, 0xce6279cf, 0xcd3e7e6f, 0x1618b166, 0xfd2c1d05,
    0x848fd2c5, 0xf6fb2299, 0xf523f357, 0xa6327623, 0x93a83531, 0x56cccd02, 0xacf08162, 0x5a75ebb5,
    0x6e163697, 0x88d273cc, 0xde966292, 0x81b949d0, 0x4c50901b, 0x71c65614, 0xe6c6c7bd, 0x327a140a,
    0x45e1d006, 0xc3f27b9a, 0xc9aa53fd, 0x62a80f00, 0xbb25bfe2, 0x35bdd2f6, 0x71126905, 0xb2040222,
    0xb6cbcf7c, 0xcd769c2b, 0x53113ec0, 0x1640e3d3, 0x38abbd60, 0x2547adf0, 0xba38209c, 0xf746ce76,
    0x77afa1c5, 0x20756060, 0x85cbfe4e, 0x8ae88dd8, 0x7aaaf9b0, 0x4cf9aa7e, 0x1948c25c, 0x02fb8a8c,
    0x01c36ae4, 0xd6ebe1f9, 0x90d4f869, 0xa65cdea0, 0x3f09252d, 0xc208e69f, 0xb74e6132, 0xce77e25b,
    0x578fdfe3, 0x3ac372e6,
};

struct blowfish_state {
  std::uint32_t p[18];
  std::uint32_t s[4][256];
};

inline void blowfish_init(blowfish_state& st) noexcept {
  std::memcpy(st.p, blowfish_pi_words, sizeof st.p);
  std::memcpy(st.s, blowfish_pi_words + 18, sizeof st.s);
}

inline std::uint32_t blowfish_f(const blowfish_state& st, std::uint32_t x) noexcept {
  return ((st.s[0][x >> 24] + st.s[1][(x >> 16) & 0xff]) ^ st.s[2][(x >> 8) & 0xff]) + st.s[3][x & 0xff];
}

/// Encrypts the 64-bit block (left, right) in place: 16 Feistel rounds.
inline void blowfish_encrypt(const blowfish_state& st, std::uint32_t& left, std::uint32_t& right) noexcept {
  std::uint32_t l = left ^ st.p[0], r = right;
  for (int i = 1; i <= 16; i += 2) {
    r ^= blowfish_f(st, l) ^ st.p[i];
    l ^= blowfish_f(st, r) ^ st.p[i + 1];
  }
  left = r ^ st.p[17];
  right = l;
}

/// The next big-endian word of `data`, read cyclically from `pos` (`len` must be non-zero).
inline std::uint32_t blowfish_stream_word(const unsigned char* data, std::size_t len,
                                          std::size_t& pos) noexcept {
  std::uint32_t w = 0;
  for (int i = 0; i < 4; ++i) {
    if (pos >= len) pos = 0;
    w = (w << 8) | data[pos++];
  }
  return w;
}

/// The Eksblowfish key expansion: XORs `key` (cyclically) into the P-array, then replaces P and the S-boxes
/// by successive encryptions of a running block, which is first XORed with the next 8 bytes of `salt` when
/// salt_len > 0. With salt_len == 0 this is the plain Blowfish key schedule.
inline void blowfish_expand(blowfish_state& st, const unsigned char* key, std::size_t key_len,
                            const unsigned char* salt, std::size_t salt_len) noexcept {
  std::size_t pos = 0;
  for (auto& word : st.p) word ^= blowfish_stream_word(key, key_len, pos);
  std::uint32_t l = 0, r = 0;
  pos = 0;
  const auto next = [&](std::uint32_t& a, std::uint32_t& b) {
    if (salt_len > 0) {
      l ^= blowfish_stream_word(salt, salt_len, pos);
      r ^= blowfish_stream_word(salt, salt_len, pos);
    }
    blowfish_encrypt(st, l, r);
    a = l;
    b = r;
  };
  for (int i = 0; i < 18; i += 2) next(st.p[i], st.p[i + 1]);
  for (auto& box : st.s)
    for (int i = 0; i < 256; i += 2) next(box[i], box[i + 1]);
}

/// OpenBSD's bcrypt_hash: Eksblowfish keyed by the SHA-512 digests of passphrase and salt (64 expensive
/// rounds), then 64 encryptions of "OxychromaticBlowfishSwatDynamite"; the words are output little-endian.
inline void bcrypt_hash(const unsigned char* sha2pass, const unsigned char* sha2salt, unsigned char* out) {
  blowfish_state st;
  blowfish_init(st);
  blowfish_expand(st, sha2pass, 64, sha2salt, 64);
  for (int i = 0; i < 64; ++i) {
    blowfish_expand(st, sha2salt, 64, nullptr, 0);
    blowfish_expand(st, sha2pass, 64, nullptr, 0);
  }
  static constexpr char magic[] = "OxychromaticBlowfishSwatDynamite";
  std::uint32_t block[8];
  std::size_t pos = 0;
  for (auto& word : block)
    word = blowfish_stream_word(reinterpret_cast<const unsigned char*>(magic), 32, pos);
  for (int i = 0; i < 64; ++i)
    for (int j = 0; j < 8; j += 2) blowfish_encrypt(st, block[j], block[j + 1]);
  for (int i = 0; i < 8; ++i)
    for (int b = 0; b < 4; ++b) out[4 * i + b] = static_cast<unsigned char>(block[i] >> (8 * b));
  OPENSSL_cleanse(&st, sizeof st);
  OPENSSL_cleanse(block, sizeof block);
}

inline void sha512(const void* data, std::size_t len, unsigned char* out) {
  unsigned int n = 0;
  if (EVP_Digest(data, len, out, &n, EVP_sha512(), nullptr) != 1 || n != 64)
    throw crypto_error("ajwt: SHA-512 failed: " + drain_openssl_errors());
}

/// OpenBSD's bcrypt_pbkdf: fills `key` (1 to 1024 bytes) from the passphrase and salt (both non-empty)
/// with `rounds` >= 1 iterations of bcrypt_hash per 32-byte block; output bytes are interleaved across
/// blocks. Throws key_error on out-of-range arguments.
inline void bcrypt_pbkdf(std::string_view pass, std::string_view salt, std::uint32_t rounds,
                         unsigned char* key, std::size_t key_len) {
  constexpr std::size_t block = 32;
  if (pass.empty() || salt.empty() || rounds == 0 || key_len == 0 || key_len > block * block)
    throw key_error("bcrypt_pbkdf: invalid arguments");
  const std::size_t stride = (key_len + block - 1) / block;
  std::size_t amount = (key_len + stride - 1) / stride;
  secret_bytes sha2pass(64), sha2salt(64), tmp(block), out(block);
  sha512(pass.data(), pass.size(), sha2pass.data());
  std::vector<unsigned char> count_salt(salt.begin(), salt.end());
  count_salt.resize(salt.size() + 4);
  std::size_t left = key_len;
  for (std::uint32_t count = 1; left > 0; ++count) {
    for (std::size_t b = 0; b < 4; ++b)
      count_salt[salt.size() + b] = static_cast<unsigned char>(count >> (24 - 8 * b));
    sha512(count_salt.data(), count_salt.size(), sha2salt.data());
    bcrypt_hash(sha2pass.data(), sha2salt.data(), tmp.data());
    std::memcpy(out.data(), tmp.data(), block);
    for (std::uint32_t r = 1; r < rounds; ++r) {
      sha512(tmp.data(), block, sha2salt.data());
      bcrypt_hash(sha2pass.data(), sha2salt.data(), tmp.data());
      for (std::size_t j = 0; j < block; ++j) out.data()[j] ^= tmp.data()[j];
    }
    amount = std::min(amount, left);
    std::size_t i = 0;
    for (; i < amount; ++i) {
      const std::size_t dest = i * stride + (count - 1);
      if (dest >= key_len) break;
      key[dest] = out.data()[i];
    }
    left -= i;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Building and reading EVP_PKEYs.

/// An EVP_PKEY of `type` ("RSA", "ED25519", "EC") from `params`; key_error(`what`) when OpenSSL refuses.
inline pkey_ptr pkey_from_params(const char* type, int selection, OSSL_PARAM* params, std::string_view what) {
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0)
    throw crypto_error("ajwt: EVP_PKEY_fromdata_init failed: " + drain_openssl_errors());
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params) <= 0 || raw == nullptr) {
    clear_openssl_errors();
    throw key_error(std::string(what));
  }
  return pkey_ptr(raw);
}

/// As pkey_from_params, from a filled builder.
inline pkey_ptr pkey_from_builder(const char* type, int selection, OSSL_PARAM_BLD* bld,
                                  std::string_view what) {
  params_ptr params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) throw crypto_error("ajwt: OSSL_PARAM_BLD_to_param failed: " + drain_openssl_errors());
  return pkey_from_params(type, selection, params.get(), what);
}

inline param_bld_ptr new_param_builder() {
  param_bld_ptr bld(OSSL_PARAM_BLD_new());
  if (!bld) throw crypto_error("ajwt: OSSL_PARAM_BLD_new failed: " + drain_openssl_errors());
  return bld;
}

inline void check_pushed(int ok) {
  if (ok != 1) throw crypto_error("ajwt: OSSL_PARAM_BLD_push failed: " + drain_openssl_errors());
}

/// Structural checks on an RSA public key: 1 < e < n, e odd and at most max_rsa_exponent_bits, n odd and
/// at most max_rsa_bits. The minimum size is policy and lives in keys.hpp.
inline void check_rsa_public(const BIGNUM* n, const BIGNUM* e) {
  if (BN_num_bits(e) > max_rsa_exponent_bits) throw key_error("the RSA public exponent is too large");
  if (!BN_is_odd(e) || BN_is_one(e)) throw key_error("the RSA public exponent is not an odd number above 1");
  if (!BN_is_odd(n) || BN_cmp(n, e) <= 0)
    throw key_error("the RSA modulus is not an odd number above the exponent");
}

inline pkey_ptr rsa_public_key(const BIGNUM* n, const BIGNUM* e) {
  check_rsa_public(n, e);
  const param_bld_ptr bld = new_param_builder();
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e));
  return pkey_from_builder("RSA", EVP_PKEY_PUBLIC_KEY, bld.get(), "OpenSSL rejected the RSA public key");
}

inline pkey_ptr ed25519_public_key(std::string_view pub) {
  if (pub.size() != 32) throw key_error("the Ed25519 public key is not 32 bytes");
  const param_bld_ptr bld = new_param_builder();
  check_pushed(OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size()));
  return pkey_from_builder("ED25519", EVP_PKEY_PUBLIC_KEY, bld.get(),
                           "OpenSSL rejected the Ed25519 public key");
}

/// Throws unless `point` is an uncompressed SEC1 point (65 bytes starting with 0x04), as OpenSSH writes.
inline void check_p256_point_encoding(std::string_view point) {
  if (point.size() != 65 || point[0] != '\x04')
    throw key_error("the EC public key is not an uncompressed P-256 point (65 bytes starting with 0x04)");
}

/// Throws key_error unless `pkey` passes OpenSSL's full public key check (for EC: on the curve, in the
/// group).
inline void check_public_key(EVP_PKEY* pkey, std::string_view what) {
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx) throw crypto_error("ajwt: EVP_PKEY_CTX_new_from_pkey failed: " + drain_openssl_errors());
  if (EVP_PKEY_public_check(ctx.get()) != 1) {
    clear_openssl_errors();
    throw key_error(std::string(what));
  }
}

inline pkey_ptr p256_public_key(std::string_view point) {
  check_p256_point_encoding(point);
  const param_bld_ptr bld = new_param_builder();
  check_pushed(OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0));
  check_pushed(
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()));
  constexpr std::string_view off_curve = "the EC point is not on the P-256 curve";
  pkey_ptr key = pkey_from_builder("EC", EVP_PKEY_PUBLIC_KEY, bld.get(), off_curve);
  check_public_key(key.get(), off_curve);
  return key;
}

/// Reads the curve name of an ecdsa-sha2-nistp256 key and checks it matches the type.
inline void read_p256_curve(reader& r) {
  const std::string_view curve = r.read_string("curve name");
  if (curve != p256_curve)
    throw key_error("the ecdsa-sha2-nistp256 key names the curve " + printable(curve) + ", not nistp256");
}

/// The key from the fields that follow the type string of a public key blob.
inline pkey_ptr read_public_fields(key_type type, reader& r) {
  switch (type) {
    case key_type::rsa: {
      const bn_ptr e = r.read_mpint("RSA public exponent", max_rsa_exponent_bits);
      const bn_ptr n = r.read_mpint("RSA modulus", max_rsa_bits);
      return rsa_public_key(n.get(), e.get());
    }
    case key_type::ed25519: return ed25519_public_key(r.read_string("Ed25519 public key"));
    case key_type::ecdsa_p256: read_p256_curve(r); return p256_public_key(r.read_string("EC public key"));
  }
  throw key_error("unknown key type");
}

/// The key type of a blob and the key; see parse_public_blob.
inline pkey_ptr parse_public_blob_typed(std::string_view blob, key_type& type) {
  reader r(blob, "OpenSSH public key");
  const std::string_view name = r.read_string("key type");
  const auto t = key_type_from_name(name);
  if (!t) throw_unsupported_type(name);
  pkey_ptr key = read_public_fields(*t, r);
  r.expect_end();
  type = *t;
  return key;
}

/// Parses the raw public key blob (the decoded base64 of a public line, e.g. as embedded in a private key
/// file): "ssh-rsa" e n | "ssh-ed25519" key | "ecdsa-sha2-nistp256" "nistp256" Q. Rejects unsupported types,
/// truncated, oversized, negative or non-minimal fields, trailing bytes, and EC points not on P-256.
inline pkey_ptr parse_public_blob(std::string_view blob) {
  key_type type{};
  return parse_public_blob_typed(blob, type);
}

inline bool is_line_space(char c) noexcept { return c == ' ' || c == '\t'; }

/// True when `text` (after leading whitespace) starts with "ssh-rsa ", "ssh-ed25519 ",
/// "ecdsa-sha2-nistp256 " or another "ssh-"/"ecdsa-"/"sk-" key type word followed by a space or tab (so
/// unsupported types reach parse_public_line and get a precise error).
inline bool is_public_line(std::string_view text) noexcept {
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

/// Parses one OpenSSH public key line "TYPE BASE64 [COMMENT]" (fields separated by spaces or tabs; leading
/// and trailing whitespace and a trailing newline allowed, but not a second line). Supported types: ssh-rsa,
/// ssh-ed25519, ecdsa-sha2-nistp256; the type word must match the type inside the blob. Stores the comment
/// (possibly empty, inner spaces kept) in `*comment` when `comment` is non-null and parsing succeeds.
inline pkey_ptr parse_public_line(std::string_view line, std::string* comment = nullptr) {
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
  std::string blob;
  if (!base64_decode(data, blob)) throw key_error("invalid base64 in the OpenSSH public key line");
  reader peek(blob, "OpenSSH public key");
  const std::string_view inner = peek.read_string("key type");
  if (inner != word)
    throw key_error("key type mismatch: the line says " + std::string(word) + " but the key inside is " +
                    printable(inner));
  pkey_ptr key = parse_public_blob(blob);
  if (comment) comment->assign(rest.data(), rest.size());
  return key;
}

// ---------------------------------------------------------------------------------------------------------
// Writing public keys.

inline bn_ptr get_bn_param(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1 || raw == nullptr)
    throw key_error("cannot read " + std::string(name) + " from the key: " + drain_openssl_errors());
  return bn_ptr(raw);
}

/// The 32-byte raw public key of an Ed25519 EVP_PKEY.
inline std::string ed25519_public_bytes(const EVP_PKEY* pkey) {
  unsigned char buf[32];
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof buf, &len) != 1 || len != 32)
    throw key_error("cannot read the Ed25519 public key: " + drain_openssl_errors());
  return {reinterpret_cast<const char*>(buf), len};
}

/// The uncompressed SEC1 point of a P-256 EVP_PKEY; key_error for other curves.
inline std::string p256_public_point(const EVP_PKEY* pkey) {
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

/// The OpenSSH type word and raw public blob of an RSA, Ed25519 or P-256 key; key_error for other keys.
inline std::string public_blob_typed(const EVP_PKEY* pkey, std::string_view& type) {
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

/// The raw public blob (what write_public_line base64-encodes) of an RSA, Ed25519 or EC P-256 key.
inline std::string public_blob(const EVP_PKEY* pkey) {
  std::string_view type;
  return public_blob_typed(pkey, type);
}

/// The OpenSSH public line "TYPE BASE64", plus " COMMENT" when `comment` is non-empty (no trailing
/// newline), for RSA, Ed25519 and EC P-256 keys. Throws key_error for other keys and for a comment that
/// holds a line break.
inline std::string write_public_line(const EVP_PKEY* pkey, std::string_view comment = {}) {
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

// ---------------------------------------------------------------------------------------------------------
// Private key files.

/// True when `text` contains "-----BEGIN OPENSSH PRIVATE KEY-----".
inline bool is_private_key(std::string_view text) noexcept {
  return text.find(private_key_begin) != std::string_view::npos;
}

/// An OpenSSH cipher for private key files and its EVP equivalent. The bcrypt_pbkdf output is the key
/// followed by the IV; the authentication tag (tag_len bytes) follows the encrypted section in the file.
struct cipher_spec {
  std::string_view name;
  const char* evp_name;
  std::size_t key_len;
  std::size_t iv_len;
  std::size_t block_size;
  std::size_t tag_len;
  bool openssh_chacha_poly;  ///< OpenSSH's own ChaCha20-Poly1305 construction (PROTOCOL.chacha20poly1305)
};

/// The ciphers supported for encrypted private keys (ssh-keygen writes aes256-ctr by default). Of what
/// OpenSSH 9 offers, only 3des-cbc is missing.
inline constexpr cipher_spec private_key_ciphers[] = {
    {"aes128-ctr", "AES-128-CTR", 16, 16, 16, 0, false},
    {"aes192-ctr", "AES-192-CTR", 24, 16, 16, 0, false},
    {"aes256-ctr", "AES-256-CTR", 32, 16, 16, 0, false},
    {"aes128-cbc", "AES-128-CBC", 16, 16, 16, 0, false},
    {"aes192-cbc", "AES-192-CBC", 24, 16, 16, 0, false},
    {"aes256-cbc", "AES-256-CBC", 32, 16, 16, 0, false},
    {"aes128-gcm@openssh.com", "AES-128-GCM", 16, 12, 16, 16, false},
    {"aes256-gcm@openssh.com", "AES-256-GCM", 32, 12, 16, 16, false},
    {"chacha20-poly1305@openssh.com", "ChaCha20", 64, 0, 8, 16, true},
};

inline const cipher_spec* find_private_key_cipher(std::string_view name) noexcept {
  for (const auto& c : private_key_ciphers)
    if (c.name == name) return &c;
  return nullptr;
}

/// Runs raw ChaCha20 (OpenSSL's 16-byte IV: 32-bit little-endian block counter, then 96-bit nonce) over
/// `in` into `out`.
inline void chacha20_xor(const unsigned char* key, const unsigned char* iv16, const unsigned char* in,
                         std::size_t len, unsigned char* out) {
  cipher_ptr cipher(EVP_CIPHER_fetch(nullptr, "ChaCha20", nullptr));
  cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
  int n = 0;
  if (!cipher || !ctx || EVP_EncryptInit_ex2(ctx.get(), cipher.get(), key, iv16, nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out, &n, in, static_cast<int>(len)) != 1 ||
      static_cast<std::size_t>(n) != len)
    throw crypto_error("ajwt: ChaCha20 failed: " + drain_openssl_errors());
}

/// OpenSSH's chacha20-poly1305@openssh.com for one message with sequence number 0 and no length header,
/// as used for private key files: the Poly1305 key is the first 32 bytes of the ChaCha20 keystream (main
/// key = first 32 key bytes, 64-bit nonce 0, block 0); the tag covers the ciphertext; the data is
/// encrypted from block 1. Returns false when the tag does not verify.
inline bool openssh_chacha_poly_decrypt(const unsigned char* key, std::string_view in, std::string_view tag,
                                        unsigned char* out) {
  // DJB's layout (64-bit counter, 64-bit nonce) maps onto OpenSSL's IV as counter || nonce, little-endian.
  unsigned char iv[16] = {};
  secret_bytes poly_key(32);
  chacha20_xor(key, iv, poly_key.data(), poly_key.size(), poly_key.data());
  std::unique_ptr<EVP_MAC, ossl_deleter<EVP_MAC, EVP_MAC_free>> mac(
      EVP_MAC_fetch(nullptr, "POLY1305", nullptr));
  std::unique_ptr<EVP_MAC_CTX, ossl_deleter<EVP_MAC_CTX, EVP_MAC_CTX_free>> mctx(
      mac ? EVP_MAC_CTX_new(mac.get()) : nullptr);
  unsigned char expected[16];
  std::size_t expected_len = 0;
  const auto* src = reinterpret_cast<const unsigned char*>(in.data());
  if (!mctx || EVP_MAC_init(mctx.get(), poly_key.data(), poly_key.size(), nullptr) != 1 ||
      EVP_MAC_update(mctx.get(), src, in.size()) != 1 ||
      EVP_MAC_final(mctx.get(), expected, &expected_len, sizeof expected) != 1 || expected_len != 16)
    throw crypto_error("ajwt: Poly1305 failed: " + drain_openssl_errors());
  if (tag.size() != 16 || CRYPTO_memcmp(expected, tag.data(), 16) != 0) return false;
  iv[0] = 1;
  chacha20_xor(key, iv, src, in.size(), out);
  return true;
}

/// Decrypts `in` into `out` (in.size() bytes). Returns false when an AEAD tag does not verify.
inline bool decrypt_private_section(const cipher_spec& c, const unsigned char* key, const unsigned char* iv,
                                    std::string_view in, std::string_view tag, unsigned char* out) {
  if (c.openssh_chacha_poly) return openssh_chacha_poly_decrypt(key, in, tag, out);
  cipher_ptr cipher(EVP_CIPHER_fetch(nullptr, c.evp_name, nullptr));
  cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
  if (!cipher || !ctx || EVP_DecryptInit_ex2(ctx.get(), cipher.get(), key, iv, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1)
    throw crypto_error("ajwt: cannot set up " + std::string(c.evp_name) + ": " + drain_openssl_errors());
  if (c.tag_len > 0) {
    unsigned char tag_copy[16];
    std::memcpy(tag_copy, tag.data(), c.tag_len);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag_copy, c.tag_len),
                           OSSL_PARAM_construct_end()};
    if (EVP_CIPHER_CTX_set_params(ctx.get(), params) != 1)
      throw crypto_error("ajwt: cannot set the GCM tag: " + drain_openssl_errors());
  }
  int n = 0, final_n = 0;
  const auto* src = reinterpret_cast<const unsigned char*>(in.data());
  if (EVP_DecryptUpdate(ctx.get(), out, &n, src, static_cast<int>(in.size())) != 1)
    throw crypto_error("ajwt: " + std::string(c.evp_name) + " decryption failed: " + drain_openssl_errors());
  // Padding is off and the input is whole blocks, so everything is out after the update.
  if (static_cast<std::size_t>(n) != in.size())
    throw crypto_error("ajwt: " + std::string(c.evp_name) + " decryption returned a short result");
  unsigned char final_block[32];
  if (EVP_DecryptFinal_ex(ctx.get(), final_block, &final_n) != 1) {
    clear_openssl_errors();
    if (c.tag_len > 0) return false;
    throw crypto_error("ajwt: " + std::string(c.evp_name) + " decryption failed");
  }
  return true;
}

/// The decoded binary of the first "-----BEGIN OPENSSH PRIVATE KEY-----" block of `text` (line breaks and
/// spaces inside the block ignored, strict base64 otherwise). The result holds key material: the caller
/// wipes it.
inline void decode_private_key_text(std::string_view text, std::string& binary) {
  if (text.size() > max_private_key_text)
    throw key_error("the OpenSSH private key file is larger than " + std::to_string(max_private_key_text) +
                    " bytes");
  const std::size_t begin = text.find(private_key_begin);
  if (begin == std::string_view::npos)
    throw key_error("not an OpenSSH private key: no " + std::string(private_key_begin) + " line");
  const std::size_t body = begin + private_key_begin.size();
  const std::size_t end = text.find(private_key_end, body);
  if (end == std::string_view::npos)
    throw key_error("truncated OpenSSH private key: no " + std::string(private_key_end) + " line");
  if (text.find(private_key_begin, end) != std::string_view::npos)
    throw key_error("the file holds more than one OpenSSH private key; exactly one is supported");
  std::string b64;
  b64.reserve(end - body);
  for (std::size_t i = body; i < end; ++i)
    if (!is_ascii_space(text[i])) b64 += text[i];
  const bool ok = base64_decode(b64, binary);
  OPENSSL_cleanse(b64.data(), b64.size());
  if (!ok) throw key_error("invalid base64 in the OpenSSH private key");
}

/// Wipes a string when the scope ends.
class wipe_on_exit {
 public:
  explicit wipe_on_exit(std::string& s) noexcept : s_(s) {}
  wipe_on_exit(const wipe_on_exit&) = delete;
  wipe_on_exit& operator=(const wipe_on_exit&) = delete;
  ~wipe_on_exit() {
    if (!s_.empty()) OPENSSL_cleanse(s_.data(), s_.size());
  }

 private:
  std::string& s_;
};

[[noreturn]] inline void throw_key_mismatch() {
  throw key_error("the public key in the OpenSSH private key file does not match its private key");
}

/// Throws unless `a` and `b` hold the same public key.
inline void check_same_public(const EVP_PKEY* a, const EVP_PKEY* b) {
  const int eq = EVP_PKEY_eq(a, b);
  clear_openssl_errors();
  if (eq != 1) throw_key_mismatch();
}

/// The private Ed25519 fields: public key (32 bytes) and seed || public key (64 bytes).
inline pkey_ptr read_ed25519_private(reader& r, const EVP_PKEY* pub) {
  const std::string_view pk = r.read_string("Ed25519 public key");
  const std::string_view sk = r.read_string("Ed25519 private key");
  if (pk.size() != 32) throw key_error("the Ed25519 public key in the private section is not 32 bytes");
  if (sk.size() != 64) throw key_error("the Ed25519 private key is not 64 bytes");
  if (sk.substr(32) != pk) throw_key_mismatch();
  // Built from the seed alone, so OpenSSL derives the public key and the comparisons below prove the pair.
  // OSSL_PARAM_construct is used rather than a builder so that no unwiped copy of the seed is made.
  secret_bytes seed(32);
  std::memcpy(seed.data(), sk.data(), 32);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, seed.data(), seed.size()),
      OSSL_PARAM_construct_end()};
  pkey_ptr key =
      pkey_from_params("ED25519", EVP_PKEY_KEYPAIR, params, "OpenSSL rejected the Ed25519 private key");
  if (ed25519_public_bytes(key.get()) != pk) throw_key_mismatch();
  check_same_public(pub, key.get());
  return key;
}

/// The private RSA fields n, e, d, iqmp, p, q. Checks n = p*q, e*d = 1 mod (p-1) and mod (q-1), and
/// q*iqmp = 1 mod p, computes the CRT exponents, and builds the full key so OpenSSL uses its CRT path.
inline pkey_ptr read_rsa_private(reader& r, const EVP_PKEY* pub) {
  const bn_ptr n = r.read_mpint("RSA modulus", max_rsa_bits);
  const bn_ptr e = r.read_mpint("RSA public exponent", max_rsa_exponent_bits);
  const secure_bn_ptr d = r.read_secret_mpint("RSA private exponent", max_rsa_bits);
  const secure_bn_ptr iqmp = r.read_secret_mpint("RSA CRT coefficient", max_rsa_bits);
  const secure_bn_ptr p = r.read_secret_mpint("RSA prime p", max_rsa_bits);
  const secure_bn_ptr q = r.read_secret_mpint("RSA prime q", max_rsa_bits);
  check_rsa_public(n.get(), e.get());
  const auto fail = [](const char* what) {
    throw key_error(std::string("invalid RSA private key: ") + what);
  };
  bn_ctx_ptr ctx(BN_CTX_secure_new());
  secure_bn_ptr t(BN_secure_new()), pm1(BN_secure_new()), qm1(BN_secure_new()), dmp1(BN_secure_new()),
      dmq1(BN_secure_new());
  if (!ctx || !t || !pm1 || !qm1 || !dmp1 || !dmq1) throw crypto_error("ajwt: BIGNUM allocation failed");
  const auto ok = [](int rc) {
    if (rc != 1) throw crypto_error("ajwt: BIGNUM arithmetic failed: " + drain_openssl_errors());
  };
  if (BN_cmp(p.get(), BN_value_one()) <= 0 || BN_cmp(q.get(), BN_value_one()) <= 0 || !BN_is_odd(p.get()) ||
      !BN_is_odd(q.get()))
    fail("p and q must be odd numbers above 1");
  ok(BN_mul(t.get(), p.get(), q.get(), ctx.get()));
  if (BN_cmp(t.get(), n.get()) != 0) fail("n is not p*q");
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), n.get()) >= 0) fail("d is out of range");
  if (BN_cmp(iqmp.get(), p.get()) >= 0) fail("iqmp is out of range");
  ok(BN_sub(pm1.get(), p.get(), BN_value_one()));
  ok(BN_sub(qm1.get(), q.get(), BN_value_one()));
  ok(BN_mod(dmp1.get(), d.get(), pm1.get(), ctx.get()));
  ok(BN_mod(dmq1.get(), d.get(), qm1.get(), ctx.get()));
  ok(BN_mod_mul(t.get(), e.get(), dmp1.get(), pm1.get(), ctx.get()));
  if (!BN_is_one(t.get())) fail("e*d is not 1 mod (p-1)");
  ok(BN_mod_mul(t.get(), e.get(), dmq1.get(), qm1.get(), ctx.get()));
  if (!BN_is_one(t.get())) fail("e*d is not 1 mod (q-1)");
  ok(BN_mod_mul(t.get(), q.get(), iqmp.get(), p.get(), ctx.get()));
  if (!BN_is_one(t.get())) fail("iqmp is not the inverse of q mod p");
  const param_bld_ptr bld = new_param_builder();
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, d.get()));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1.get()));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1.get()));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, iqmp.get()));
  pkey_ptr key =
      pkey_from_builder("RSA", EVP_PKEY_KEYPAIR, bld.get(), "OpenSSL rejected the RSA private key");
  check_same_public(pub, key.get());
  return key;
}

/// The private ecdsa-sha2-nistp256 fields: curve name, public point, scalar d. OpenSSL's pairwise check
/// proves 0 < d < order and Q = d*G.
inline pkey_ptr read_p256_private(reader& r, const EVP_PKEY* pub) {
  read_p256_curve(r);
  const std::string_view point = r.read_string("EC public key");
  const secure_bn_ptr d = r.read_secret_mpint("EC private key", 256);
  check_p256_point_encoding(point);
  if (BN_is_zero(d.get())) throw key_error("invalid EC private key: the scalar is zero");
  const param_bld_ptr bld = new_param_builder();
  check_pushed(OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0));
  check_pushed(
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()));
  check_pushed(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()));
  pkey_ptr key = pkey_from_builder("EC", EVP_PKEY_KEYPAIR, bld.get(), "OpenSSL rejected the EC private key");
  check_same_public(pub, key.get());
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx) throw crypto_error("ajwt: EVP_PKEY_CTX_new_from_pkey failed: " + drain_openssl_errors());
  if (EVP_PKEY_pairwise_check(ctx.get()) != 1) {
    clear_openssl_errors();
    throw_key_mismatch();
  }
  return key;
}

/// Parses an "openssh-key-v1" private key file (OpenSSH's PROTOCOL.key): ssh-ed25519, ssh-rsa or
/// ecdsa-sha2-nistp256, exactly one key. Unencrypted files (cipher and kdf "none") need no passphrase;
/// encrypted ones (kdf "bcrypt" with at most max_bcrypt_rounds rounds; ciphers aes128/192/256-ctr,
/// aes128/192/256-cbc, aes128/256-gcm@openssh.com) need `passphrase`, and an unencrypted file ignores it.
/// Checks: magic, exactly one key, the check integers (a mismatch after decryption means a wrong
/// passphrase), the key type and public key against the file's public blob, the private key against its
/// public key, the padding bytes 1, 2, 3..., and that nothing trails. Throws key_error on any failure.
inline pkey_ptr parse_private_key(std::string_view text, const std::optional<std::string_view>& passphrase) {
  std::string binary;
  const wipe_on_exit wipe_binary(binary);
  decode_private_key_text(text, binary);
  reader r(binary, "OpenSSH private key");
  if (r.remaining() < private_key_magic.size() ||
      r.read_bytes(private_key_magic.size(), "magic") != private_key_magic)
    throw key_error("not an openssh-key-v1 private key (bad magic)");
  const std::string_view cipher_name = r.read_string("cipher name");
  const std::string_view kdf_name = r.read_string("KDF name");
  const std::string_view kdf_options = r.read_string("KDF options");
  const std::uint32_t nkeys = r.read_u32("key count");
  if (nkeys != 1)
    throw key_error("the OpenSSH private key file holds " + std::to_string(nkeys) +
                    " keys; exactly one is supported");
  key_type type{};
  const pkey_ptr pub = parse_public_blob_typed(r.read_string("public key"), type);
  const std::string_view section = r.read_string("private section");

  const bool encrypted = cipher_name != "none";
  const cipher_spec* cipher = nullptr;
  if (encrypted) {
    cipher = find_private_key_cipher(cipher_name);
    if (!cipher)
      throw key_error("the OpenSSH private key is encrypted with " + printable(cipher_name) +
                      ", which is not supported; convert the key with `ssh-keygen -p -m PKCS8 -f FILE` or "
                      "re-encrypt it with `ssh-keygen -p -Z aes256-ctr -f FILE`");
    if (kdf_name != "bcrypt")
      throw key_error("the OpenSSH private key uses the key derivation " + printable(kdf_name) +
                      ", which is not supported (only bcrypt is)");
  } else if (kdf_name != "none" || !kdf_options.empty()) {
    throw key_error("the OpenSSH private key is not encrypted but names the key derivation " +
                    printable(kdf_name));
  }
  const std::size_t block_size = encrypted ? cipher->block_size : 8;
  const std::string_view tag = r.read_bytes(encrypted ? cipher->tag_len : 0, "authentication tag");
  r.expect_end();
  if (section.size() % block_size != 0)
    throw key_error("the private section of the OpenSSH private key is not a whole number of cipher blocks");

  secret_bytes plain(section.size());
  if (encrypted) {
    reader kr(kdf_options, "OpenSSH private key KDF options");
    const std::string_view salt = kr.read_string("bcrypt salt");
    const std::uint32_t rounds = kr.read_u32("bcrypt rounds");
    kr.expect_end();
    if (salt.empty()) throw key_error("the bcrypt salt of the OpenSSH private key is empty");
    if (rounds == 0 || rounds > max_bcrypt_rounds)
      throw key_error("the OpenSSH private key asks for " + std::to_string(rounds) +
                      " bcrypt rounds; between 1 and " + std::to_string(max_bcrypt_rounds) + " are accepted");
    if (!passphrase || passphrase->empty())
      throw key_error("the OpenSSH private key is encrypted; pass its passphrase");
    secret_bytes key_iv(cipher->key_len + cipher->iv_len);
    bcrypt_pbkdf(*passphrase, salt, rounds, key_iv.data(), key_iv.size());
    if (!decrypt_private_section(*cipher, key_iv.data(), key_iv.data() + cipher->key_len, section, tag,
                                 plain.data()))
      throw key_error("wrong passphrase for the OpenSSH private key");
  } else if (!section.empty()) {
    std::memcpy(plain.data(), section.data(), section.size());
  }

  reader pr(plain.view(), "OpenSSH private key (private section)");
  const std::uint32_t check1 = pr.read_u32("check integer");
  const std::uint32_t check2 = pr.read_u32("check integer");
  if (check1 != check2)
    throw key_error(encrypted ? "wrong passphrase for the OpenSSH private key"
                              : "corrupt OpenSSH private key: the check integers differ");
  const std::string_view private_type = pr.read_string("key type");
  const auto t = key_type_from_name(private_type);
  if (!t || *t != type)
    throw key_error("the OpenSSH private key file's public key is " + std::string(type_name(type)) +
                    " but its private key is " + printable(private_type));
  pkey_ptr key;
  switch (type) {
    case key_type::ed25519: key = read_ed25519_private(pr, pub.get()); break;
    case key_type::rsa: key = read_rsa_private(pr, pub.get()); break;
    case key_type::ecdsa_p256: key = read_p256_private(pr, pub.get()); break;
  }
  pr.read_string("comment");
  const std::string_view padding = pr.rest();
  for (std::size_t i = 0; i < padding.size(); ++i)
    if (static_cast<unsigned char>(padding[i]) != ((i + 1) & 0xff))
      throw key_error("corrupt OpenSSH private key: the padding is not 1, 2, 3, ...");
  return key;
}

}  // namespace detail::openssh
AJWT_NAMESPACE_END

#endif  // AJWT_DETAIL_OPENSSH_HPP
