// SPDX-License-Identifier: ISC
// Compile-cost baseline (bench/compile_cost.sh): what any server that checks a signed JSON document pays
// without ajwt: nlohmann/json parses the claims and OpenSSL sets up and runs one signature verification.
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  const auto claims = nlohmann::json::parse(argv[1], nullptr, false);
  if (claims.is_discarded() || !claims.contains("username") || !claims["username"].is_string()) return 1;
  const std::string username = claims["username"].get<std::string>();
  BIO* bio = BIO_new_mem_buf(argv[2], -1);
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return 1;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const std::string sig = argv[3];
  const int ok =
      EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(argv[1]), std::string(argv[1]).size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  std::printf("%s %d\n", username.c_str(), ok);
  return ok ? 0 : 1;
}
