// SPDX-License-Identifier: ISC
// Strict base64/base64url decoding: whatever decodes must be canonical, i.e. re-encode to the input.
#include <ajwt/detail/base64.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (const auto out = ajwt::detail::base64url_decode(in); out && ajwt::detail::base64url_encode(*out) != in)
    std::abort();
  if (const auto out = ajwt::detail::base64_decode(in); out && ajwt::detail::base64_encode(*out) != in)
    std::abort();
  // And encoding any bytes decodes back to them.
  const auto back = ajwt::detail::base64url_decode(ajwt::detail::base64url_encode(in));
  if (!back || *back != in) std::abort();
  return 0;
}
