# pkg-config files: ajwt.pc for the core and ajwt-<component>.pc for each optional component (they
# `Require` ajwt and the component's dependency, so `pkg-config --cflags --libs ajwt-redis` is all a
# Makefile needs). Every .pc file finds its prefix from its own location (${pcfiledir}), so the tree can
# be installed with `cmake --install --prefix` anywhere, or moved, and stay correct.
# Expects AJWT_INSTALL_PKGCONFIGDIR (relative to the prefix, or absolute) and GNUInstallDirs.
include_guard(GLOBAL)

if(IS_ABSOLUTE "${AJWT_INSTALL_PKGCONFIGDIR}")
  set(AJWT_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _ajwt_pc_up "/prefix/${AJWT_INSTALL_PKGCONFIGDIR}" "/prefix")
  string(REGEX REPLACE "/$" "" _ajwt_pc_up "${_ajwt_pc_up}")
  set(AJWT_PC_PREFIX "\${pcfiledir}/${_ajwt_pc_up}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(AJWT_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(AJWT_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()

# ajwt.pc: the core (headers, libcrypto, nlohmann_json).
function(ajwt_install_core_pc)
  configure_file("${PROJECT_SOURCE_DIR}/cmake/ajwt.pc.in" "${PROJECT_BINARY_DIR}/ajwt.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/ajwt.pc" DESTINATION "${AJWT_INSTALL_PKGCONFIGDIR}")
endfunction()

# ajwt_install_component_pc(<name> <pkg-config module>... [CFLAGS <flag>...] [LIBS <flag>...]): ajwt-<name>.pc requiring this
# version of ajwt and the given modules, with the component's compile flags (e.g. the AJWT_WITH_<C> macro
# its target defines), e.g. ajwt_install_component_pc(sqlite sqlite3 CFLAGS -DAJWT_WITH_SQLITE=1).
function(ajwt_install_component_pc name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "CFLAGS;LIBS")
  set(AJWT_PC_COMPONENT "${name}")
  set(AJWT_PC_COMPONENT_REQUIRES "")
  foreach(module IN LISTS arg_UNPARSED_ARGUMENTS)
    string(APPEND AJWT_PC_COMPONENT_REQUIRES ", ${module}")
  endforeach()
  list(JOIN arg_CFLAGS " " AJWT_PC_COMPONENT_CFLAGS)
  list(JOIN arg_LIBS " " AJWT_PC_COMPONENT_LIBS)
  configure_file("${PROJECT_SOURCE_DIR}/cmake/ajwt-component.pc.in" "${PROJECT_BINARY_DIR}/ajwt-${name}.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/ajwt-${name}.pc" DESTINATION "${AJWT_INSTALL_PKGCONFIGDIR}")
endfunction()
