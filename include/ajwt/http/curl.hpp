// SPDX-License-Identifier: ISC
// libcurl client helper (part of the optional component ajwt::curl): an Authorization header bound to the
// request a CURL* easy handle will send.
//
//     ajwt::token_builder signer(ajwt::private_key::load_file("client.pem"), "svc-billing");  // shareable
//     CURL* curl = curl_easy_init();
//     ajwt::http::curl_header_list headers;                 // frees the list; outlive the transfer
//     headers.append("Content-Type: application/json");
//     ajwt::http::prepare_signed_request(curl, signer,
//         {"POST", "https://api.example.com/v1/items", std::string(R"({"n":1})"), std::nullopt}, headers);
//     curl_easy_perform(curl);
//
// Why the request is passed in, not read from the handle: libcurl has no getter for the options set on a
// handle. CURLINFO_EFFECTIVE_METHOD says "GET" until a transfer has run, whatever CURLOPT_POST or
// CURLOPT_CUSTOMREQUEST say, and nothing reads CURLOPT_POSTFIELDS back. So prepare_signed_request sets the
// URL, the method and the body on the handle itself from the one http_request it signs: what is sent
// and what is signed cannot differ. sign_prepared_request, for a handle whose URL is already set, takes
// the URL from the handle (CURLINFO_EFFECTIVE_URL, which libcurl answers with CURLOPT_URL before a
// transfer) and needs the method and the body from the caller, which must match what the handle sends.
//
// Redirects: a token is bound to one URL; leave CURLOPT_FOLLOWLOCATION off (the default), or the
// redirected request carries a token the next server refuses.
#ifndef AJWT_HTTP_CURL_HPP
#define AJWT_HTTP_CURL_HPP

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <curl/curl.h>

#include "../detail/text.hpp"
#include "../error.hpp"
#include "../request.hpp"
#include "../token.hpp"
#include "../version.hpp"

AJWT_NAMESPACE_BEGIN
namespace http {

/// Owns a curl_slist of request headers (CURLOPT_HTTPHEADER). It must outlive the transfers that use
/// it. Not thread-safe; movable, not copyable.
class curl_header_list {
 public:
  curl_header_list() = default;
  curl_header_list(const curl_header_list&) = delete;
  curl_header_list& operator=(const curl_header_list&) = delete;
  /// Takes the other list; the other is left empty.
  curl_header_list(curl_header_list&& other) noexcept : list_(other.list_) { other.list_ = nullptr; }
  /// Frees this list and takes the other's; the other is left empty.
  curl_header_list& operator=(curl_header_list&& other) noexcept {
    if (this != &other) {
      curl_slist_free_all(list_);
      list_ = other.list_;
      other.list_ = nullptr;
    }
    return *this;
  }
  ~curl_header_list() { curl_slist_free_all(list_); }

  /// Appends one "Name: value" line. Throws ajwt::error when libcurl runs out of memory.
  void append(const std::string& line) {
    curl_slist* next = curl_slist_append(list_, line.c_str());
    if (!next) throw error("ajwt: curl_slist_append failed (out of memory)");
    list_ = next;
  }
  /// Removes every "Authorization:" line (case-insensitive), so a handle signed again carries one.
  void remove_authorization() {
    curl_header_list kept;
    for (curl_slist* p = list_; p; p = p->next) {
      const std::string_view line(p->data);
      constexpr std::string_view name = "authorization:";
      bool is_auth = line.size() >= name.size();
      for (std::size_t i = 0; is_auth && i < name.size(); ++i)
        is_auth = detail::ascii_lower(line[i]) == name[i];
      if (!is_auth) kept.append(p->data);
    }
    *this = std::move(kept);
  }
  /// The list, for CURLOPT_HTTPHEADER (owned by this object: keep it alive until the transfer ends).
  [[nodiscard]] curl_slist* get() const noexcept { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

namespace detail {
inline void curl_check(CURLcode rc, const char* what) {
  if (rc != CURLE_OK) throw error(std::string("ajwt: ") + what + ": " + curl_easy_strerror(rc));
}
}  // namespace detail

/// Adds "Authorization: <scheme> <token>", a fresh token bound to `method`, the handle's URL and `body`,
/// to `headers` (replacing an earlier Authorization line) and sets them as the handle's
/// CURLOPT_HTTPHEADER. The URL is read from the handle (set CURLOPT_URL first); the method and the body
/// must be those the handle sends (libcurl cannot say before the transfer). Throws ajwt::error when the
/// handle has no URL or libcurl fails, config_error when the URL is not absolute http(s).
inline void sign_prepared_request(CURL* curl, const token_builder& builder, const std::string& method,
                                  const std::optional<std::string>& body, curl_header_list& headers) {
  char* url = nullptr;
  detail::curl_check(curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &url), "CURLINFO_EFFECTIVE_URL");
  if (!url || !*url)
    throw error("ajwt: sign_prepared_request: the handle has no URL (set CURLOPT_URL first)");
  const std::string header = builder.header(http_request{method, url, body, std::nullopt});
  headers.remove_authorization();
  headers.append("Authorization: " + header);
  detail::curl_check(curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get()), "CURLOPT_HTTPHEADER");
}

/// Sets up `curl` to send `request` and signs it: CURLOPT_URL; the method (GET: CURLOPT_HTTPGET; HEAD:
/// CURLOPT_NOBODY; a body or POST: CURLOPT_POST with the body copied by CURLOPT_COPYPOSTFIELDS, binary-safe;
/// any other method: CURLOPT_CUSTOMREQUEST too); then sign_prepared_request. Other options (timeouts, TLS,
/// headers already in `headers`) are left as they are. Thread safety: the builder is only read, so
/// handles on several threads may share it; each handle belongs to one thread, as libcurl requires.
inline void prepare_signed_request(CURL* curl, const token_builder& builder, const http_request& request,
                                   curl_header_list& headers) {
  if (request.body_sha256)
    throw config_error("prepare_signed_request", "sends the body itself: give http_request::body");
  const bool has_body = request.body && !request.body->empty();
  detail::curl_check(curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str()), "CURLOPT_URL");
  detail::curl_check(curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, static_cast<char*>(nullptr)),
                     "CURLOPT_CUSTOMREQUEST");
  if (request.method == "HEAD" && !has_body) {
    detail::curl_check(curl_easy_setopt(curl, CURLOPT_NOBODY, 1L), "CURLOPT_NOBODY");
  } else if (has_body || request.method == "POST") {
    const std::string& body = has_body ? *request.body : std::string();
    detail::curl_check(curl_easy_setopt(curl, CURLOPT_NOBODY, 0L), "CURLOPT_NOBODY");
    detail::curl_check(curl_easy_setopt(curl, CURLOPT_POST, 1L), "CURLOPT_POST");
    detail::curl_check(
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size())),
        "CURLOPT_POSTFIELDSIZE_LARGE");
    detail::curl_check(curl_easy_setopt(curl, CURLOPT_COPYPOSTFIELDS, body.data()), "CURLOPT_COPYPOSTFIELDS");
    if (request.method != "POST")
      detail::curl_check(curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str()),
                         "CURLOPT_CUSTOMREQUEST");
  } else {
    detail::curl_check(curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L), "CURLOPT_HTTPGET");
    if (request.method != "GET")
      detail::curl_check(curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str()),
                         "CURLOPT_CUSTOMREQUEST");
  }
  sign_prepared_request(curl, builder, request.method, request.body, headers);
}

}  // namespace http
AJWT_NAMESPACE_END

#endif  // AJWT_HTTP_CURL_HPP
