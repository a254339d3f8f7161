# Finds hiredis and provides the INTERFACE IMPORTED target ajwt_deps::hiredis, or nothing when hiredis is
# missing. Used by ajwt's own build and, installed next to ajwtConfig.cmake, by find_package(ajwt COMPONENTS
# redis), so both see hiredis the same way. Include <hiredis/hiredis.h>: that spelling works with all three
# sources below.
#   1. hiredis >= 1.0 installs hiredis-config.cmake with the target hiredis::hiredis;
#   2. Debian 12's hiredis 0.14 installs HiredisConfig.cmake, which only sets HIREDIS_INCLUDE_DIRS and
#      HIREDIS_LIBRARIES (no target, and it "succeeds" even when the library is absent); its version file
#      fails with a CMake error unless a version is requested, hence the 0.14;
#   3. pkg-config's hiredis.pc as the last resort.
if(TARGET ajwt_deps::hiredis)
  return()
endif()

find_package(hiredis CONFIG QUIET)
if(TARGET hiredis::hiredis)
  add_library(ajwt_deps::hiredis INTERFACE IMPORTED)
  target_link_libraries(ajwt_deps::hiredis INTERFACE hiredis::hiredis)
  return()
endif()

find_package(Hiredis 0.14 CONFIG QUIET)
if(HIREDIS_LIBRARIES AND HIREDIS_INCLUDE_DIRS)
  add_library(ajwt_deps::hiredis INTERFACE IMPORTED)
  set_target_properties(ajwt_deps::hiredis PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${HIREDIS_INCLUDE_DIRS}"
    INTERFACE_LINK_LIBRARIES "${HIREDIS_LIBRARIES}")
  return()
endif()

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(AJWT_HIREDIS QUIET IMPORTED_TARGET hiredis)
  if(TARGET PkgConfig::AJWT_HIREDIS)
    add_library(ajwt_deps::hiredis INTERFACE IMPORTED)
    target_link_libraries(ajwt_deps::hiredis INTERFACE PkgConfig::AJWT_HIREDIS)
  endif()
endif()
