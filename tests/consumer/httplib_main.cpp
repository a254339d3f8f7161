// SPDX-License-Identifier: ISC
// Linked against ajwt::httplib (or built with `pkg-config ajwt-httplib`): proves the component brings
// cpp-httplib's include path, flags and library along with ajwt.
#include <ajwt/ajwt.hpp>
#include <ajwt/http/httplib.hpp>

#include <cstdio>

int main() {
  httplib::Server server;
  const ajwt::verifier<ajwt::static_key_repository<>> verifier(ajwt::static_key_repository<>{});
  ajwt::http::httplib_options options;
  options.origin = "http://127.0.0.1:8080";
  const auto auth = ajwt::http::install_verification(server, verifier, options);
  std::printf("origin %s\n", auth.origin().c_str());
  return auth.origin() == options.origin ? 0 : 1;
}
