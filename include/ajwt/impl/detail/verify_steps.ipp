// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/detail/verify_steps.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_DETAIL_VERIFY_STEPS_IPP
#define AJWT_IMPL_DETAIL_VERIFY_STEPS_IPP

#include "../../detail/verify_steps.hpp"

#include <exception>
#include <memory>
#include <utility>

#include "../../algorithm.hpp"
#include "../../detail/json_lex.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

AJWT_DECL parsed_token::~parsed_token() = default;

AJWT_DECL void check_options(const verifier_options& opt, bool null_repository, bool null_store) {
  if (opt.scheme.empty() || opt.scheme.find_first_of(" \t\r\n") != std::string::npos)
    throw config_error("verifier_options.scheme", "must be one non-empty word");
  if (opt.tolerance < 0 || opt.tolerance > 86400)
    throw config_error("verifier_options.tolerance", "must be between 0 and 86400 seconds");
  if (opt.max_token_bytes < 16 || opt.max_token_bytes > (1U << 24))
    throw config_error("verifier_options.max_token_bytes", "must be between 16 and 16 MiB");
  if (opt.algorithms.empty()) throw config_error("verifier_options.algorithms", "is empty");
  for (const auto& a : opt.audiences)
    if (a.empty()) throw config_error("verifier_options.audiences", "holds an empty string");
  if (opt.require_audience && opt.audiences.empty())
    throw config_error("verifier_options.require_audience", "needs at least one audience");
  if (opt.max_keys_per_token < 1 || opt.max_keys_per_token > 64)
    throw config_error("verifier_options.max_keys_per_token", "must be between 1 and 64");
  if (null_repository) throw config_error("verifier", "its key repository is a null std::shared_ptr");
  if (null_store) throw config_error("verifier", "its nonce store is a null std::shared_ptr");
}

AJWT_DECL void check_store_tolerance(const verifier_options& opt, std::int64_t kept) {
  if (opt.tolerance > kept)
    throw config_error("verifier_options.tolerance",
                       std::to_string(opt.tolerance) +
                           " s is wider than the nonce store keeps nonces for (its max_tolerance, " +
                           std::to_string(kept) + " s): give the store a max_tolerance of at least " +
                           std::to_string(opt.tolerance) + " s");
}

AJWT_DECL std::optional<failure> token_of_header(std::string_view header, const verifier_options& opt,
                                                 std::string_view& token) {
  // Scheme and size first: cheap, before any decoding. Surrounding whitespace is tolerated once.
  const auto t = trim(header);
  const auto sp = t.find_first_of(" \t");
  if (t.empty() || sp == std::string_view::npos)
    return failure{reason::malformed_header, "expected \"<scheme> <token>\""};
  const auto scheme = t.substr(0, sp);
  token = t.substr(sp);
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
  if (!iequals_ascii(scheme, opt.scheme)) return failure{reason::wrong_scheme, "scheme is not " + opt.scheme};
  if (token.size() > opt.max_token_bytes)  // before scanning it: a 1 MB header costs no more than a short one
    return failure{reason::token_too_large, "token is " + std::to_string(token.size()) + " bytes (maximum " +
                                                std::to_string(opt.max_token_bytes) + ")"};
  // Two vectorised memchr scans (find_first_of(" \t") would call memchr once per character, and a
  // byte loop costs ~10 instructions per character: 5k per token, more than all of the JSON).
  const bool blank_inside =
      token.find(' ') != std::string_view::npos || token.find('\t') != std::string_view::npos;
  if (token.empty() || blank_inside)
    return failure{reason::malformed_header, "expected exactly one token after the scheme"};
  return std::nullopt;
}

AJWT_DECL failure internal_error(const std::exception* e) {
  return failure{reason::malformed_token, e ? std::string("internal error: ") + e->what() : "internal error"};
}

AJWT_DECL failure repository_failure(const std::exception* e) {
  return failure{reason::key_repository_unavailable,
                 e ? "key repository failed: " + std::string(e->what()) : "key repository failed"};
}

AJWT_DECL failure unknown_user(std::string_view username) {
  return failure{reason::unknown_user, "no keys for user \"" + printable(username) + "\""};
}

AJWT_DECL failure nonce_failure(nonce_status st, const std::string& store_error) {
  if (st == nonce_status::replayed) return failure{reason::nonce_replayed, "nonce already used"};
  return failure{reason::nonce_store_unavailable,
                 "nonce store unavailable" + (store_error.empty() ? std::string() : ": " + store_error)};
}

AJWT_DECL failure signature_failure(std::string_view username, algorithm alg, bool kid_names_a_key,
                                    std::size_t allowing, std::size_t tried) {
  const std::string who = "user \"" + printable(username) + "\"";
  if (allowing == 0)
    return failure{reason::unsupported_algorithm,
                   (kid_names_a_key ? "the key the kid names of " : "no key of ") + who + " allows " +
                       std::string(to_string(alg))};
  if (kid_names_a_key)
    return failure{reason::bad_signature, "the key the kid names does not verify the signature"};
  std::string detail = "no key of the user verifies the signature";
  if (tried < allowing)
    detail += " (checked " + std::to_string(tried) + " of " + std::to_string(allowing) +
              " keys: verifier_options.max_keys_per_token; a kid naming the key selects it)";
  return failure{reason::bad_signature, std::move(detail)};
}

AJWT_DECL void notify_observer(const verifier_options& opt, const failure* f, std::string_view username,
                               std::string_view kid) noexcept {
  try {
    verify_event ev;
    ev.accepted = f == nullptr;
    if (f) {
      ev.why = f->reason;
      ev.detail = f->detail;
    }
    ev.username = username;
    ev.kid = kid;
    opt.observer(ev);
  } catch (...) {
    // An observer must not change the outcome.
  }
}

AJWT_DECL lazy_json take_claims(parsed_token& t) {
  std::unique_ptr<nlohmann::json> dom;
  if (t.claims.dom) dom = std::make_unique<nlohmann::json>(std::move(t.claims.dom->value));
  return lazy_json(std::move(t.jws.payload), std::move(dom));
}

AJWT_DECL std::optional<double> numeric_date(const json_field& v) noexcept {
  switch (v.kind) {
    case json_kind::unsigned_integer: return static_cast<double>(v.unsigned_integer);
    case json_kind::integer: return static_cast<double>(v.integer);
    case json_kind::floating:
      if (std::isfinite(v.floating)) return v.floating;
      return std::nullopt;
    default: return std::nullopt;
  }
}

AJWT_DECL result<std::string_view> check_string_claim(const json_field& f, std::string_view name,
                                                      std::size_t max_bytes) {
  // The detail is composed only on failure: the accepting path allocates nothing here.
  const auto fail = [&](reason r, std::string_view what) {
    return failure{r, "claim \"" + std::string(name) + "\" " + std::string(what)};
  };
  if (!f.present()) return fail(reason::missing_claim, "is missing");
  if (!f.is_string()) return fail(reason::invalid_claim, "is not a string");
  if (f.text.empty()) return fail(reason::invalid_claim, "is empty");
  if (f.text.size() > max_bytes)
    return fail(reason::invalid_claim, "is longer than " + std::to_string(max_bytes) + " bytes");
  return f.text;
}

AJWT_DECL std::optional<failure> parse_token(std::string_view token, const verifier_options& opt,
                                             parsed_token& out) {
  if (auto why = decode_jws(token, opt.max_token_bytes, out.jws)) {
    out.jws.kid = {};
    return why;
  }
  const decoded_jws& d = out.jws;
  if (!opt.algorithms.contains(d.alg))
    return failure{reason::unsupported_algorithm,
                   "algorithm " + std::string(to_string(d.alg)) + " is not enabled on this verifier"};
  if (const auto& typ = d.header.fields[hdr_typ];
      typ.present() && (!typ.is_string() || !iequals_ascii(typ.text, "JWT")))
    return failure{reason::malformed_token, "header \"typ\" is not \"JWT\""};
  if (auto error = pick_members(d.payload, verified_claims, out.claims))
    return failure{reason::malformed_token, "payload: " + error->what};
  if (!out.claims.is_object) return failure{reason::malformed_token, "payload is not a JSON object"};
  auto username = check_string_claim(out.claim(c_username), "username", opt.max_username_bytes);
  if (!username) return username.error();
  out.username = *username;
  return std::nullopt;
}

AJWT_DECL result<std::int64_t> check_time(const json_field& f, const verifier_options& opt,
                                          std::int64_t now) {
  if (!f.present()) return failure{reason::missing_claim, "claim \"time\" is missing"};
  if (!f.is_integer()) return failure{reason::invalid_claim, "claim \"time\" is not an integer"};
  if (f.kind == json_kind::unsigned_integer && f.unsigned_integer > static_cast<std::uint64_t>(INT64_MAX))
    return failure{reason::invalid_claim, "claim \"time\" is out of range"};
  const std::int64_t time =
      f.kind == json_kind::unsigned_integer ? static_cast<std::int64_t>(f.unsigned_integer) : f.integer;
  const std::int64_t earliest = now < INT64_MIN + opt.tolerance ? INT64_MIN : now - opt.tolerance;
  const std::int64_t latest = now > INT64_MAX - opt.tolerance ? INT64_MAX : now + opt.tolerance;
  if (time >= earliest && time <= latest) return time;
  // The distance as unsigned: it may not fit in int64.
  const std::uint64_t off = time < now ? static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(time)
                                       : static_cast<std::uint64_t>(time) - static_cast<std::uint64_t>(now);
  return failure{reason::time_out_of_window, "time " + std::to_string(time) + " is " + std::to_string(off) +
                                                 " s from the server clock (tolerance " +
                                                 std::to_string(opt.tolerance) + " s)"};
}

AJWT_DECL std::optional<failure> check_exp_nbf(const json_field& exp, const json_field& nbf,
                                               const verifier_options& opt, std::int64_t now) {
  const auto leeway = static_cast<double>(opt.tolerance);
  if (exp.present()) {
    const auto t = numeric_date(exp);
    if (!t) return failure{reason::invalid_claim, "claim \"exp\" is not a number"};
    if (static_cast<double>(now) > *t + leeway)
      return failure{reason::token_expired, "token expired (exp " + exp.dump_number() + ")"};
  }
  if (nbf.present()) {
    const auto t = numeric_date(nbf);
    if (!t) return failure{reason::invalid_claim, "claim \"nbf\" is not a number"};
    if (static_cast<double>(now) < *t - leeway)
      return failure{reason::time_out_of_window, "token not valid before nbf " + nbf.dump_number()};
  }
  return std::nullopt;
}

AJWT_DECL std::optional<failure> check_audience(const json_field& aud, const verifier_options& opt) {
  if (!aud.present()) {
    if (!opt.require_audience) return std::nullopt;
    return failure{reason::missing_claim, "claim \"aud\" is missing and this verifier requires one"};
  }
  const failure invalid{reason::invalid_claim, "claim \"aud\" is not a string or an array of strings"};
  bool found = false;
  auto match = [&](std::string_view a) {
    for (const auto& want : opt.audiences) found = found || a == want;
  };
  if (aud.is_string()) {
    match(aud.text);
  } else if (aud.kind == json_kind::array) {
    const auto array = parse_json_strict(aud.raw);
    if (!array || !array->is_array()) return invalid;
    for (const auto& element : *array) {
      if (!element.is_string()) return invalid;
      match(element.get_ref<const std::string&>());
    }
  } else {
    return invalid;
  }
  if (opt.audiences.empty())
    return failure{reason::audience_mismatch, "token carries \"aud\" but this verifier expects no audience"};
  if (!found)
    return failure{reason::audience_mismatch, "claim \"aud\" names none of this verifier's audiences"};
  return std::nullopt;
}

AJWT_DECL std::optional<failure> check_binding(const json_field* binding, const verifier_options& opt,
                                               const received_request& received) {
  const std::string_view names[] = {claim::method, claim::uri, claim::query_hash, claim::body_hash};
  auto mismatch = [](std::string detail) { return failure{reason::request_mismatch, std::move(detail)}; };
  bool any = false;
  for (int i = 0; i < 4; ++i) {
    if (!binding[i].present()) {
      if (opt.require_binding)
        return mismatch("claim \"" + std::string(names[i]) + "\" is missing and binding is required");
      continue;
    }
    if (!binding[i].is_string()) return mismatch("claim \"" + std::string(names[i]) + "\" is not a string");
    any = true;
  }
  if (!any) return std::nullopt;
  if (received.request == nullptr || received.claims_of == nullptr) {
    if (!opt.require_binding) return std::nullopt;
    return mismatch("binding is required but no request was given to the verifier");
  }
  binding_claims want;
  try {
    want = received.claims_of(*received.request);
  } catch (const std::exception& e) {
    return mismatch(std::string("the received request cannot be bound: ") + e.what());
  }
  const std::string* values[] = {&want.htm, &want.htu, &want.htq, &want.htb};
  const char* what[] = {"method", "URL", "query", "body"};
  for (int i = 0; i < 4; ++i)
    if (binding[i].present() && binding[i].text != *values[i])
      return mismatch(std::string("the token is bound to another ") + what[i] + " (claim " +
                      std::string(names[i]) + ")");
  return std::nullopt;
}

AJWT_DECL result<accepted_claims> check_claims(const parsed_token& t, const verifier_options& opt,
                                               std::int64_t now, const received_request& received) {
  auto time = check_time(t.claim(c_time), opt, now);
  if (!time) return time.error();
  auto nonce = check_string_claim(t.claim(c_nonce), "nonce", opt.max_nonce_bytes);
  if (!nonce) return nonce.error();
  if (auto f = check_exp_nbf(t.claim(c_exp), t.claim(c_nbf), opt, now)) return std::move(*f);
  if (auto f = check_audience(t.claim(c_aud), opt)) return std::move(*f);
  if (auto f = check_binding(&t.claim(c_htm), opt, received)) return std::move(*f);
  return accepted_claims{*time, *nonce};
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_DETAIL_VERIFY_STEPS_IPP
