// SPDX-License-Identifier: ISC
// Every key-loading format (PEM private/public, OpenSSH public lines and private keys, JWK, JWKS):
// any input either loads a usable key or throws ajwt::error — never another exception or a crash; and a
// key that loads is never degenerate (an Ed25519 small-order or non-canonical point would let anyone sign).
#include "fuzz_common.hpp"

#include <exception>

#include <ajwt/detail/base64.hpp>
#include <ajwt/detail/ed25519.hpp>

namespace {
/// Aborts when a loaded Ed25519 key is a point that cannot authenticate anyone.
void require_usable(const ajwt::public_key& k) {
  if (k.type() != ajwt::key_type::ed25519) return;
  const auto raw = ajwt::detail::base64url_decode(k.to_jwk().at("x").get<std::string>());
  fuzz::require(raw && raw->size() == 32);
  const auto* p = reinterpret_cast<const unsigned char*>(raw->data());
  fuzz::require(!ajwt::detail::ed25519_is_small_order(p) && !ajwt::detail::ed25519_is_noncanonical(p));
}

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
    require_usable(k);
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
    for (const auto& k : keys) require_usable(k);
  });
  return 0;
}
