// SPDX-License-Identifier: ISC
// A user file of both build modes (tests/CMakeLists.txt, build_mode:*): compiled header-only it defines the
// ajwt functions it uses (as inline, weak symbols); compiled with AJWT_SEPARATE_COMPILATION it must only
// refer to them, ajwt::compiled defining them once.
#include "user.hpp"

#include <ajwt/nonce/memory.hpp>
#include <ajwt/private_key.hpp>
#include <ajwt/repository/static.hpp>
#include <ajwt/token.hpp>
#include <ajwt/verifier.hpp>

#include <string>

std::string sign_and_verify_twice() {
  const auto key = ajwt::private_key::generate(ajwt::key_type::ed25519);
  ajwt::static_key_repository<> repo;
  repo.add("alice", key.public_part());
  const ajwt::verifier v(repo);
  const auto header = ajwt::token_builder(key, "alice").header();
  const auto first = v.verify_header(header);
  const auto replay = v.verify_header(header);
  std::string out = first ? first->username() + " accepted" : "rejected: " + first.detail();
  out += replay ? ", replay accepted" : ", replay " + std::string(ajwt::to_string(replay.reason()));
  return out;
}
