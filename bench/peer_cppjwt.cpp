// SPDX-License-Identifier: ISC
#include <system_error>

#include <jwt/jwt.hpp>

#include "peers.hpp"

namespace bench::peers {

bool cppjwt_verify(const std::string& token, const std::string& alg, const std::string& pem) {
  using namespace jwt::params;
  std::error_code ec;
  try {
    auto obj = jwt::decode(token, algorithms({alg}), ec, secret(pem), verify(true));
    return !ec;
  } catch (const std::exception&) {
    return false;
  }
}

const char* cppjwt_version() { return AJWT_BENCH_CPPJWT_VERSION; }

}  // namespace bench::peers
