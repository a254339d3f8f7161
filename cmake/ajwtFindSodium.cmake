# Finds libsodium and provides the INTERFACE IMPORTED target ajwt_deps::sodium, or nothing when libsodium
# is missing. Used by ajwt's own build and, installed next to ajwtConfig.cmake, by find_package(ajwt
# COMPONENTS sodium), so both see libsodium the same way. Debian 12's libsodium-dev (1.0.18) ships only a
# pkg-config file (libsodium.pc); a plain header and library search is the fallback.
if(TARGET ajwt_deps::sodium)
  return()
endif()

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(AJWT_SODIUM QUIET IMPORTED_TARGET libsodium>=1.0.16)
  if(TARGET PkgConfig::AJWT_SODIUM)
    add_library(ajwt_deps::sodium INTERFACE IMPORTED)
    target_link_libraries(ajwt_deps::sodium INTERFACE PkgConfig::AJWT_SODIUM)
    return()
  endif()
endif()

find_path(AJWT_SODIUM_INCLUDE_DIR sodium.h)
find_library(AJWT_SODIUM_LIBRARY NAMES sodium libsodium)
mark_as_advanced(AJWT_SODIUM_INCLUDE_DIR AJWT_SODIUM_LIBRARY)
if(AJWT_SODIUM_INCLUDE_DIR AND AJWT_SODIUM_LIBRARY)
  add_library(ajwt_deps::sodium INTERFACE IMPORTED)
  set_target_properties(ajwt_deps::sodium PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${AJWT_SODIUM_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${AJWT_SODIUM_LIBRARY}")
endif()
