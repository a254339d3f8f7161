# One packaging step, run by CTest as `cmake -D... -DAJWT_STEP=<step> -P consumer_test.cmake`:
#   install           cmake --install the build tree into AJWT_PREFIX and check what landed there
#   find_package      configure, build and run tests/consumer/find_package against AJWT_PREFIX
#   add_subdirectory  configure, build and run tests/consumer/add_subdirectory against the source tree
#   pkg_config        compile tests/consumer/main.cpp with `pkg-config --cflags --libs ajwt`, then run it
# Every consumer is configured from scratch, so no cache from an earlier run can hide a problem.
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS AJWT_STEP AJWT_SOURCE_DIR AJWT_BUILD_DIR AJWT_WORK_DIR AJWT_PREFIX AJWT_VERSION
                     AJWT_INSTALL_CMAKEDIR AJWT_INSTALL_PKGCONFIGDIR AJWT_INSTALL_INCLUDEDIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "consumer_test.cmake: -D${var}=... is required")
  endif()
endforeach()
foreach(var IN ITEMS AJWT_EXPECT_REDIS AJWT_EXPECT_CURL AJWT_EXPECT_SODIUM)
  if(${var})
    set(${var} 1)
  else()
    set(${var} 0)
  endif()
endforeach()

set(consumer_sources "${AJWT_SOURCE_DIR}/tests/consumer")
# The consumers include the umbrella header as soon as the source tree has one.
if(EXISTS "${AJWT_SOURCE_DIR}/include/ajwt/ajwt.hpp")
  set(expect_umbrella 1)
else()
  set(expect_umbrella 0)
endif()

# Runs a command, its output going to CTest's log; stops the step when it fails.
function(run)
  string(REPLACE ";" " " shown "${ARGN}")
  message(STATUS "run: ${shown}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "packaging:${AJWT_STEP}: command failed (${rc}): ${shown}")
  endif()
endfunction()

function(require_file path)
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR "packaging:${AJWT_STEP}: ${path} is missing")
  endif()
endfunction()

# Configures, builds and tests one CMake consumer project, from an empty build directory.
function(build_consumer name)
  set(build "${AJWT_WORK_DIR}/${name}-build")
  file(REMOVE_RECURSE "${build}")
  set(generator_args -G "${CMAKE_GENERATOR}")
  if(CMAKE_MAKE_PROGRAM)
    list(APPEND generator_args "-DCMAKE_MAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}")
  endif()
  if(CMAKE_CXX_COMPILER)
    list(APPEND generator_args "-DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}")
  endif()
  run("${CMAKE_COMMAND}" -S "${consumer_sources}/${name}" -B "${build}" ${generator_args}
      "-DCMAKE_BUILD_TYPE=Release"
      "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF"
      "-DAJWT_EXPECTED_VERSION=${AJWT_VERSION}"
      "-DAJWT_EXPECT_UMBRELLA=${expect_umbrella}"
      "-DAJWT_EXPECT_REDIS=${AJWT_EXPECT_REDIS}"
      "-DAJWT_EXPECT_CURL=${AJWT_EXPECT_CURL}"
      "-DAJWT_EXPECT_SODIUM=${AJWT_EXPECT_SODIUM}"
      ${ARGN})
  run("${CMAKE_COMMAND}" --build "${build}" --config Release)
  run("${CMAKE_CTEST_COMMAND}" --test-dir "${build}" --build-config Release --output-on-failure
      --no-tests=error)
endfunction()

if(AJWT_STEP STREQUAL "install")
  file(REMOVE_RECURSE "${AJWT_PREFIX}")
  set(config_args "")
  if(AJWT_CONFIG)
    set(config_args --config "${AJWT_CONFIG}")
  endif()
  run("${CMAKE_COMMAND}" --install "${AJWT_BUILD_DIR}" --prefix "${AJWT_PREFIX}" ${config_args})

  set(cmakedir "${AJWT_PREFIX}/${AJWT_INSTALL_CMAKEDIR}")
  foreach(file IN ITEMS ajwtConfig.cmake ajwtConfigVersion.cmake ajwtTargets.cmake)
    require_file("${cmakedir}/${file}")
  endforeach()
  if(AJWT_EXPECT_REDIS)
    require_file("${cmakedir}/ajwtRedisTargets.cmake")
    require_file("${cmakedir}/ajwtFindHiredis.cmake")
  endif()
  if(AJWT_EXPECT_CURL)
    require_file("${cmakedir}/ajwtCurlTargets.cmake")
  endif()
  if(AJWT_EXPECT_SODIUM)
    require_file("${cmakedir}/ajwtSodiumTargets.cmake")
    require_file("${cmakedir}/ajwtFindSodium.cmake")
    require_file("${AJWT_PREFIX}/${AJWT_INSTALL_PKGCONFIGDIR}/ajwt-sodium.pc")
  endif()
  require_file("${AJWT_PREFIX}/${AJWT_INSTALL_PKGCONFIGDIR}/ajwt.pc")

  # Exactly the headers of the source tree, detail/ and optional ones included.
  file(GLOB_RECURSE source_headers RELATIVE "${AJWT_SOURCE_DIR}/include" "${AJWT_SOURCE_DIR}/include/ajwt/*")
  file(GLOB_RECURSE installed_headers RELATIVE "${AJWT_PREFIX}/${AJWT_INSTALL_INCLUDEDIR}"
       "${AJWT_PREFIX}/${AJWT_INSTALL_INCLUDEDIR}/ajwt/*")
  list(FILTER source_headers INCLUDE REGEX "\\.hpp$")
  list(SORT source_headers)
  list(SORT installed_headers)
  if(NOT source_headers STREQUAL installed_headers)
    message(FATAL_ERROR "packaging:install: installed headers differ from include/ajwt:\n"
                        "  source:    ${source_headers}\n  installed: ${installed_headers}")
  endif()
  list(LENGTH installed_headers count)
  message(STATUS "ajwt ${AJWT_VERSION} installed into ${AJWT_PREFIX}: ${count} headers, CMake package, ajwt.pc")

elseif(AJWT_STEP STREQUAL "find_package")
  build_consumer(find_package "-DCMAKE_PREFIX_PATH=${AJWT_PREFIX}" "-DAJWT_EXPECTED_PREFIX=${AJWT_PREFIX}")

elseif(AJWT_STEP STREQUAL "add_subdirectory")
  build_consumer(add_subdirectory "-DAJWT_SOURCE_DIR=${AJWT_SOURCE_DIR}")

elseif(AJWT_STEP STREQUAL "pkg_config")
  find_program(pkg_config NAMES pkg-config pkgconf)
  if(NOT pkg_config)
    message("AJWT_SKIP: pkg-config not found")
    return()
  endif()
  if(NOT CMAKE_CXX_COMPILER)
    message(FATAL_ERROR "packaging:pkg_config: -DCMAKE_CXX_COMPILER=... is required")
  endif()
  set(pcdir "${AJWT_PREFIX}/${AJWT_INSTALL_PKGCONFIGDIR}")
  if(DEFINED ENV{PKG_CONFIG_PATH} AND NOT "$ENV{PKG_CONFIG_PATH}" STREQUAL "")
    set(ENV{PKG_CONFIG_PATH} "${pcdir}:$ENV{PKG_CONFIG_PATH}")
  else()
    set(ENV{PKG_CONFIG_PATH} "${pcdir}")
  endif()

  execute_process(COMMAND "${pkg_config}" --modversion ajwt
                  OUTPUT_VARIABLE version OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT version STREQUAL AJWT_VERSION)
    message(FATAL_ERROR "packaging:pkg_config: pkg-config --modversion ajwt gave '${version}' (${rc}), "
                        "expected ${AJWT_VERSION}")
  endif()
  # ajwt.pc is relocatable: its includedir must be the prefix it was installed into, whatever
  # CMAKE_INSTALL_PREFIX was at configure time.
  execute_process(COMMAND "${pkg_config}" --variable=includedir ajwt
                  OUTPUT_VARIABLE includedir OUTPUT_STRIP_TRAILING_WHITESPACE)
  file(REAL_PATH "${includedir}" includedir)
  file(REAL_PATH "${AJWT_PREFIX}/${AJWT_INSTALL_INCLUDEDIR}" expected_includedir)
  if(NOT includedir STREQUAL expected_includedir)
    message(FATAL_ERROR "packaging:pkg_config: includedir is ${includedir}, expected ${expected_includedir}")
  endif()

  execute_process(COMMAND "${pkg_config}" --cflags --libs ajwt
                  OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "packaging:pkg_config: pkg-config --cflags --libs ajwt failed (${rc})")
  endif()
  message(STATUS "pkg-config --cflags --libs ajwt: ${flags}")
  separate_arguments(flags UNIX_COMMAND "${flags}")

  set(build "${AJWT_WORK_DIR}/pkg_config-build")
  file(REMOVE_RECURSE "${build}")
  file(MAKE_DIRECTORY "${build}")
  run("${CMAKE_CXX_COMPILER}" -std=c++17 -o "${build}/ajwt_consumer" "${consumer_sources}/main.cpp"
      "-DAJWT_EXPECTED_VERSION=\"${AJWT_VERSION}\"" "-DAJWT_EXPECT_UMBRELLA=${expect_umbrella}" ${flags})
  run("${build}/ajwt_consumer")

  if(AJWT_EXPECT_SODIUM)
    execute_process(COMMAND "${pkg_config}" --cflags --libs ajwt-sodium
                    OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "packaging:pkg_config: pkg-config --cflags --libs ajwt-sodium failed (${rc})")
    endif()
    message(STATUS "pkg-config --cflags --libs ajwt-sodium: ${flags}")
    separate_arguments(flags UNIX_COMMAND "${flags}")
    run("${CMAKE_CXX_COMPILER}" -std=c++17 -o "${build}/ajwt_sodium_consumer" "${consumer_sources}/sodium_main.cpp"
        ${flags})
    run("${build}/ajwt_sodium_consumer")
  endif()

else()
  message(FATAL_ERROR "consumer_test.cmake: unknown AJWT_STEP '${AJWT_STEP}'")
endif()
