// SPDX-License-Identifier: ISC
// Strict base64 (RFC 4648 section 4) and base64url (section 5) as ajwt::detail implements them: every
// JWS segment and JWK member goes through these decoders, so each deviation they must refuse is pinned here.
#include "ajwt/detail/base64.hpp"

#include <openssl/evp.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using ajwt::detail::b64_alphabet;

std::string decode_or_fail(std::string_view in, b64_alphabet a) {
  INFO("input: \"" << std::string(in) << "\"");
  const auto out = ajwt::detail::base64_decode(in, a);
  REQUIRE(out);
  return *out;
}

bool url_ok(std::string_view in) { return ajwt::detail::base64url_decode(in).has_value(); }

bool std_ok(std::string_view in) { return ajwt::detail::base64_decode(in).has_value(); }

std::string random_bytes(std::mt19937& rng, std::size_t n) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(byte(rng));
  return s;
}

/// OpenSSL's standard-alphabet, padded encoding: an implementation independent of ajwt's.
std::string openssl_base64(std::string_view in) {
  std::vector<unsigned char> out(4 * ((in.size() + 2) / 3) + 1);
  const int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n));
}

/// The base64url form of a standard encoding: '+' -> '-', '/' -> '_', padding dropped.
std::string to_url_form(std::string s) {
  for (auto& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

struct rfc4648_vector {
  const char* plain;
  const char* standard;
  const char* url;
};

// RFC 4648 section 10.
constexpr rfc4648_vector rfc4648_vectors[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

}  // namespace

TEST_CASE("base64 encoders reproduce the RFC 4648 section 10 test vectors", "[base64]") {
  for (const auto& v : rfc4648_vectors) {
    INFO("plain: \"" << v.plain << "\"");
    CHECK(ajwt::detail::base64_encode(v.plain) == v.standard);
    CHECK(ajwt::detail::base64url_encode(v.plain) == v.url);
  }
}

TEST_CASE("base64 decoders reproduce the RFC 4648 section 10 test vectors", "[base64]") {
  for (const auto& v : rfc4648_vectors) {
    INFO("plain: \"" << v.plain << "\"");
    CHECK(decode_or_fail(v.standard, b64_alphabet::standard) == v.plain);
    CHECK(decode_or_fail(v.url, b64_alphabet::url) == v.plain);
  }
}

TEST_CASE("base64 and base64url round-trip random bytes of every length from 0 to 64", "[base64]") {
  std::mt19937 rng(20240917);
  for (std::size_t len = 0; len <= 64; ++len) {
    for (int trial = 0; trial < 8; ++trial) {
      const std::string bytes = random_bytes(rng, len);
      INFO("length " << len << ", trial " << trial);
      const std::string standard = ajwt::detail::base64_encode(bytes);
      const std::string url = ajwt::detail::base64url_encode(bytes);
      // Both encoders agree with OpenSSL's independent encoder.
      CHECK(standard == openssl_base64(bytes));
      CHECK(url == to_url_form(openssl_base64(bytes)));
      CHECK(standard.size() == (len + 2) / 3 * 4);
      CHECK(url.size() == (len * 4 + 2) / 3);
      CHECK(decode_or_fail(standard, b64_alphabet::standard) == bytes);
      CHECK(decode_or_fail(url, b64_alphabet::url) == bytes);
    }
  }
}

TEST_CASE("base64_append appends to what the string already holds", "[base64]") {
  std::string out = "prefix.";
  ajwt::detail::base64_append(out, "foob", b64_alphabet::url);
  CHECK(out == "prefix.Zm9vYg");
  ajwt::detail::base64_append(out, "f", b64_alphabet::standard);
  CHECK(out == "prefix.Zm9vYgZg==");
}

TEST_CASE("base64 decoding tells an empty result from a refusal", "[base64]") {
  CHECK(ajwt::detail::base64url_decode("Zm9v") == std::optional<std::string>("foo"));
  CHECK(ajwt::detail::base64url_decode("") == std::optional<std::string>(""));
  CHECK(ajwt::detail::base64_decode("") == std::optional<std::string>(""));
  CHECK(ajwt::detail::base64url_decode("Z") == std::nullopt);
}

TEST_CASE("base64url rejects padding", "[base64]") {
  CHECK(url_ok("Zg"));
  CHECK_FALSE(url_ok("Zg=="));
  CHECK_FALSE(url_ok("Zg="));
  CHECK_FALSE(url_ok("Zm8="));
  CHECK_FALSE(url_ok("Zm9vYg=="));
  CHECK_FALSE(url_ok("===="));
  CHECK_FALSE(url_ok("="));
}

TEST_CASE("base64url rejects the standard alphabet's '+' and '/'", "[base64]") {
  CHECK(ajwt::detail::base64url_decode("-_-_") == std::optional<std::string>("\xfb\xff\xbf"));
  CHECK_FALSE(url_ok("+_-_"));
  CHECK_FALSE(url_ok("-/-_"));
  CHECK_FALSE(url_ok("+/+/"));
  CHECK_FALSE(url_ok("Zm9v+w"));
}

TEST_CASE("standard base64 rejects the url alphabet's '-' and '_'", "[base64]") {
  CHECK(ajwt::detail::base64_decode("+/+/") == std::optional<std::string>("\xfb\xff\xbf"));
  CHECK_FALSE(std_ok("-/+/"));
  CHECK_FALSE(std_ok("+_+/"));
  CHECK_FALSE(std_ok("-_-_"));
}

TEST_CASE("standard base64 requires padding to a multiple of four characters", "[base64]") {
  CHECK(std_ok("Zg=="));
  CHECK(std_ok("Zm8="));
  CHECK_FALSE(std_ok("Zg"));
  CHECK_FALSE(std_ok("Zg="));
  CHECK_FALSE(std_ok("Zm8"));
  CHECK_FALSE(std_ok("Zm9vYg="));
}

TEST_CASE("standard base64 rejects too much padding", "[base64]") {
  CHECK_FALSE(std_ok("Z==="));
  CHECK_FALSE(std_ok("===="));
  CHECK_FALSE(std_ok("Zm9v===="));
  CHECK_FALSE(std_ok("Zm8=="));  // 5 characters
  CHECK_FALSE(std_ok("Zg=A"));
}

TEST_CASE("base64 decoders reject whitespace anywhere", "[base64]") {
  for (const char* ws : {" ", "\t", "\n", "\r", "\r\n", "\v", "\f"}) {
    INFO("whitespace: " << static_cast<int>(ws[0]));
    const std::string w(ws);
    for (const std::string& s : {w + "Zm9v", "Zm9v" + w, "Zm" + w + "9v", "Zm9v" + w + "YmFy"}) {
      CHECK_FALSE(url_ok(s));
      CHECK_FALSE(std_ok(s));
    }
    CHECK_FALSE(std_ok("Zm8=" + w));
    CHECK_FALSE(std_ok("Zg" + w + "=="));
  }
}

TEST_CASE("base64 decoders reject a length of 1 mod 4", "[base64]") {
  for (const char* s : {"Z", "Zm9vY", "Zm9vYmFyZ"}) {
    INFO(s);
    CHECK_FALSE(url_ok(s));
    CHECK_FALSE(std_ok(s));
  }
  CHECK_FALSE(std_ok("Zm9vY==="));
}

TEST_CASE("base64 decoders reject non-canonical trailing bits", "[base64]") {
  // "QQ" is 010000 010000: the byte 0x41 and four zero bits. "QR" sets one of those unused bits.
  CHECK(decode_or_fail("QQ", b64_alphabet::url) == "A");
  CHECK_FALSE(url_ok("QR"));
  CHECK(decode_or_fail("QQ==", b64_alphabet::standard) == "A");
  CHECK_FALSE(std_ok("QR=="));
  // "QUI" ends with two unused zero bits; "QUJ" sets the last one.
  CHECK(decode_or_fail("QUI", b64_alphabet::url) == "AB");
  CHECK_FALSE(url_ok("QUJ"));
  CHECK(decode_or_fail("QUI=", b64_alphabet::standard) == "AB");
  CHECK_FALSE(std_ok("QUJ="));
}

TEST_CASE("exactly the canonical final characters are accepted", "[base64]") {
  // Two-character tail: the second character's low 4 bits are unused; three-character tail: the third's
  // low 2.
  for (std::uint8_t v = 0; v < 64; ++v) {
    const char c = ajwt::detail::b64_url_chars[v];
    INFO("final character '" << c << "' (value " << int{v} << ")");
    CHECK(url_ok(std::string("A") + c) == ((v & 0x0F) == 0));
    CHECK(url_ok(std::string("AA") + c) == ((v & 0x03) == 0));
    const char s = ajwt::detail::b64_std_chars[v];
    CHECK(std_ok(std::string("A") + s + "==") == ((v & 0x0F) == 0));
    CHECK(std_ok(std::string("AA") + s + "=") == ((v & 0x03) == 0));
  }
}

TEST_CASE("base64 decoders reject '=' in the middle", "[base64]") {
  CHECK_FALSE(url_ok("Zm=v"));
  CHECK_FALSE(url_ok("Zg==Zm9v"));
  CHECK_FALSE(std_ok("Zm=v"));
  CHECK_FALSE(std_ok("Z=9v"));
  CHECK_FALSE(std_ok("Zg==Zm9v"));
  CHECK_FALSE(std_ok("Zm8=Zm8="));
  CHECK_FALSE(std_ok("=Zm9"));
}

TEST_CASE("base64 decoders accept exactly the bytes of their alphabet", "[base64]") {
  const std::string url_chars = ajwt::detail::b64_url_chars;
  const std::string std_chars = ajwt::detail::b64_std_chars;
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    INFO("byte " << b);
    const bool in_url = url_chars.find(c) != std::string::npos;
    const bool in_std = std_chars.find(c) != std::string::npos;
    // Each position of a full quantum, so no position skips the check.
    for (int pos = 0; pos < 4; ++pos) {
      std::string s = "AAAA";
      s[static_cast<std::size_t>(pos)] = c;
      CHECK(url_ok(s) == in_url);
      // "AAA=" is the padded encoding of two zero bytes: '=' is valid there and only there.
      CHECK(std_ok(s) == (in_std || (c == '=' && pos == 3)));
    }
  }
}

TEST_CASE("base64 decoders reject a NUL byte", "[base64]") {
  const std::string with_nul("Zm9v\0AAA", 8);
  CHECK_FALSE(url_ok(with_nul));
  CHECK_FALSE(std_ok(with_nul));
  CHECK_FALSE(url_ok(std::string_view("Zg\0", 3)));
}
