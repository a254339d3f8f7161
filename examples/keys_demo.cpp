// SPDX-License-Identifier: ISC
// keys_demo: the key API in one page. For each key type ajwt supports it generates a key, shows the
// public forms a server is given (SPKI PEM, kid, JWK), signs a compact JWS and verifies it, then
// checks that a copy with one payload byte changed is refused.
//
// Exit status: 0 when every signature verified and every tampered copy was refused, 1 otherwise.
#include <cstdio>
#include <iostream>
#include <string>

#include <ajwt/ajwt.hpp>

namespace {

// Changes one character of the payload segment (the second of "header.payload.signature") into
// another base64url character, so the token still decodes and only the signature check can catch it.
std::string tamper_with_payload(std::string token) {
  const auto dot = token.find('.');
  char& c = token[dot + 1];
  c = (c == 'A') ? 'B' : 'A';
  return token;
}

bool demo(ajwt::key_type type) {
  std::cout << "=== " << ajwt::to_string(type) << " ===\n";

  // generate() draws from the OS CSPRNG; RSA keys are 2048 bits unless asked otherwise.
  const auto key = ajwt::private_key::generate(type);
  const ajwt::public_key& pub = key.public_part();

  std::cout << pub.to_pem();  // the SPKI PEM; ends with a newline
  // kid = lowercase hex SHA-256 of that PEM text: what the Python library puts in the token header.
  std::cout << "kid: " << pub.kid() << '\n';
  std::cout << "jwk: " << pub.to_jwk().dump() << '\n';

  const std::string payload = R"({"msg":"hello"})";
  // The key decides the algorithm (RS512, EdDSA or ES256); sign_compact sets "alg" in the header.
  const auto alg = key.default_algorithm();
  const std::string token = ajwt::jws::sign_compact(key, alg, {{"typ", "JWT"}, {"kid", key.kid()}}, payload);
  std::cout << "signed with " << ajwt::to_string(alg) << ": " << token.substr(0, 48) << "...\n";

  // verify_compact never throws: it returns the payload, or a reason code and a detail.
  bool ok = true;
  if (auto r = ajwt::jws::verify_compact(token, pub); !r) {
    std::cout << "FAILED: the genuine token was refused: " << ajwt::to_string(r.reason()) << ": "
              << r.detail() << '\n';
    ok = false;
  } else if (*r != payload) {
    std::cout << "FAILED: the verified payload differs from the signed one\n";
    ok = false;
  } else {
    std::cout << "verified: payload " << *r << '\n';
  }

  if (auto r = ajwt::jws::verify_compact(tamper_with_payload(token), pub); !r) {
    std::cout << "tampered copy refused: " << ajwt::to_string(r.reason()) << '\n';
  } else {
    std::cout << "FAILED: a tampered copy verified\n";
    ok = false;
  }
  std::cout << '\n';
  return ok;
}

}  // namespace

int main() {
  try {
    bool ok = true;
    for (auto type : {ajwt::key_type::rsa, ajwt::key_type::ed25519, ajwt::key_type::ec_p256})
      ok = demo(type) && ok;
    std::cout << (ok ? "all keys behaved\n" : "SOME KEYS MISBEHAVED\n");
    return ok ? 0 : 1;
  } catch (const ajwt::error& e) {  // configuration and crypto errors throw; verification never does
    std::cerr << "keys_demo: " << e.what() << '\n';
    return 1;
  }
}
