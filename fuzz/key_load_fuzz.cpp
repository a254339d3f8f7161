// SPDX-License-Identifier: ISC
// Every key-loading format (PEM private/public, OpenSSH public lines and private keys, JWK, JWKS):
// any input either loads a usable key or throws ajwt::error — never another exception or a crash.
#include "fuzz_common.hpp"

#include <exception>

namespace {
template <class F>
void must_not_escape(F&& f) {
  try {
    f();
  } catch (const ajwt::error&) {
    // refused with a message: fine
  } catch (...) {
    std::abort();  // any other exception escaping a loader is a bug
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  must_not_escape([&] {
    auto k = ajwt::public_key::load(text);
    fuzz::require(k.kid().size() == 64);
    (void)k.to_jwk();
    (void)k.to_openssh();
  });
  must_not_escape([&] {
    // No passphrase: an encrypted key must fail before any key derivation work.
    auto k = ajwt::private_key::load(text);
    fuzz::require(k.public_part().kid() == k.kid());
  });
  must_not_escape([&] {
    std::vector<std::string> skipped;
    auto keys = ajwt::load_jwks(text, &skipped);
    fuzz::require(keys.size() <= ajwt::max_jwks_keys);
  });
  return 0;
}
