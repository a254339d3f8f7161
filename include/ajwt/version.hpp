// ajwt — server-to-server authentication with asymmetric keys and JWTs.
// SPDX-License-Identifier: ISC
#ifndef AJWT_VERSION_HPP
#define AJWT_VERSION_HPP

/// The single source of the library version; CMake reads these three lines.
#define AJWT_VERSION_MAJOR 0
#define AJWT_VERSION_MINOR 1
#define AJWT_VERSION_PATCH 0

/// The version as one number: major * 10000 + minor * 100 + patch.
#define AJWT_VERSION (AJWT_VERSION_MAJOR * 10000 + AJWT_VERSION_MINOR * 100 + AJWT_VERSION_PATCH)

namespace ajwt {
/// The version as "major.minor.patch".
inline constexpr const char* version_string = "0.1.0";
}  // namespace ajwt

#endif  // AJWT_VERSION_HPP
