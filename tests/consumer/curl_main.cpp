// SPDX-License-Identifier: ISC
// Linked against ajwt::curl: proves the target brings libcurl's include path and library along.
#include <curl/curl.h>

#include <cstdio>

int main() {
  std::printf("%s\n", curl_version());
  return 0;
}
