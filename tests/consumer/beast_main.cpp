// SPDX-License-Identifier: ISC
// Linked against ajwt::beast (or built with `pkg-config ajwt-beast`): proves the component brings the Boost
// headers and threads along with ajwt.
#include <ajwt/http/beast.hpp>

#include <cstdio>

int main() {
  boost::beast::http::request<boost::beast::http::string_body> req{boost::beast::http::verb::get, "/x", 11};
  const auto r = ajwt::http::to_http_request(req, "http://h");
  std::printf("%s %s\n", r.method.c_str(), r.url.c_str());
  return r.url == "http://h/x" ? 0 : 1;
}
