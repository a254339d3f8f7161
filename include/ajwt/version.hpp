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

// The inline ABI namespace: every declaration of ajwt lives in ajwt::v<major>_<minor> (ajwt::v0_1), which
// names and code refer to as plain ajwt:: (as nlohmann/json does). Two copies of different ajwt versions
// linked into one process (a library built against one, the program against another) then have different
// mangled names, so the linker keeps them apart instead of silently merging inline functions and types
// whose layout differs. While ajwt is 0.x every minor version may change the ABI, hence the minor in the
// tag; from 1.0 on it would be the major alone.
#define AJWT_ABI_TAG_CONCAT_(major, minor) v##major##_##minor
#define AJWT_ABI_TAG_EXPAND_(major, minor) AJWT_ABI_TAG_CONCAT_(major, minor)
/// The name of the inline ABI namespace (v0_1 for ajwt 0.1).
#define AJWT_ABI_TAG AJWT_ABI_TAG_EXPAND_(AJWT_VERSION_MAJOR, AJWT_VERSION_MINOR)
/// Opens namespace ajwt and its inline ABI namespace (every ajwt header opens its namespace with it).
#define AJWT_NAMESPACE_BEGIN \
  namespace ajwt {           \
  inline namespace AJWT_ABI_TAG {
/// Closes what AJWT_NAMESPACE_BEGIN opened.
#define AJWT_NAMESPACE_END \
  }                        \
  }

// Header-only (the default) or separately compiled. With AJWT_SEPARATE_COMPILATION defined, the headers
// only declare ajwt's non-template functions and <ajwt/src.hpp>, included in exactly one source file (the
// ajwt::compiled CMake target does it), compiles their bodies, which live in include/ajwt/impl/*.ipp for
// both modes. Every translation unit of a program must agree on the mode.
#if defined(AJWT_SEPARATE_COMPILATION)
/// How ajwt declares and defines its non-template functions: `inline` header-only, nothing when separately
/// compiled.
#define AJWT_DECL
#else
#define AJWT_DECL inline
#endif

AJWT_NAMESPACE_BEGIN
/// The version as "major.minor.patch".
inline constexpr const char* version_string = "0.1.0";
AJWT_NAMESPACE_END

#endif  // AJWT_VERSION_HPP
