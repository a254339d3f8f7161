// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/token.hpp> declares: included at the end of that header (header-only,
// the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_TOKEN_IPP
#define AJWT_IMPL_TOKEN_IPP

#include "../token.hpp"

#include <cstddef>

AJWT_NAMESPACE_BEGIN

AJWT_DECL std::string generate_nonce(std::size_t bytes) {
  if (bytes < 8 || bytes > 64) throw config_error("nonce size", "must be 8 to 64 random bytes");
  unsigned char buf[64];
  detail::random_bytes(buf, bytes);
  return detail::base64url_encode(std::string_view(reinterpret_cast<const char*>(buf), bytes));
}

AJWT_NAMESPACE_END

AJWT_NAMESPACE_BEGIN

AJWT_DECL token_builder::token_builder(private_key key, std::string username)
    : key_(std::move(key)), username_(std::move(username)) {
  if (username_.empty()) throw config_error("token_builder", "needs a non-empty username");
  alg_ = key_.default_algorithm();
}

AJWT_DECL token_builder::token_builder(const token_builder& other) = default;
AJWT_DECL token_builder::token_builder(token_builder&& other) noexcept = default;
AJWT_DECL token_builder& token_builder::operator=(const token_builder& other) = default;
AJWT_DECL token_builder& token_builder::operator=(token_builder&& other) noexcept = default;
AJWT_DECL token_builder::~token_builder() = default;

AJWT_DECL token_builder& token_builder::algorithm(ajwt::algorithm a) {
  if (!key_.allows(a))
    throw key_error("signing key", "a " + std::string(to_string(key_.type())) + " key cannot sign " +
                                       std::string(to_string(a)));
  alg_ = a;
  return *this;
}

AJWT_DECL token_builder& token_builder::time(std::int64_t unix_seconds) {
  time_ = unix_seconds;
  return *this;
}

AJWT_DECL token_builder& token_builder::nonce(std::string value) {
  if (value.empty()) throw config_error("nonce", "must not be empty");
  nonce_ = std::move(value);
  return *this;
}

AJWT_DECL token_builder& token_builder::audiences(const std::vector<std::string>& auds) {
  return claim("aud", nlohmann::json(auds));
}

AJWT_DECL token_builder& token_builder::claim(const std::string& name, nlohmann::json value) {
  if (name == "username" || name == "time" || name == "nonce")
    throw config_error("claim \"" + name + "\"", "is set by the token builder itself");
  extra_[name] = std::move(value);
  return *this;
}

AJWT_DECL token_builder& token_builder::bind(const http_request& request) {
  auto b = binding_claims::of(request);
  extra_[std::string(claim::method)] = std::move(b.htm);
  extra_[std::string(claim::uri)] = std::move(b.htu);
  extra_[std::string(claim::query_hash)] = std::move(b.htq);
  extra_[std::string(claim::body_hash)] = std::move(b.htb);
  return *this;
}

AJWT_DECL token_builder& token_builder::remove_claim(const std::string& name) {
  extra_.erase(name);
  return *this;
}

AJWT_DECL token_builder& token_builder::scheme(std::string word) {
  if (word.empty() || word.find_first_of(" \t\r\n") != std::string::npos)
    throw config_error("scheme", "must be one word");
  scheme_ = std::move(word);
  return *this;
}

AJWT_DECL std::string token_builder::token(const http_request& request) const {
  const auto b = binding_claims::of(request);
  return make_token(&b);
}

AJWT_DECL std::string token_builder::header(const http_request& request) const {
  return scheme_ + ' ' + token(request);
}

AJWT_DECL std::string token_builder::make_token(const binding_claims* binding) const {
  std::string header = "{\"alg\":\"";
  header += to_string(alg_);
  header += "\",\"kid\":\"";
  header += key_.kid();
  header += "\",\"typ\":\"JWT\"}";
  std::string payload = "{\"username\":";
  detail::append_json_string(payload, username_);
  payload += ",\"time\":";
  payload += std::to_string(time_ ? *time_ : system_clock().now());
  payload += ",\"nonce\":";
  detail::append_json_string(payload, nonce_ ? *nonce_ : generate_nonce());
  const std::string_view bound[] = {claim::method, claim::uri, claim::query_hash, claim::body_hash};
  for (const auto& [name, value] : extra_.items()) {
    if (binding && std::find(std::begin(bound), std::end(bound), name) != std::end(bound)) continue;
    payload += ',';
    detail::append_json_string(payload, name);
    payload += ':';
    detail::append_json(payload, value);
  }
  if (binding) {
    const std::string* values[] = {&binding->htm, &binding->htu, &binding->htq, &binding->htb};
    for (int i = 0; i < 4; ++i) {
      payload += ',';
      detail::append_json_string(payload, bound[i]);
      payload += ':';
      detail::append_json_string(payload, *values[i]);
    }
  }
  payload += '}';
  std::string out = detail::base64url_encode(header);
  out += '.';
  detail::base64_append(out, payload, detail::b64_alphabet::url);
  const std::string sig = jws::sign(key_, alg_, out);
  out += '.';
  detail::base64_append(out, sig, detail::b64_alphabet::url);
  return out;
}

AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_TOKEN_IPP
