// SPDX-License-Identifier: ISC
// The peer libraries, each behind one function in its own translation unit (their headers never meet
// ajwt's or each other's). Each verifies one compact token (no scheme word) with the public key given
// as PEM text on every call: that is how their APIs take keys as Debian packages them.
#ifndef AJWT_BENCH_PEERS_HPP
#define AJWT_BENCH_PEERS_HPP

#include <string>

namespace bench::peers {

#ifdef AJWT_BENCH_HAVE_LIBJWT
/// libjwt (C): jwt_decode(&jwt, token, pem, pem_len), then jwt_free. True when the signature verified
/// and the token parsed. `token` must be NUL-terminated (a std::string is).
bool libjwt_verify(const std::string& token, const std::string& pem);
/// libjwt's version, as pkg-config reported it at configure time.
const char* libjwt_version();
#endif

#ifdef AJWT_BENCH_HAVE_CPPJWT
/// cpp-jwt: jwt::decode(token, algorithms({alg}), ec, secret(pem), verify(true)). True when no error.
bool cppjwt_verify(const std::string& token, const std::string& alg, const std::string& pem);
const char* cppjwt_version();
#endif

}  // namespace bench::peers

#endif  // AJWT_BENCH_PEERS_HPP
