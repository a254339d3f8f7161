// SPDX-License-Identifier: ISC
// The claim checks behind a valid signature: the input is a payload (any bytes), signed here with a
// registered key, so the fuzzer reaches the claim, window, audience, binding and nonce logic that a
// forged signature never reaches. The first byte picks the key and whether a request is bound.
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  auto& f = fuzz::fixture::get();
  const std::uint8_t sel = data[0];
  const std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);
  const ajwt::private_key& key = (sel & 3) == 0 ? f.rsa : (sel & 3) == 1 ? f.p256 : f.ed25519;
  nlohmann::json header = {{"typ", "JWT"}, {"kid", key.kid()}};
  const std::string token = ajwt::jws::sign_compact(key, key.default_algorithm(), header, payload);
  ajwt::verifier_options opt;
  opt.audiences = {"orders", "billing"};
  opt.require_binding = (sel & 4) != 0;
  ajwt::verifier<ajwt::static_key_repository<>, ajwt::memory_nonce_store, ajwt::fixed_clock> v(
      f.repo, opt, ajwt::memory_nonce_store(), f.clock);
  const ajwt::http_request req{"GET", "https://api.example.com/v1/items?id=7", std::string("body"),
                               std::nullopt};
  auto r = (sel & 8) ? v.verify_token(token, req) : v.verify_token(token);
  if (r) {
    // Accepted: the claims really hold what the verifier promised.
    const auto& c = r->claims();
    fuzz::require(c.at("username").get<std::string>() == r->username());
    fuzz::require(r->time() >= fuzz::now - 20 && r->time() <= fuzz::now + 20);
    fuzz::require(!r->nonce().empty());
    auto again = (sel & 8) ? v.verify_token(token, req) : v.verify_token(token);
    fuzz::require(!again && again.reason() == ajwt::reason::nonce_replayed);
  }
  return 0;
}
