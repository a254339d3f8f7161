// SPDX-License-Identifier: ISC
// ajwt::detail::json_scanner and pick_members: the verify path's flat JSON scan. Its contract is to
// accept and reject exactly what parse_json_strict does, with the same error texts, and to pick out
// the same top-level values; fuzz/json_scan_fuzz.cpp checks that on random input, these pin it.
#include "ajwt/detail/json_scan.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ajwt/detail/json.hpp"
#include "support.hpp"

namespace {

using ajwt::detail::json_kind;
using ajwt::detail::json_scan;

constexpr std::array<std::string_view, 6> names = {"alg", "kid", "time", "aud", "a", "\xc3\xa9"};

/// The scanner's own verdict (no fallback).
json_scan scan(std::string_view text, std::size_t max_depth = ajwt::detail::default_json_max_depth) {
  std::array<ajwt::detail::json_field, names.size()> fields;
  std::string scratch;
  bool is_object = false;
  ajwt::detail::json_scanner s(text, names.data(), fields.data(), names.size(), scratch, max_depth);
  return s.run(is_object);
}

/// pick_members' verdict and error text must be parse_json_strict's; returns the verdict.
bool agrees(std::string_view text, std::size_t max_depth = ajwt::detail::default_json_max_depth) {
  INFO("input: " << ajwt::detail::printable(text));
  const auto ref = ajwt::detail::parse_json_strict(text, max_depth);
  const bool ref_ok = static_cast<bool>(ref);
  ajwt::detail::picked_members<names.size()> picked;
  const auto error = ajwt::detail::pick_members(text, names, picked, max_depth);
  const bool ok = !error;
  CHECK(ok == ref_ok);
  if (error && !ref) CHECK(error->what == ref.error());
  const auto verdict = scan(text, max_depth);
  if (verdict == json_scan::accepted) CHECK(ref_ok);
  if (verdict == json_scan::rejected) CHECK_FALSE(ref_ok);
  return ok;
}

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace

TEST_CASE("the scanner accepts what the strict parser accepts, on its own", "[json_scan]") {
  for (const char* text :
       {"{}", " \t\r\n{}\r\n\t ", "[1,2]", "\"text\"", "null", "42", "-0", "1.5e-3", "true",
        R"({"alg":"RS256","kid":"abc","n":[1,-2,3.5,true,false,null,"s"],"o":{"p":{"q":[]}},"e":{}})",
        "\xef\xbb\xbf{}", "\"\\u0000\"", "\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\x7f\"",
        R"({"a":{"a":1},"b":{"a":2},"c":[{"a":3},{"a":4}]})"}) {
    INFO(text);
    CHECK(scan(text) == json_scan::accepted);
    CHECK(agrees(text));
  }
  CHECK(scan(nested(16)) == json_scan::accepted);
}

TEST_CASE("the scanner rejects what the strict parser rejects, with the parser's error text", "[json_scan]") {
  using namespace std::string_literals;
  for (const std::string& text : {""s,
                                  " "s,
                                  "{"s,
                                  "[1,2"s,
                                  "{\"a\":"s,
                                  "\"abc"s,
                                  "tru"s,
                                  "-"s,
                                  "{} x"s,
                                  "{}{}"s,
                                  "1 2"s,
                                  "[]]"s,
                                  "{'a':1}"s,
                                  "{a:1}"s,
                                  "[1,]"s,
                                  "{\"a\":1,}"s,
                                  "01"s,
                                  "+1"s,
                                  ".5"s,
                                  "1."s,
                                  "1e"s,
                                  "1e+"s,
                                  "NaN"s,
                                  "[0x10]"s,
                                  "\"\t\""s,
                                  "// c\n{}"s,
                                  "True"s,
                                  "{}\0"s,
                                  "\0{}"s,
                                  "{\"a\0\":1}"s,
                                  "\"\xff\""s,
                                  "\"\x80\""s,
                                  "\"\xc0\xaf\""s,
                                  "\"\xe0\x80\xaf\""s,
                                  "\"\xed\xa0\x80\""s,
                                  "\"\xf4\x90\x80\x80\""s,
                                  "\"\xe2\x82\""s,
                                  "{\"k\":1}\xc3\xa9"s,
                                  "\"\\ud800\""s,
                                  "\"\\udc00\""s,
                                  "\"\\ud800\\u0041\""s,
                                  "\"\\x41\""s,
                                  "\"\\u12g4\""s,
                                  "\xef\xbb{}"s,
                                  " \xef\xbb\xbf{}"s,
                                  "1e400"s,
                                  "[-1e400]"s,
                                  R"({"alg":"RS256","alg":"none"})"s,
                                  R"({"a":1,"\u0061":2})"s,
                                  R"({"\u00e9":1,"é":2})"s,
                                  R"({"h":{"i":{"j":1}},"k":2,"h":3})"s,
                                  nested(17),
                                  std::string(100000, '[')}) {
    CHECK_FALSE(agrees(text));
    CHECK(scan(text) != json_scan::accepted);
  }
}

TEST_CASE("the scanner honours the depth limit as the strict parser does", "[json_scan]") {
  CHECK(agrees("{}", 1));
  CHECK_FALSE(agrees(R"({"a":[]})", 1));
  CHECK(agrees("7", 0));
  CHECK_FALSE(agrees("[]", 0));
  CHECK(scan("[]", 0) == json_scan::rejected);
}

TEST_CASE("the scanner picks top-level members only, by their unescaped names", "[json_scan]") {
  ajwt::detail::picked_members<names.size()> p;
  REQUIRE_FALSE(ajwt::detail::pick_members(
      R"({"o":{"alg":"inner"},"\u0061lg":"RS\u003256","kid":"k\"1","time":-5,"aud":["x","y"],"\u00e9":null})",
      names, p));
  CHECK(p.is_object);
  CHECK_FALSE(p.dom);  // decided by the scanner alone
  CHECK(p.fields[0].is_string());
  CHECK(p.fields[0].text == "RS256");
  CHECK(p.fields[1].text == "k\"1");
  CHECK(p.fields[2].kind == json_kind::integer);
  CHECK(p.fields[2].integer == -5);
  CHECK(p.fields[3].kind == json_kind::array);
  CHECK(p.fields[3].raw == R"(["x","y"])");
  CHECK_FALSE(p.fields[4].present());
  CHECK(p.fields[5].kind == json_kind::null);
}

TEST_CASE("the scanner keeps 64-bit integers exact and turns larger ones into floats", "[json_scan]") {
  ajwt::detail::picked_members<names.size()> p;
  REQUIRE_FALSE(ajwt::detail::pick_members(R"({"alg":18446744073709551615,"kid":-9223372036854775808,)"
                                           R"("time":18446744073709551616,"aud":1.0,"a":-0})",
                                           names, p));
  CHECK(p.fields[0].kind == json_kind::unsigned_integer);
  CHECK(p.fields[0].unsigned_integer == std::numeric_limits<std::uint64_t>::max());
  CHECK(p.fields[1].kind == json_kind::integer);
  CHECK(p.fields[1].integer == std::numeric_limits<std::int64_t>::min());
  CHECK(p.fields[2].kind == json_kind::floating);
  CHECK(p.fields[2].floating == 18446744073709551616.0);
  CHECK(p.fields[3].kind == json_kind::floating);
  CHECK(p.fields[4].kind == json_kind::integer);
  CHECK(p.fields[2].dump_number() == nlohmann::json(18446744073709551616.0).dump());
}

TEST_CASE("the scanner reads a number too small for a double as zero, on its own", "[json_scan]") {
  ajwt::detail::picked_members<names.size()> p;
  REQUIRE_FALSE(ajwt::detail::pick_members(R"({"alg":1e-400,"kid":-1e-400,"time":4.9e-324})", names, p));
  CHECK_FALSE(p.dom);  // no DOM: the lexer decides underflow and overflow itself
  CHECK(p.fields[0].kind == json_kind::floating);
  CHECK(p.fields[0].floating == 0.0);
  CHECK(std::signbit(p.fields[1].floating));
  CHECK(p.fields[2].floating == std::numeric_limits<double>::denorm_min());
  CHECK(scan(R"({"time":1e400})") == json_scan::rejected);
}

TEST_CASE("more member names than the scanner tracks are left to the strict parser", "[json_scan]") {
  std::string text = "{";
  for (int i = 0; i < 100; ++i) text += "\"m" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  text += "\"time\":7}";
  CHECK(scan(text) == json_scan::undecided);
  ajwt::detail::picked_members<names.size()> p;
  REQUIRE_FALSE(ajwt::detail::pick_members(text, names, p));
  CHECK(p.dom);
  CHECK(p.fields[2].unsigned_integer == 7);
  CHECK_FALSE(agrees(text.substr(0, text.size() - 1) + ",\"m5\":1}"));  // a duplicate beyond 64 names
}

TEST_CASE("the scanner and the strict parser agree on random input", "[json_scan]") {
  std::mt19937 rng(7);
  const std::string alphabet = "{}[]\":,.-+0123456789eEtrufalsn \\u\xc3\xa9\xff\x01\xef\xbb\xbf";
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string text = ajwt_test::random_text(rng, alphabet, 40);
    if (agrees(text)) ++accepted;
  }
  CHECK(accepted > 0);
}
