// SPDX-License-Identifier: ISC
// ajwt::detail::parse_json_strict: ajwt's own JSON reader for untrusted text (JWS headers, claims sets,
// JWKs, JWKS documents). It refuses what would let two parsers read one document differently: duplicate
// member names, trailing data, invalid UTF-8; and it bounds nesting depth. Checked against nlohmann's own
// parser with the same strict rules (json_reference.hpp) on tricky and random input.
#include "ajwt/detail/json.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include "ajwt/detail/json_write.hpp"
#include "json_reference.hpp"
#include "support.hpp"

namespace {

using nlohmann::json;

/// Parses `text` and requires success.
json parse_ok(std::string_view text, std::size_t max_depth = ajwt::detail::default_json_max_depth) {
  INFO("input: " << ajwt::detail::printable(text));
  auto parsed = ajwt::detail::parse_json_strict(text, max_depth);
  INFO("error: " << (parsed ? std::string() : parsed.error()));
  REQUIRE(parsed);
  return std::move(*parsed);
}

/// Parses `text`, requires failure and returns the error text.
std::string parse_error(std::string_view text, std::size_t max_depth = ajwt::detail::default_json_max_depth) {
  INFO("input: " << ajwt::detail::printable(text));
  const auto parsed = ajwt::detail::parse_json_strict(text, max_depth);
  REQUIRE_FALSE(parsed);
  CHECK_FALSE(parsed.error().empty());
  return parsed.error();
}

bool is_printable_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string nested_objects(std::size_t depth) {
  std::string s;
  for (std::size_t i = 0; i < depth; ++i) s += "{\"k\":";
  s += "1";
  s += std::string(depth, '}');
  return s;
}

}  // namespace

TEST_CASE("strict JSON parses a well-formed document into the same value nlohmann parses", "[json]") {
  const std::string text =
      R"({"alg":"RS256","kid":"abc","n":[1,-2,3.5,true,false,null,"s"],"o":{"p":{"q":[]}},"e":{}})";
  CHECK(parse_ok(text) == json::parse(text));
}

TEST_CASE("strict JSON accepts any JSON value at the top level", "[json]") {
  CHECK(parse_ok("[1,2]") == json::array({1, 2}));
  CHECK(parse_ok("\"text\"") == json("text"));
  CHECK(parse_ok("null").is_null());
  CHECK(parse_ok("42") == json(42));
  CHECK(parse_ok(" \t\r\n{}\r\n\t ") == json::object());
}

TEST_CASE("strict JSON rejects a duplicate member name at the top level", "[json]") {
  const auto err = parse_error(R"({"alg":"RS256","alg":"none"})");
  CHECK(err == "duplicate member name \"alg\"");
  // Even when both values are equal.
  CHECK_THAT(parse_error(R"({"a":1,"a":1})"), Catch::Contains("duplicate member name \"a\""));
}

TEST_CASE("strict JSON rejects a duplicate member name at any depth", "[json]") {
  CHECK_THAT(parse_error(R"({"a":{"b":1,"b":2}})"), Catch::Contains("\"b\""));
  CHECK_THAT(parse_error(R"({"a":[{"x":1},{"c":1,"c":2}]})"), Catch::Contains("\"c\""));
  CHECK_THAT(parse_error(R"([[[{"d":{"e":[{"f":0,"g":0,"f":0}]}}]]])"), Catch::Contains("\"f\""));
  // A duplicate after a nested value of the same object.
  CHECK_THAT(parse_error(R"({"h":{"i":{"j":1}},"k":2,"h":3})"), Catch::Contains("\"h\""));
}

TEST_CASE("strict JSON allows one name in different objects", "[json]") {
  const auto j = parse_ok(R"({"a":{"a":1},"b":{"a":2},"c":[{"a":3},{"a":4}]})");
  CHECK(j["a"]["a"] == 1);
  CHECK(j["b"]["a"] == 2);
  CHECK(j["c"][1]["a"] == 4);
}

TEST_CASE("strict JSON compares member names after unescaping", "[json]") {
  // "\u0061" is "a": the two spellings name one member.
  CHECK_THAT(parse_error(R"({"a":1,"\u0061":2})"), Catch::Contains("duplicate member name \"a\""));
  CHECK_THAT(parse_error(R"({"\u00e9":1,"é":2})"), Catch::Contains("duplicate member name"));
  CHECK_THAT(parse_error(R"({"":1,"":2})"), Catch::Contains("duplicate member name \"\""));
}

TEST_CASE("strict JSON escapes control characters and non-ASCII bytes of a duplicate name", "[json]") {
  const auto err = parse_error("{\"a\\u0001\\n\xc3\xa9\":1,\"a\\u0001\\n\xc3\xa9\":2}");
  CHECK(err == "duplicate member name \"a\\x01\\x0a\\xc3\\xa9\"");
}

TEST_CASE("strict JSON accepts nesting up to the default depth of 16 and rejects one more", "[json]") {
  REQUIRE(ajwt::detail::default_json_max_depth == 16);
  CHECK(parse_ok(nested_arrays(16)).is_array());
  CHECK(parse_ok(nested_objects(16)).is_object());
  CHECK(parse_error(nested_arrays(17)) == "JSON nested deeper than 16");
  CHECK(parse_error(nested_objects(17)) == "JSON nested deeper than 16");
  // Arrays and objects count alike.
  CHECK(parse_error("[" + nested_objects(16) + "]") == "JSON nested deeper than 16");
}

TEST_CASE("strict JSON honours a custom depth limit", "[json]") {
  CHECK(parse_ok("{}", 1) == json::object());
  CHECK(parse_ok(R"({"a":1,"b":"x"})", 1).size() == 2);
  CHECK(parse_error(R"({"a":[]})", 1) == "JSON nested deeper than 1");
  CHECK(parse_ok("7", 0) == json(7));
  CHECK(parse_error("[]", 0) == "JSON nested deeper than 0");
}

TEST_CASE("strict JSON rejects very deep nesting without exhausting the stack", "[json]") {
  CHECK(parse_error(nested_arrays(1000000)) == "JSON nested deeper than 16");
  CHECK(parse_error(std::string(1000000, '[')) == "JSON nested deeper than 16");
}

TEST_CASE("strict JSON rejects anything after the value", "[json]") {
  for (const char* text :
       {"{} x", "{}{}", "{},", "{} ,", "1 2", "[]]", "{}}", "\"a\"\"b\"", "null null", "{}/"}) {
    CHECK_THAT(parse_error(text), Catch::StartsWith("invalid JSON at byte"));
  }
}

TEST_CASE("strict JSON rejects a NUL byte anywhere, which nlohmann alone would take for the end", "[json]") {
  using namespace std::string_literals;
  CHECK(parse_error("{}\0"s) == "invalid JSON at byte 3: NUL byte");
  CHECK(parse_error("{\"alg\":\"RS256\"}\0{\"alg\":\"none\"}"s) == "invalid JSON at byte 16: NUL byte");
  CHECK(parse_error("\0{}"s) == "invalid JSON at byte 1: NUL byte");
  CHECK(parse_error("{\"a\0\":1}"s) == "invalid JSON at byte 4: NUL byte");
}

TEST_CASE("strict JSON rejects empty and truncated input", "[json]") {
  for (const char* text : {"", " ", "{", "[1,2", "{\"a\":", "{\"a\"", "\"abc", "tru", "-"}) {
    CHECK_THAT(parse_error(text), Catch::StartsWith("invalid JSON at byte"));
  }
}

TEST_CASE("strict JSON rejects what RFC 8259 does not allow", "[json]") {
  for (const char* text : {"{'a':1}", "{a:1}", "[1,]", "{\"a\":1,}", "01", "+1", ".5", "1.", "NaN",
                           "Infinity", "[0x10]", "\"\t\"", "// c\n{}", "{\"a\":1 /* c */}", "True"}) {
    CHECK_THAT(parse_error(text), Catch::StartsWith("invalid JSON at byte"));
  }
}

TEST_CASE("strict JSON rejects invalid UTF-8", "[json]") {
  const char* invalid[] = {
      "\"\xff\"",              // never valid in UTF-8
      "\"\x80\"",              // a lone continuation byte
      "\"\xc0\xaf\"",          // overlong '/'
      "\"\xe0\x80\xaf\"",      // overlong '/', three bytes
      "\"\xed\xa0\x80\"",      // an encoded surrogate (U+D800)
      "\"\xf4\x90\x80\x80\"",  // beyond U+10FFFF
      "\"\xe2\x82\"",          // truncated sequence
      "{\"k\xc3\":1}",         // in a member name
      "{\"k\":1}\xc3\xa9",     // after the value
      "\"\\ud800\"",           // an escaped lone high surrogate
      "\"\\udc00\"",           // an escaped lone low surrogate
      "\"\\ud800\\u0041\"",    // a high surrogate followed by a non-surrogate
  };
  for (const char* text : invalid) CHECK_THAT(parse_error(text), Catch::StartsWith("invalid JSON at byte"));
}

TEST_CASE("strict JSON accepts valid UTF-8, raw or escaped, as the same string", "[json]") {
  CHECK(parse_ok("\"\xe2\x82\xac\"") == json("\xe2\x82\xac"));
  CHECK(parse_ok("\"\\u20ac\"") == json("\xe2\x82\xac"));
  CHECK(parse_ok("\"\\ud83d\\ude00\"") == json("\xf0\x9f\x98\x80"));
  CHECK(parse_ok("\"\xf0\x9f\x98\x80\"") == json("\xf0\x9f\x98\x80"));
  CHECK(parse_ok("\"\\u0000\"").get<std::string>() == std::string(1, '\0'));
}

TEST_CASE("strict JSON error texts are printable ASCII even for hostile input", "[json]") {
  for (const char* text :
       {"\"\xff\xfe\"", "{\"a\":\x01}", "[\"\xc3\x28\"]", "\xe2\x80\xae{}", "{\"\xff\":1,\"\xff\":2}"}) {
    const auto err = parse_error(text);
    INFO(err);
    CHECK(is_printable_ascii(err));
    CHECK(err.size() <= 220);
  }
  const auto long_err = parse_error("[\"" + std::string(5000, 'x') + "\xff\"]");
  CHECK(is_printable_ascii(long_err));
  CHECK(long_err.size() <= 220);
}

// What the verifier relies on: a JSON integer within the 64-bit ranges is an integer (signed, or unsigned
// above INT64_MAX); anything larger in magnitude, and anything written with a fraction or an exponent,
// is a float. So `"time": 18446744073709551616` or `"time": 1.7e9` is not an integer and is refused as
// invalid_claim rather than wrapped or truncated.
TEST_CASE("strict JSON keeps 64-bit integers exact and turns larger ones into floats", "[json]") {
  // nlohmann stores every non-negative integer as unsigned, negative ones as signed.
  const auto max_i64 = parse_ok("9223372036854775807");
  CHECK(max_i64.is_number_integer());
  CHECK(max_i64.get<std::int64_t>() == std::numeric_limits<std::int64_t>::max());
  CHECK(parse_ok("-1").get<std::int64_t>() == -1);
  CHECK_FALSE(parse_ok("-1").is_number_unsigned());

  const auto min_i64 = parse_ok("-9223372036854775808");
  CHECK(min_i64.is_number_integer());
  CHECK(min_i64.get<std::int64_t>() == std::numeric_limits<std::int64_t>::min());

  const auto above_i64 = parse_ok("9223372036854775808");
  CHECK(above_i64.is_number_unsigned());
  CHECK(above_i64.get<std::uint64_t>() == std::uint64_t{1} << 63);

  const auto max_u64 = parse_ok("18446744073709551615");
  CHECK(max_u64.is_number_unsigned());
  CHECK(max_u64.get<std::uint64_t>() == std::numeric_limits<std::uint64_t>::max());

  for (const char* big : {"18446744073709551616", "-9223372036854775809", "123456789012345678901234567890"}) {
    INFO(big);
    const auto j = parse_ok(big);
    CHECK(j.is_number_float());
    CHECK_FALSE(j.is_number_integer());
  }
}

TEST_CASE("strict JSON treats a fraction or an exponent as a float, even with an integral value", "[json]") {
  for (const char* text : {"1.0", "1e3", "1E3", "17e8", "-0.0"}) {
    INFO(text);
    const auto j = parse_ok(text);
    CHECK(j.is_number_float());
    CHECK_FALSE(j.is_number_integer());
  }
  CHECK(parse_ok("-0").is_number_integer());
}

TEST_CASE("strict JSON rejects a number that overflows a double", "[json]") {
  CHECK(parse_error("1e400") == "invalid JSON at byte 1: number overflow");
  CHECK(parse_error("[-1e400]") == "invalid JSON at byte 2: number overflow");
  for (const char* text : {"1.8e308", "17976931348623159e292", "0.001e312", "1e99999999999999999999",
                           "-123456789e301", "[1,1E+309]"}) {
    INFO(text);
    CHECK_THAT(parse_error(text), Catch::EndsWith(": number overflow"));
  }
  CHECK(parse_ok("1.7976931348623157e308").get<double>() == std::numeric_limits<double>::max());
}

TEST_CASE("strict JSON reads a number too small for a double as zero, as strtod does", "[json]") {
  for (const char* text : {"1e-400", "0.0000001e-320", "2.4e-324", "123e-99999999999999999999"}) {
    INFO(text);
    const auto j = parse_ok(text);
    REQUIRE(j.is_number_float());
    CHECK(j.get<double>() == 0.0);
    CHECK_FALSE(std::signbit(j.get<double>()));
  }
  CHECK(std::signbit(parse_ok("-1e-400").get<double>()));
  // Overflow or underflow is told by where the first significant digit stands, however long the digits
  // and the exponent are: 10^200000 times 10^-1000000000000 is zero (nlohmann's parser agrees), 10^200000
  // times 10^-100000 overflows.
  const std::string long_digits = "1" + std::string(200000, '0');
  CHECK(parse_ok(long_digits + "e-1000000000000").get<double>() == 0.0);
  CHECK(ajwt_test::reference_parse(long_digits + "e-1000000000000", 16).has_value());
  CHECK_THAT(parse_error(long_digits + "e-100000"), Catch::EndsWith(": number overflow"));
  CHECK_FALSE(ajwt_test::reference_parse(long_digits + "e-100000", 16).has_value());
  CHECK(parse_ok("0e99999999").get<double>() == 0.0);
  CHECK(parse_ok("4.9e-324").get<double>() == std::numeric_limits<double>::denorm_min());
}

TEST_CASE("strict JSON names what is wrong and the byte where", "[json]") {
  using namespace std::string_literals;
  const std::pair<std::string, std::string> cases[] = {
      {"", "invalid JSON at byte 1: unexpected end of input"},
      {"   ", "invalid JSON at byte 4: unexpected end of input"},
      {"{\"a\":1", "invalid JSON at byte 7: unexpected end of input"},
      {"[1,", "invalid JSON at byte 4: unexpected end of input"},
      {"\"abc", "invalid JSON at byte 5: unexpected end of input in a string"},
      {"\"ab\\", "invalid JSON at byte 4: unexpected end of input in a string"},
      {"x", "invalid JSON at byte 1: expected a value"},
      {"[1,]", "invalid JSON at byte 4: expected a value"},
      {"{\"a\":}", "invalid JSON at byte 6: expected a value"},
      {"tru", "invalid JSON at byte 1: invalid literal"},
      {"[nul]", "invalid JSON at byte 2: invalid literal"},
      {"{a:1}", "invalid JSON at byte 2: expected a member name"},
      {"{\"a\":1,}", "invalid JSON at byte 8: expected a member name"},
      {"{\"a\" 1}", "invalid JSON at byte 6: expected ':' after a member name"},
      {"{\"a\":1 \"b\":2}", "invalid JSON at byte 8: expected ',' or '}' after a member"},
      {"[1 2]", "invalid JSON at byte 4: expected ',' or ']' after an element"},
      {"{} x", "invalid JSON at byte 4: unexpected data after the value"},
      {"\"a\tb\"", "invalid JSON at byte 3: control character in a string (it must be escaped)"},
      {"\"\\x\"", "invalid JSON at byte 2: invalid escape sequence"},
      {"\"\\u12G4\"", "invalid JSON at byte 2: \\u must be followed by four hex digits"},
      {"\"\\ud800x\"", "invalid JSON at byte 2: a high surrogate must be followed by a \\u low surrogate"},
      {"\"\\udc00\"", "invalid JSON at byte 2: a low surrogate without a high surrogate before it"},
      {"\"a\xff\"", "invalid JSON at byte 3: invalid UTF-8"},
      {"-", "invalid JSON at byte 2: invalid number: a digit must follow '-'"},
      {"-x", "invalid JSON at byte 2: invalid number: a digit must follow '-'"},
      {"1.", "invalid JSON at byte 3: invalid number: a digit must follow '.'"},
      {"1e+", "invalid JSON at byte 4: invalid number: a digit must follow the exponent mark"},
      {"01", "invalid JSON at byte 2: unexpected data after the value"},
      {"\xef\xbb{}", "invalid JSON at byte 1: incomplete UTF-8 byte order mark"},
      {"{\"a\":1}\0"s, "invalid JSON at byte 8: NUL byte"},
      {"{\"a\":[{\"b\":1,\"b\":2}]}", "duplicate member name \"b\""},
      {"[[[[1]]]]", "JSON nested deeper than 3"},
  };
  for (const auto& [text, error] : cases) {
    INFO("input: " << ajwt::detail::printable(text));
    const auto parsed = ajwt::detail::parse_json_strict(text, text == "[[[[1]]]]" ? 3 : 16);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error() == error);
    // nlohmann's own parser with the same rules refuses it too.
    CHECK_FALSE(ajwt_test::reference_parse(text, text == "[[[[1]]]]" ? 3 : 16));
  }
  CHECK(parse_ok("\xef\xbb\xbf{}") == json::object());  // a whole byte order mark is skipped
}

TEST_CASE("strict JSON agrees with nlohmann's parser under the same rules, value for value", "[json]") {
  const char* texts[] = {
      "{}",
      "[]",
      "0",
      "-0",
      "-0.0",
      "1e-400",
      "-1e-400",
      "4.9e-324",
      "1.7976931348623157e308",
      "18446744073709551615",
      "18446744073709551616",
      "-9223372036854775808",
      "-9223372036854775809",
      "0.1",
      "1E2",
      "1e+2",
      "123.456e-7",
      "\"\\u0000\"",
      "\"\\ud83d\\ude00\"",
      "\"\\/\\b\\f\\n\\r\\t\"",
      "\xef\xbb\xbf[1]",
      " [ 1 , { \"a\" : [ ] } ] ",
      "{\"a\":{\"a\":{\"a\":1}}}",
      "{\"\\u0061\":1,\"b\":2}",
      "{\"a\":1,\"\\u0061\":2}",
      "[\"\xf4\x8f\xbf\xbf\"]",
      "\"\xed\x9f\xbf\"",
      "\"\xed\xa0\x80\"",
      "\"\xc2\"",
      "[1,2,]",
      "{\"a\"::1}",
      "1 ",
      " 1",
      "1x",
      "[01]",
      "[-]",
      "\"\\u00e9\"",
  };
  for (const char* text : texts) {
    INFO("input: " << ajwt::detail::printable(text));
    const auto ours = ajwt::detail::parse_json_strict(text);
    const auto reference = ajwt_test::reference_parse(text, ajwt::detail::default_json_max_depth);
    REQUIRE(static_cast<bool>(ours) == reference.has_value());
    if (ours) {
      CHECK(*ours == *reference);
      CHECK(ajwt::detail::json_text(*ours) == ajwt::detail::json_text(*reference));  // -0.0 and types too
    }
  }
}

TEST_CASE("strict JSON never throws on random input", "[json]") {
  std::mt19937 rng(7);
  const std::string alphabet = "{}[]\":,.-+0123456789eEtrufalsn \\u\xc3\xa9\xff\x01";
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string text = ajwt_test::random_text(rng, alphabet, 40);
    std::optional<ajwt::detail::parsed_json> parsed;
    CHECK_NOTHROW(parsed.emplace(ajwt::detail::parse_json_strict(text)));
    REQUIRE(parsed);
    if (*parsed) {
      ++accepted;
      // Whatever is accepted is also valid JSON to nlohmann's own parser, with the same value.
      CHECK(**parsed == json::parse(text));
    } else {
      CHECK_FALSE(parsed->error().empty());
    }
    // And the verdict is that of nlohmann's parser under the same strict rules.
    CHECK(static_cast<bool>(*parsed) == ajwt_test::reference_parse(text, 16).has_value());
  }
  CHECK(accepted > 0);
}
