// SPDX-License-Identifier: ISC
#include "inspect_command.hpp"

#include <unistd.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <ajwt/clock.hpp>
#include <ajwt/detail/base64.hpp>
#include <ajwt/detail/json.hpp>
#include <ajwt/detail/text.hpp>
#include <nlohmann/json.hpp>

namespace ajwt_cli {

namespace {

struct inspect_options {
  std::string input;
  std::optional<std::int64_t> now;
};

/// `s`, at most 40 bytes of it, quoted by the library's one policy: safe to echo in a message.
std::string excerpt(std::string_view s) { return ajwt::detail::printable(s, 40); }

/// Decodes one base64url segment of the token and parses it as a strict JSON object; `what` names it.
nlohmann::json decode_segment(std::string_view segment, const char* what) {
  if (segment.empty()) throw usage_error(std::string("inspect: the ") + what + " segment is empty");
  const auto octets = ajwt::detail::base64url_decode(segment);
  if (!octets)
    throw usage_error(std::string("inspect: the ") + what +
                      " segment is not canonical unpadded base64url: \"" + excerpt(segment) + "\"");
  auto value = ajwt::detail::parse_json_strict(*octets);
  if (!value) throw usage_error(std::string("inspect: the ") + what + " is not valid JSON: " + value.error());
  if (!value->is_object()) throw usage_error(std::string("inspect: the ") + what + " is not a JSON object");
  return std::move(*value);
}

int run_inspect(const inspect_options& o) {
  std::string_view text = o.input;
  if (text.size() > max_inspect_bytes)
    throw usage_error("inspect: the input is " + std::to_string(text.size()) + " bytes; at most " +
                      std::to_string(max_inspect_bytes) + " are decoded");
  using ajwt::detail::trim;
  text = trim(text);
  // "JWT <token>" or "Bearer <token>": one scheme word, then the token; else the whole text is the token.
  if (const auto space = text.find_first_of(" \t"); space != std::string_view::npos)
    text = trim(text.substr(space + 1));
  if (text.empty()) throw usage_error("inspect: nothing to decode (give \"JWT <token>\" or a token)");
  const auto first = text.find('.');
  const auto second = first == std::string_view::npos ? first : text.find('.', first + 1);
  if (second == std::string_view::npos || text.find('.', second + 1) != std::string_view::npos)
    throw usage_error(
        "inspect: not a compact JWT: expected three base64url segments separated by dots "
        "(header.claims.signature), got \"" +
        excerpt(text) + "\"");
  nlohmann::json out;
  out["header"] = decode_segment(text.substr(0, first), "header");
  out["claims"] = decode_segment(text.substr(first + 1, second - first - 1), "claims");
  const auto signature = ajwt::detail::base64url_decode(text.substr(second + 1));
  if (!signature) throw usage_error("inspect: the signature segment is not canonical unpadded base64url");
  out["verified"] = false;
  const std::int64_t now = o.now ? *o.now : ajwt::system_clock().now();
  out["now"] = now;
  // Only an integer time within reach of now gives an offset (no overflow for absurd values).
  constexpr std::int64_t far = std::int64_t{1} << 52;
  nlohmann::json offset = nullptr;
  const auto& claims = out["claims"];
  if (const auto t = claims.find("time"); t != claims.end() && t->is_number_integer()) {
    const bool huge = t->is_number_unsigned() && t->get<std::uint64_t>() >= static_cast<std::uint64_t>(far);
    if (!huge) {
      const auto value = t->get<std::int64_t>();
      if (value > -far && value < far && now > -far && now < far) offset = value - now;
    }
  }
  out["time_offset"] = offset;
  write_all(STDOUT_FILENO, out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
            "standard output");
  return exit_ok;
}

}  // namespace

command add_inspect_command(CLI::App& parent) {
  auto o = std::make_shared<inspect_options>();
  auto* app = parent.add_subcommand(
      "inspect",
      "Decode an Authorization header value or a token WITHOUT verifying it, for debugging: print its "
      "header, claims and time offset from now as one JSON object (\"verified\": false)");
  app->add_option("--now", o->now, "Compute the time offset from this Unix time instead of the clock")
      ->type_name("UNIX");
  app->add_option("HEADER_OR_TOKEN", o->input, "\"JWT <token>\" (any scheme word) or a bare token")
      ->required();
  return {app, [o] { return run_inspect(*o); }};
}

}  // namespace ajwt_cli
