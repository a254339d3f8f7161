// SPDX-License-Identifier: ISC
// The default fetcher of jwks_url_key_repository, over libcurl (link ajwt::curl).
#ifndef AJWT_REPOSITORY_CURL_FETCHER_HPP
#define AJWT_REPOSITORY_CURL_FETCHER_HPP

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <curl/curl.h>

#include "../detail/text.hpp"
#include "../version.hpp"
#include "jwks_fetch.hpp"
#include "jwks_url.hpp"

AJWT_NAMESPACE_BEGIN

/// Options of curl_fetcher. Timeouts, the size limit and the scheme rule come with each fetch_request.
struct curl_fetcher_options {
  /// The User-Agent header.
  std::string user_agent = "ajwt/" + std::to_string(AJWT_VERSION_MAJOR) + "." +
                           std::to_string(AJWT_VERSION_MINOR) + "." + std::to_string(AJWT_VERSION_PATCH);
  /// A CA bundle file (CURLOPT_CAINFO) or directory (CURLOPT_CAPATH) instead of the system's.
  std::string ca_file;
  std::string ca_path;  ///< a directory of hashed CA certificates (CURLOPT_CAPATH); see ca_file
  /// The proxy (CURLOPT_PROXY). Unset: libcurl's default, the https_proxy/no_proxy environment
  /// variables. Empty: never use a proxy.
  std::optional<std::string> proxy;
};

namespace detail::jwks {

/// curl_global_init, once per process (libcurl's global state is never torn down: other libraries in
/// the process may use it too).
inline CURLcode curl_global() {
  static std::once_flag once;
  static CURLcode rc = CURLE_OK;
  std::call_once(once, [] { rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return rc;
}

/// What the libcurl callbacks fill in during one transfer.
struct curl_transfer {
  fetch_result* result;
  std::size_t max_bytes;
  bool too_large = false;
};

/// CURLOPT_WRITEFUNCTION: appends the body; a short count (0) aborts the transfer past max_bytes.
inline std::size_t curl_on_body(char* data, std::size_t size, std::size_t count, void* user) noexcept {
  auto* t = static_cast<curl_transfer*>(user);
  const std::size_t n = size * count;
  if (n > t->max_bytes - t->result->body.size()) {
    t->too_large = true;
    return 0;
  }
  try {
    t->result->body.append(data, n);
  } catch (...) {
    return 0;
  }
  return n;
}

/// CURLOPT_HEADERFUNCTION: keeps ETag, Cache-Control and Age of the last response (a status line
/// starts a new response, e.g. after 100 Continue or a proxy's CONNECT answer).
inline std::size_t curl_on_header(char* data, std::size_t size, std::size_t count, void* user) noexcept {
  auto* t = static_cast<curl_transfer*>(user);
  const std::size_t n = size * count;
  try {
    const std::string_view line = detail::trim(std::string_view(data, n));
    fetch_result& r = *t->result;
    if (line.size() >= 5 && line.substr(0, 5) == "HTTP/") {
      r.etag.clear();
      r.max_age.reset();
      r.no_cache = false;
      r.age = 0;
      return n;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    const auto name = detail::trim(line.substr(0, colon));
    const auto value = detail::trim(line.substr(colon + 1));
    if (detail::iequals_ascii(name, "etag")) {
      if (value.size() <= 1024) r.etag.assign(value);  // a longer one is not worth sending back
    } else if (detail::iequals_ascii(name, "cache-control")) {
      r.add_cache_control(value);
    } else if (detail::iequals_ascii(name, "age")) {
      r.set_age(value);
    }
  } catch (...) {
    return 0;
  }
  return n;
}

inline long curl_millis(std::chrono::milliseconds d) noexcept {
  return static_cast<long>(std::clamp<std::chrono::milliseconds::rep>(d.count(), 1, 24L * 3600 * 1000));
}

}  // namespace detail::jwks

/// Fetches JWKS documents with libcurl: one GET per call on its own easy handle (so calls on many
/// threads are independent), HTTPS with peer and host verification, no redirects, only https (and
/// http when the request allows it), the request's connect and total timeouts, and the body capped at
/// the request's max_bytes (the transfer is aborted, not truncated). No signals are used (safe in
/// multi-threaded servers). Never throws for transfer problems: they come back in fetch_result::error.
class curl_fetcher {
 public:
  /// A fetcher with the default options (system CA store, libcurl's proxy settings).
  curl_fetcher() = default;
  /// A fetcher with `options`.
  explicit curl_fetcher(curl_fetcher_options options) : opt_(std::move(options)) {}

  /// Performs `req` with a fresh easy handle; never throws for transport errors (they set `error`).
  [[nodiscard]] fetch_result fetch(const fetch_request& req) const {
    fetch_result result;
    if (const CURLcode rc = detail::jwks::curl_global(); rc != CURLE_OK) {
      result.error = std::string("curl_global_init failed: ") + curl_easy_strerror(rc);
      return result;
    }
    std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
    if (!h) {
      result.error = "curl_easy_init failed";
      return result;
    }
    std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(nullptr, curl_slist_free_all);
    auto add_header = [&](const std::string& line) {
      curl_slist* next = curl_slist_append(headers.get(), line.c_str());
      if (!next) return false;
      (void)headers.release();  // `next` heads the same list
      headers.reset(next);
      return true;
    };
    detail::jwks::curl_transfer transfer{&result, req.max_bytes};
    char error_buffer[CURL_ERROR_SIZE] = {};
    CURL* c = h.get();
    CURLcode rc = CURLE_OK;
    auto set = [&](CURLoption option, auto value) {
      if (rc == CURLE_OK) rc = curl_easy_setopt(c, option, value);
    };
    const char* protocols = req.allow_http ? "http,https" : "https";
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0: CURLOPT_PROTOCOLS_STR
    set(CURLOPT_PROTOCOLS_STR, protocols);
    set(CURLOPT_REDIR_PROTOCOLS_STR, protocols);
#else
    const long protocol_bits = req.allow_http ? (CURLPROTO_HTTPS | CURLPROTO_HTTP) : CURLPROTO_HTTPS;
    set(CURLOPT_PROTOCOLS, protocol_bits);
    set(CURLOPT_REDIR_PROTOCOLS, protocol_bits);
#endif
    set(CURLOPT_URL, req.url.c_str());
    set(CURLOPT_HTTPGET, 1L);
    set(CURLOPT_FOLLOWLOCATION, 0L);
    set(CURLOPT_SSL_VERIFYPEER, 1L);
    set(CURLOPT_SSL_VERIFYHOST, 2L);
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_CONNECTTIMEOUT_MS, detail::jwks::curl_millis(req.connect_timeout));
    set(CURLOPT_TIMEOUT_MS, detail::jwks::curl_millis(req.timeout));
    set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(req.max_bytes));
    set(CURLOPT_WRITEFUNCTION, static_cast<curl_write_callback>(&detail::jwks::curl_on_body));
    set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
    set(CURLOPT_HEADERFUNCTION, static_cast<curl_write_callback>(&detail::jwks::curl_on_header));
    set(CURLOPT_HEADERDATA, static_cast<void*>(&transfer));
    set(CURLOPT_ERRORBUFFER, error_buffer);
    if (!opt_.user_agent.empty()) set(CURLOPT_USERAGENT, opt_.user_agent.c_str());
    if (!opt_.ca_file.empty()) set(CURLOPT_CAINFO, opt_.ca_file.c_str());
    if (!opt_.ca_path.empty()) set(CURLOPT_CAPATH, opt_.ca_path.c_str());
    if (opt_.proxy) set(CURLOPT_PROXY, opt_.proxy->c_str());
    bool headers_ok = add_header("Accept: application/jwk-set+json, application/json");
    if (!req.if_none_match.empty())
      headers_ok = headers_ok && add_header("If-None-Match: " + req.if_none_match);
    if (!headers_ok) {
      result.error = "cannot build the request headers";
      return result;
    }
    set(CURLOPT_HTTPHEADER, headers.get());
    if (rc != CURLE_OK) {  // never run a transfer with a restriction missing
      result.error = std::string("cannot configure libcurl: ") + curl_easy_strerror(rc);
      return result;
    }

    rc = curl_easy_perform(c);
    if (transfer.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      result = fetch_result();
      result.error =
          "the response is larger than " + std::to_string(req.max_bytes) + " bytes (transfer aborted)";
      return result;
    }
    if (rc != CURLE_OK) {
      result = fetch_result();
      result.error = curl_easy_strerror(rc);
      if (error_buffer[0] != '\0') result.error += std::string(": ") + error_buffer;
      return result;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    result.status = static_cast<int>(status);
    return result;
  }

 private:
  curl_fetcher_options opt_;
};

AJWT_NAMESPACE_END

#endif  // AJWT_REPOSITORY_CURL_FETCHER_HPP
