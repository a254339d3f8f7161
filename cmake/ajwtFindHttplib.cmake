# Defines ajwt_deps::httplib when cpp-httplib is found, for ajwt::httplib (include/ajwt/http/httplib.hpp)
# and for ajwt's own tests, examples and tools. Used by the build and installed next to ajwtConfig.cmake.
# Upstream installs httplibConfig.cmake (httplib::httplib); Debian 12 ships a compiled libcpp-httplib with
# only a pkg-config file (cpp-httplib.pc), whose Cflags (CPPHTTPLIB_OPENSSL_SUPPORT, ...) must be used:
# the library's class layouts depend on them.
if(NOT TARGET ajwt_deps::httplib)
  find_package(httplib CONFIG QUIET)
  if(TARGET httplib::httplib)
    add_library(ajwt_deps::httplib INTERFACE IMPORTED)
    target_link_libraries(ajwt_deps::httplib INTERFACE httplib::httplib)
  else()
    find_package(PkgConfig QUIET)
    if(PKG_CONFIG_FOUND)
      pkg_check_modules(AJWT_HTTPLIB QUIET IMPORTED_TARGET cpp-httplib)
      if(TARGET PkgConfig::AJWT_HTTPLIB)
        add_library(ajwt_deps::httplib INTERFACE IMPORTED)
        target_link_libraries(ajwt_deps::httplib INTERFACE PkgConfig::AJWT_HTTPLIB)
      endif()
    endif()
  endif()
endif()
