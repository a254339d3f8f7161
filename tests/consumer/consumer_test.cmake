# One packaging step, run by CTest as `cmake -D... -DAJWT_STEP=<step> -P consumer_test.cmake`:
#   install           cmake --install the build tree into AJWT_PREFIX and check what landed there
#   find_package      configure, build and run tests/consumer/find_package against AJWT_PREFIX; then
#                     tests/consumer/missing_component must fail to configure for an unknown component and
#                     for one the installation lacks, with a message naming it
#   add_subdirectory  configure, build and run tests/consumer/add_subdirectory against the source tree
#   top_level         configure ajwt itself without a build type (nothing built): Release and AJWT_INSTALL ON
#   pkg_config        compile tests/consumer/main.cpp with `pkg-config --cflags --libs ajwt`, then run it;
#                     the same for each component's ajwt-<c>.pc and its <c>_main.cpp
# Every consumer is configured from scratch, so no cache from an earlier run can hide a problem.
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS AJWT_STEP AJWT_SOURCE_DIR AJWT_BUILD_DIR AJWT_WORK_DIR AJWT_PREFIX AJWT_VERSION
                     AJWT_INSTALL_CMAKEDIR AJWT_INSTALL_PKGCONFIGDIR AJWT_INSTALL_INCLUDEDIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "consumer_test.cmake: -D${var}=... is required")
  endif()
endforeach()
foreach(var IN ITEMS AJWT_EXPECT_REDIS AJWT_EXPECT_CURL AJWT_EXPECT_CLI AJWT_EXPECT_MAN AJWT_EXPECT_SQLITE
                    AJWT_EXPECT_POSTGRES AJWT_EXPECT_SODIUM
                    AJWT_EXPECT_HTTPLIB AJWT_EXPECT_BEAST)
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
      "-DAJWT_EXPECT_SQLITE=${AJWT_EXPECT_SQLITE}"
      "-DAJWT_EXPECT_POSTGRES=${AJWT_EXPECT_POSTGRES}"
      "-DAJWT_EXPECT_HTTPLIB=${AJWT_EXPECT_HTTPLIB}"
      "-DAJWT_EXPECT_BEAST=${AJWT_EXPECT_BEAST}"
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
  # The headers are architecture-independent: the CMake package lives under share/, not lib/.
  if(NOT AJWT_INSTALL_CMAKEDIR MATCHES "^share/cmake/ajwt$")
    message(FATAL_ERROR "packaging:install: the CMake package goes to ${AJWT_INSTALL_CMAKEDIR}, expected share/cmake/ajwt")
  endif()
  foreach(file IN ITEMS ajwtConfig.cmake ajwtConfigVersion.cmake ajwtTargets.cmake)
    require_file("${cmakedir}/${file}")
  endforeach()
  require_file("${AJWT_PREFIX}/${AJWT_INSTALL_PKGCONFIGDIR}/ajwt.pc")
  foreach(component IN ITEMS redis curl sqlite postgres sodium httplib beast)
    string(TOUPPER "${component}" upper)
    if(AJWT_EXPECT_${upper})
      require_file("${cmakedir}/ajwt-${component}-targets.cmake")
      require_file("${cmakedir}/ajwt-${component}-dependencies.cmake")
      require_file("${AJWT_PREFIX}/${AJWT_INSTALL_PKGCONFIGDIR}/ajwt-${component}.pc")
    elseif(EXISTS "${cmakedir}/ajwt-${component}-targets.cmake")
      message(FATAL_ERROR "packaging:install: ajwt-${component}-targets.cmake installed without ajwt::${component}")
    endif()
  endforeach()
  # The command-line tool with its man page (when help2man was found) and bash completion.
  if(AJWT_EXPECT_CLI)
    require_file("${AJWT_PREFIX}/bin/ajwt")
    require_file("${AJWT_PREFIX}/share/bash-completion/completions/ajwt")
    if(AJWT_EXPECT_MAN)
      require_file("${AJWT_PREFIX}/share/man/man1/ajwt.1")
    endif()
  endif()

  # Exactly the headers of the source tree, detail/ and optional ones included, and the function bodies
  # (impl/*.ipp) they include in the header-only mode.
  file(GLOB_RECURSE source_headers RELATIVE "${AJWT_SOURCE_DIR}/include" "${AJWT_SOURCE_DIR}/include/ajwt/*")
  file(GLOB_RECURSE installed_headers RELATIVE "${AJWT_PREFIX}/${AJWT_INSTALL_INCLUDEDIR}"
       "${AJWT_PREFIX}/${AJWT_INSTALL_INCLUDEDIR}/ajwt/*")
  list(FILTER source_headers INCLUDE REGEX "\\.(hpp|ipp)$")
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

  # A component the installation lacks: with curl installed, a copy of the prefix without its targets file
  # stands for an ajwt built without libcurl.
  set(prefix_without_curl "${AJWT_PREFIX}")
  if(AJWT_EXPECT_CURL)
    set(prefix_without_curl "${AJWT_WORK_DIR}/prefix-without-curl")
    file(REMOVE_RECURSE "${prefix_without_curl}")
    file(COPY "${AJWT_PREFIX}/" DESTINATION "${prefix_without_curl}")
    file(REMOVE "${prefix_without_curl}/${AJWT_INSTALL_CMAKEDIR}/ajwt-curl-targets.cmake")
  endif()
  foreach(case IN ITEMS "no_such_component|${AJWT_PREFIX}|unknown component \"no_such_component\" \\(ajwt's components: "
                        "curl|${prefix_without_curl}|component \"curl\" is not part of this installation: ajwt was built without libcurl")
    string(REPLACE "|" ";" case "${case}")
    list(GET case 0 component)
    list(GET case 1 prefix)
    list(GET case 2 expected)
    set(build "${AJWT_WORK_DIR}/missing_component-build")
    file(REMOVE_RECURSE "${build}")
    execute_process(
      COMMAND "${CMAKE_COMMAND}" -S "${consumer_sources}/missing_component" -B "${build}" -G "${CMAKE_GENERATOR}"
              "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF" "-DAJWT_COMPONENT=${component}"
      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    string(REGEX REPLACE "[ \n]+" " " flat "${out}")  # CMake wraps long messages
    if(rc EQUAL 0 OR NOT flat MATCHES "${expected}")
      message(FATAL_ERROR "packaging:find_package: COMPONENTS ${component} should fail with \"${expected}\"; "
                          "configure exited ${rc}:\n${out}")
    endif()
    message(STATUS "COMPONENTS ${component}: refused as expected")
  endforeach()

elseif(AJWT_STEP STREQUAL "add_subdirectory")
  build_consumer(add_subdirectory "-DAJWT_SOURCE_DIR=${AJWT_SOURCE_DIR}")

elseif(AJWT_STEP STREQUAL "top_level")
  set(build "${AJWT_WORK_DIR}/top_level-build")
  file(REMOVE_RECURSE "${build}")
  run("${CMAKE_COMMAND}" -S "${AJWT_SOURCE_DIR}" -B "${build}" -G "${CMAKE_GENERATOR}"
      -DAJWT_BUILD_TESTS=OFF -DAJWT_BUILD_EXAMPLES=OFF -DAJWT_BUILD_TOOLS=OFF -DAJWT_BUILD_BENCH=OFF)
  file(STRINGS "${build}/CMakeCache.txt" cache REGEX "^(CMAKE_BUILD_TYPE|AJWT_INSTALL):")
  if(NOT "CMAKE_BUILD_TYPE:STRING=Release" IN_LIST cache OR NOT "AJWT_INSTALL:BOOL=ON" IN_LIST cache)
    message(FATAL_ERROR "packaging:top_level: expected a Release build with AJWT_INSTALL ON, the cache says: ${cache}")
  endif()
  # A build type the user gives wins.
  run("${CMAKE_COMMAND}" -S "${AJWT_SOURCE_DIR}" -B "${build}" -DCMAKE_BUILD_TYPE=Debug)
  file(STRINGS "${build}/CMakeCache.txt" cache REGEX "^CMAKE_BUILD_TYPE:")
  if(NOT cache STREQUAL "CMAKE_BUILD_TYPE:STRING=Debug")
    message(FATAL_ERROR "packaging:top_level: -DCMAKE_BUILD_TYPE=Debug gave ${cache}")
  endif()
  file(REMOVE_RECURSE "${build}")

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

  # Each component's ajwt-<c>.pc: the same version, ajwt's include directory and the dependency's flags,
  # enough to build and run <c>_main.cpp.
  foreach(component IN ITEMS redis curl sodium httplib beast)
    string(TOUPPER "${component}" upper)
    if(NOT AJWT_EXPECT_${upper})
      continue()
    endif()
    execute_process(COMMAND "${pkg_config}" --modversion "ajwt-${component}"
                    OUTPUT_VARIABLE version OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0 OR NOT version STREQUAL AJWT_VERSION)
      message(FATAL_ERROR "packaging:pkg_config: pkg-config --modversion ajwt-${component} gave '${version}' "
                          "(${rc}), expected ${AJWT_VERSION}")
    endif()
    execute_process(COMMAND "${pkg_config}" --cflags --libs "ajwt-${component}"
                    OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0 OR NOT flags MATCHES "-I[^ ]*${AJWT_INSTALL_INCLUDEDIR}")
      message(FATAL_ERROR "packaging:pkg_config: pkg-config --cflags --libs ajwt-${component} gave '${flags}' (${rc})")
    endif()
    message(STATUS "pkg-config --cflags --libs ajwt-${component}: ${flags}")
    separate_arguments(flags UNIX_COMMAND "${flags}")
    run("${CMAKE_CXX_COMPILER}" -std=c++17 -o "${build}/ajwt_${component}_consumer"
        "${consumer_sources}/${component}_main.cpp" ${flags})
    run("${build}/ajwt_${component}_consumer")
  endforeach()
  # The key database backends, each through its own .pc file.
  foreach(backend IN ITEMS sqlite postgres)
    string(TOUPPER "${backend}" upper)
    if(NOT AJWT_EXPECT_${upper})
      continue()
    endif()
    execute_process(COMMAND "${pkg_config}" --cflags --libs ajwt-${backend}
                    OUTPUT_VARIABLE db_flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "packaging:pkg_config: pkg-config --cflags --libs ajwt-${backend} failed (${rc})")
    endif()
    message(STATUS "pkg-config --cflags --libs ajwt-${backend}: ${db_flags}")
    separate_arguments(db_flags UNIX_COMMAND "${db_flags}")
    run("${CMAKE_CXX_COMPILER}" -std=c++17 -o "${build}/ajwt_${backend}_consumer" "${consumer_sources}/db_main.cpp"
        "-DAJWT_EXPECT_DB_${upper}=1" ${db_flags} -pthread)
    run("${build}/ajwt_${backend}_consumer" "${build}")
  endforeach()

else()
  message(FATAL_ERROR "consumer_test.cmake: unknown AJWT_STEP '${AJWT_STEP}'")
endif()
