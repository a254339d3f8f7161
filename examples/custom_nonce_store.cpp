// SPDX-License-Identifier: ISC
// custom_nonce_store: plugging your own NonceStore into ajwt::verifier.
//
// A NonceStore is any type with one member function:
//
//     ajwt::nonce_status record(const ajwt::nonce_record& r) const;
//
// It must record (r.username, r.time, r.nonce) if it has not seen it and answer `fresh`, answer
// `replayed` if it has, in one atomic step (several verifying threads may call it at once). How long an
// entry lives is the store's decision: keep it until the store's clock passes r.time + 2 x W + 1, where W
// is the widest tolerance of any verifier sharing the store (not r.tolerance of the one that recorded it),
// so verifiers with different windows or clocks never accept a token twice; a store that declares
// `std::int64_t max_tolerance() const` makes wider verifiers refuse to construct. Answering `unavailable`
// (or throwing) makes the verifier refuse the token: it fails closed; answer it too when an entry that may
// still matter was dropped. The verifier consults the store last, only for tokens that passed every other
// check, so a forged or stale token never reaches it.
//
// This one wraps memory_nonce_store, counts its answers and logs each one, and can be switched "down"
// to show the fail-closed behaviour. Exit status 0 when everything behaved as described, 1 otherwise.
#include <atomic>
#include <cstdint>
#include <exception>
#include <iostream>
#include <memory>
#include <string>

#include <ajwt/ajwt.hpp>

namespace {

class counting_nonce_store {
 public:
  struct counters {
    std::atomic<int> fresh{0};
    std::atomic<int> replayed{0};
    std::atomic<bool> down{false};  // simulates an outage of a shared store (Redis, a database...)
  };

  /// The wrapped store's retention; the verifier checks its tolerance against it.
  [[nodiscard]] std::int64_t max_tolerance() const { return inner_.max_tolerance(); }

  ajwt::nonce_status record(const ajwt::nonce_record& r) const {
    if (c_->down) {
      std::cout << "  [store] unavailable for " << r.username << '\n';
      return ajwt::nonce_status::unavailable;
    }
    const auto status = inner_.record(r);  // the atomic "record if new" is memory_nonce_store's
    const bool fresh = status == ajwt::nonce_status::fresh;
    ++(fresh ? c_->fresh : c_->replayed);
    std::cout << "  [store] " << r.username << " time " << r.time << " nonce " << r.nonce << ": "
              << (fresh ? "fresh" : "replayed") << '\n';
    return status;
  }

  // The verifier keeps its own copy of the store: copies share the counters (and the inner store's
  // nonces), so the copy made here can still read them.
  counters& stats() { return *c_; }

 private:
  ajwt::memory_nonce_store inner_;
  std::shared_ptr<counters> c_ = std::make_shared<counters>();
};

// The verifier checks the customisation point at compile time; this states it for the reader.
static_assert(ajwt::is_nonce_store<counting_nonce_store>::value, "counting_nonce_store must be a NonceStore");

bool expect(bool ok, const std::string& what) {
  std::cout << (ok ? "ok:     " : "FAILED: ") << what << '\n';
  return ok;
}

}  // namespace

int main() {
  try {
    const auto key = ajwt::private_key::generate(ajwt::key_type::ed25519);
    ajwt::static_key_repository<> users;
    users.add("svc-billing", key.public_part());

    counting_nonce_store store;
    const ajwt::verifier<ajwt::static_key_repository<>, counting_nonce_store> verifier(users, {}, store);
    const ajwt::token_builder client(key, "svc-billing");

    bool ok = true;
    const std::string header = client.header();
    std::cout << "a fresh token:\n";
    ok &= expect(verifier.verify_header(header).ok(), "a fresh token is accepted");

    std::cout << "the same token again:\n";
    const auto replay = verifier.verify_header(header);
    ok &= expect(!replay && replay.reason() == ajwt::reason::nonce_replayed,
                 "its replay is refused (nonce_replayed)");

    std::cout << "a token from 5 minutes ago:\n";
    const auto five_minutes_ago = ajwt::system_clock().now() - 300;
    const auto stale =
        verifier.verify_header(ajwt::token_builder(key, "svc-billing").time(five_minutes_ago).header());
    ok &= expect(!stale && stale.reason() == ajwt::reason::time_out_of_window,
                 "a stale token is refused (time_out_of_window) without reaching the store");

    std::cout << "a fresh token while the store is down:\n";
    store.stats().down = true;
    const auto outage = verifier.verify_header(client.header());
    ok &= expect(!outage && outage.reason() == ajwt::reason::nonce_store_unavailable,
                 "the verifier fails closed (nonce_store_unavailable)");

    const auto& c = store.stats();
    std::cout << "store answered: " << c.fresh << " fresh, " << c.replayed << " replayed\n";
    ok &= expect(c.fresh == 1 && c.replayed == 1, "the store saw exactly the fresh token and its replay");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {  // ajwt::error and anything else, e.g. std::bad_alloc
    std::cerr << "custom_nonce_store: " << e.what() << '\n';
    return 1;
  }
}
