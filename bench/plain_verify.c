/* SPDX-License-Identifier: ISC */
/*
 * plain_verify PUBLIC_KEY.pem DIGEST < headers
 *
 * The reference program for the `ajwt verify` end-to-end figure: what a C programmer would write with
 * OpenSSL alone. It reads "JWT <token>" lines from standard input and checks each token's signature the
 * plain way: base64url-decode the signature, then EVP_MD_CTX_new, EVP_DigestVerifyInit, EVP_DigestVerify,
 * EVP_MD_CTX_free, with the key loaded once. DIGEST is sha256, sha384 or sha512 (RSA PKCS#1 v1.5) or
 * none (EdDSA). It checks nothing else: no JSON, no claims, no nonces. Prints "ok" or "rejected" per
 * line (stdout fully buffered, as stdio does for a file or pipe); exits 0 when every line verified,
 * 1 when any did not, 2 on usage or key errors.
 */
#define _POSIX_C_SOURCE 200809L

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of a base64url character, or -1. */
static int b64url_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

/* Decodes unpadded base64url into out (room for len * 3 / 4 bytes); returns the length or -1. */
static long b64url_decode(const char* in, size_t len, unsigned char* out) {
  unsigned long acc = 0;
  int bits = 0;
  long n = 0;
  size_t i;
  if (len % 4 == 1) return -1;
  for (i = 0; i < len; ++i) {
    const int v = b64url_value((unsigned char)in[i]);
    if (v < 0) return -1;
    acc = (acc << 6) | (unsigned long)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (unsigned char)((acc >> bits) & 0xFF);
    }
  }
  return n;
}

/* Verifies one "JWT <token>" line (without its newline). */
static int verify_line(EVP_PKEY* key, const EVP_MD* md, char* line, size_t len, unsigned char* sig_buf) {
  const char* token;
  const char* dot;
  size_t token_len;
  long sig_len;
  EVP_MD_CTX* ctx;
  int ok;
  if (len < 4 || memcmp(line, "JWT ", 4) != 0) return 0;
  token = line + 4;
  token_len = len - 4;
  dot = NULL;
  {
    size_t i = token_len;
    while (i > 0) {
      if (token[i - 1] == '.') {
        dot = token + i - 1;
        break;
      }
      --i;
    }
  }
  if (!dot) return 0;
  sig_len = b64url_decode(dot + 1, token_len - (size_t)(dot + 1 - token), sig_buf);
  if (sig_len < 0) return 0;
  ctx = EVP_MD_CTX_new();
  ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
       EVP_DigestVerify(ctx, sig_buf, (size_t)sig_len, (const unsigned char*)token, (size_t)(dot - token)) ==
           1;
  EVP_MD_CTX_free(ctx);
  if (!ok) ERR_clear_error();
  return ok;
}

int main(int argc, char** argv) {
  FILE* f;
  EVP_PKEY* key;
  const EVP_MD* md;
  char* line = NULL;
  size_t cap = 0;
  ssize_t got;
  unsigned char* sig_buf = NULL;
  size_t sig_cap = 0;
  int all_ok = 1;
  if (argc != 3) {
    fprintf(stderr, "usage: plain_verify PUBLIC_KEY.pem sha256|sha384|sha512|none < headers\n");
    return 2;
  }
  if (strcmp(argv[2], "sha256") == 0)
    md = EVP_sha256();
  else if (strcmp(argv[2], "sha384") == 0)
    md = EVP_sha384();
  else if (strcmp(argv[2], "sha512") == 0)
    md = EVP_sha512();
  else if (strcmp(argv[2], "none") == 0)
    md = NULL;
  else {
    fprintf(stderr, "plain_verify: unknown digest %s\n", argv[2]);
    return 2;
  }
  f = fopen(argv[1], "r");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  key = PEM_read_PUBKEY(f, NULL, NULL, NULL);
  fclose(f);
  if (!key) {
    fprintf(stderr, "plain_verify: %s: not a PEM public key\n", argv[1]);
    return 2;
  }
  while ((got = getline(&line, &cap, stdin)) >= 0) {
    size_t len = (size_t)got;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) --len;
    if (len == 0) continue;
    if (sig_cap < len) {
      free(sig_buf);
      sig_cap = len;
      sig_buf = malloc(sig_cap);
      if (!sig_buf) return 2;
    }
    if (verify_line(key, md, line, len, sig_buf)) {
      fputs("ok\n", stdout);
    } else {
      fputs("rejected\n", stdout);
      all_ok = 0;
    }
  }
  free(line);
  free(sig_buf);
  EVP_PKEY_free(key);
  if (fflush(stdout) != 0) return 2;
  return all_ok ? 0 : 1;
}
