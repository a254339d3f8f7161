// SPDX-License-Identifier: ISC
// Differential: ajwt's JSON reader (detail/json_lex.hpp under parse_json_strict and the verify path's
// flat scanner) against nlohmann's own parser with the same strict rules (tests/json_reference.hpp). On
// every input: parse_json_strict accepts exactly what the reference accepts, with the same document
// (numbers bit for bit); what the scanner accepts the reference accepts, with the same top-level type
// and the same picked members (kind, number, unescaped string, array or object value); what the scanner
// rejects the reference rejects; pick_members gives parse_json_strict's verdict and error text always.
// The names include the verifier's claims and JOSE header members.
#include <ajwt/detail/json.hpp>
#include <ajwt/detail/json_scan.hpp>
#include <ajwt/detail/json_write.hpp>

#include "../tests/json_reference.hpp"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

constexpr std::array<std::string_view, 18> names = {"username", "time", "nonce", "exp", "nbf",      "aud",
                                                    "htm",      "htu",  "htq",   "htb", "alg",      "kid",
                                                    "typ",      "crit", "a",     "b",   "\xc3\xa9", ""};

bool same_double(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void check_field(const ajwt::detail::json_field& f, const nlohmann::json* v, bool from_scanner) {
  using ajwt::detail::json_kind;
  if (!v) {
    require(f.kind == json_kind::absent);
    return;
  }
  switch (v->type()) {
    case nlohmann::json::value_t::null: require(f.kind == json_kind::null); break;
    case nlohmann::json::value_t::boolean:
      require(f.kind == json_kind::boolean && f.boolean == v->get<bool>());
      break;
    case nlohmann::json::value_t::number_integer:
      require(f.kind == json_kind::integer && f.integer == v->get<std::int64_t>());
      break;
    case nlohmann::json::value_t::number_unsigned:
      require(f.kind == json_kind::unsigned_integer && f.unsigned_integer == v->get<std::uint64_t>());
      break;
    case nlohmann::json::value_t::number_float:
      require(f.kind == json_kind::floating && same_double(f.floating, v->get<double>()));
      break;
    case nlohmann::json::value_t::string:
      require(f.kind == json_kind::string && f.text == v->get_ref<const std::string&>());
      break;
    case nlohmann::json::value_t::array:
    case nlohmann::json::value_t::object: {
      require(f.kind == (v->is_array() ? json_kind::array : json_kind::object));
      const auto again = ajwt::detail::parse_json_strict(f.raw);
      require(again && *again == *v);
      break;
    }
    default: require(false);
  }
  (void)from_scanner;
}

void check(std::string_view text, std::size_t max_depth) {
  const auto parsed = ajwt::detail::parse_json_strict(text, max_depth);
  const bool ref_ok = static_cast<bool>(parsed);
  const auto reference = ajwt_test::reference_parse(text, max_depth);
  require(ref_ok == reference.has_value());
  if (!ref_ok) require(!parsed.error().empty());
  const nlohmann::json ref = ref_ok ? *parsed : nlohmann::json();
  if (ref_ok)
    require(ref == *reference && ajwt::detail::json_text(ref) == ajwt::detail::json_text(*reference));

  std::array<ajwt::detail::json_field, names.size()> fields;
  std::string scratch;
  bool is_object = false;
  ajwt::detail::json_scanner scanner(text, names.data(), fields.data(), names.size(), scratch, max_depth);
  const auto verdict = scanner.run(is_object);
  if (verdict == ajwt::detail::json_scan::accepted) {
    require(ref_ok);
    require(is_object == ref.is_object());
    if (is_object)
      for (std::size_t i = 0; i < names.size(); ++i) {
        auto it = ref.find(names[i]);
        check_field(fields[i], it == ref.end() ? nullptr : &*it, true);
      }
  } else if (verdict == ajwt::detail::json_scan::rejected) {
    require(!ref_ok);
  }

  ajwt::detail::picked_members<names.size()> picked;
  const auto error = ajwt::detail::pick_members(text, names, picked, max_depth);
  require(!error == ref_ok);
  if (error) {
    require(error->what == parsed.error());
    return;
  }
  require(picked.is_object == ref.is_object());
  if (picked.is_object)
    for (std::size_t i = 0; i < names.size(); ++i) {
      auto it = ref.find(names[i]);
      check_field(picked.fields[i], it == ref.end() ? nullptr : &*it, false);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check(text, ajwt::detail::default_json_max_depth);
  check(text, 2);
  return 0;
}
