// SPDX-License-Identifier: ISC
// The authorized-keys parser: any text either parses into (username, key) pairs or throws
// ajwt::config_error naming the line — never another exception or a crash.
#include <ajwt/ajwt.hpp>

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto entries = ajwt::parse_authorized_keys(text, "fuzz");
    for (const auto& [user, key] : entries)
      if (user.empty() || key.kid().size() != 64) std::abort();
  } catch (const ajwt::config_error& e) {
    if (std::string_view(e.what()).rfind("fuzz:", 0) != 0) std::abort();  // must name the source and line
  } catch (...) {
    std::abort();
  }
  return 0;
}
