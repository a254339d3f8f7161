// SPDX-License-Identifier: ISC
#include <jwt.h>

#include "peers.hpp"

namespace bench::peers {

bool libjwt_verify(const std::string& token, const std::string& pem) {
  jwt_t* jwt = nullptr;
  const int rc = jwt_decode(&jwt, token.c_str(), reinterpret_cast<const unsigned char*>(pem.data()),
                            static_cast<int>(pem.size()));
  const bool ok = rc == 0 && jwt != nullptr;
  jwt_free(jwt);
  return ok;
}

const char* libjwt_version() { return AJWT_BENCH_LIBJWT_VERSION; }

}  // namespace bench::peers
