// SPDX-License-Identifier: ISC
// The verifier on a whole Authorization header: any input must give a result (never a crash, a throw
// or a hang), and an accepted header must be accepted only once.
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& f = fuzz::fixture::get();
  ajwt::verifier_options opt;
  opt.algorithms = ajwt::algorithm_set::all();
  opt.audiences = {"orders"};
  // A fresh nonce store per input keeps runs independent (a corpus replays the same tokens).
  ajwt::verifier<ajwt::static_key_repository<>, ajwt::memory_nonce_store, ajwt::fixed_clock> v(
      f.repo, opt, ajwt::memory_nonce_store(), f.clock);
  const std::string_view header(reinterpret_cast<const char*>(data), size);
  auto first = v.verify_header(header);
  auto second = v.verify_header(header);
  if (first) {
    fuzz::require(!second && second.reason() == ajwt::reason::nonce_replayed);
    fuzz::require(!first->username().empty() && !first->nonce().empty());
  } else {
    fuzz::require(!second);
    fuzz::require(!ajwt::to_string(first.reason()).empty());
  }
  return 0;
}
