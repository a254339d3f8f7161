// SPDX-License-Identifier: ISC
// ajwt::detail::append_json and friends: what ajwt signs and hashes (token payloads, JWS headers, RFC 7638
// thumbprints) must be the compact text nlohmann's dump() gives, byte for byte, and invalid UTF-8 must be
// refused rather than written.
#include "ajwt/detail/json_write.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "ajwt/error.hpp"

namespace {

std::string written(const nlohmann::json& v) { return ajwt::detail::json_text(v); }

}  // namespace

TEST_CASE("strings are escaped as nlohmann escapes them", "[json_write]") {
  for (const std::string& s :
       {std::string(), std::string("plain"), std::string("quote \" backslash \\ slash /"),
        std::string("\b\f\n\r\t"), std::string("\x01\x1f\x7f", 3), std::string("\0x", 2),
        std::string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")}) {
    INFO(s);
    CHECK(written(s) == nlohmann::json(s).dump());
  }
}

TEST_CASE("invalid UTF-8 in a string is refused, not written", "[json_write]") {
  for (const char* s : {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ok\xe2\x82"}) {
    std::string out;
    CHECK_THROWS_AS(ajwt::detail::append_json_string(out, s), ajwt::config_error);
    CHECK_THROWS_AS(written(nlohmann::json::object({{"k", s}})), ajwt::config_error);
  }
}

TEST_CASE("integers are written exactly, at both ends of 64 bits", "[json_write]") {
  for (const nlohmann::json& v : {nlohmann::json(0), nlohmann::json(-1), nlohmann::json(1700000000),
                                  nlohmann::json(std::numeric_limits<std::int64_t>::min()),
                                  nlohmann::json(std::numeric_limits<std::uint64_t>::max())})
    CHECK(written(v) == v.dump());
}

TEST_CASE("floats are laid out as nlohmann lays them out", "[json_write]") {
  for (const double d : {0.0,          -0.0,
                         1.0,          -2.0,
                         1.5,          0.1,
                         0.0001,       0.00001,
                         123456789.0,  1e15,
                         1e16,         1e17,
                         1.25e-7,      1e300,
                         -1e-300,      3.141592653589793,
                         5e-324,       std::numeric_limits<double>::max(),
                         1700000000.5, 12345678901234567.0}) {
    INFO(d);
    CHECK(written(d) == nlohmann::json(d).dump());
  }
  CHECK(written(std::nan("")) == "null");
  CHECK(written(std::numeric_limits<double>::infinity()) == "null");
}

TEST_CASE("objects and arrays are compact, members in the DOM's order", "[json_write]") {
  const auto v = nlohmann::json::parse(
      R"({"z": [1, -2, 3.5, true, false, null, "s", {}, []], "a": {"n": {"m": "\u00e9\n"}}, "kty": "OKP"})");
  CHECK(written(v) == v.dump());
  CHECK(written(nlohmann::json::array()) == "[]");
  CHECK(written(nlohmann::json::object()) == "{}");
}

TEST_CASE("values without a JSON text are refused", "[json_write]") {
  CHECK_THROWS_AS(written(nlohmann::json::binary({1, 2})), ajwt::config_error);
  CHECK_THROWS_AS(written(nlohmann::json(nlohmann::json::value_t::discarded)), ajwt::config_error);
}
