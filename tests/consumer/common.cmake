# The consumer programs, shared by the find_package and add_subdirectory consumers. Expects the targets
# ajwt::ajwt (and ajwt::<c> for each optional component <c> whose AJWT_EXPECT_<C> is set) to exist.
foreach(var IN ITEMS AJWT_EXPECTED_VERSION AJWT_EXPECT_UMBRELLA AJWT_EXPECT_REDIS AJWT_EXPECT_CURL
                    AJWT_EXPECT_SQLITE AJWT_EXPECT_POSTGRES AJWT_EXPECT_SODIUM
                    AJWT_EXPECT_HTTPLIB AJWT_EXPECT_BEAST)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "pass -D${var}=...")
  endif()
endforeach()

# Lower than ajwt needs on purpose: the cxx_std_17 compile feature of ajwt::ajwt must raise it.
set(CMAKE_CXX_STANDARD 14)

enable_testing()

add_executable(ajwt_consumer "${CMAKE_CURRENT_LIST_DIR}/main.cpp")
target_link_libraries(ajwt_consumer PRIVATE ajwt::ajwt)
target_compile_definitions(ajwt_consumer PRIVATE
  "AJWT_EXPECTED_VERSION=\"${AJWT_EXPECTED_VERSION}\"" "AJWT_EXPECT_UMBRELLA=${AJWT_EXPECT_UMBRELLA}")
add_test(NAME ajwt_consumer COMMAND ajwt_consumer)

# The README's "Compile once": the same program against ajwt::compiled (AJWT_SEPARATE_COMPILATION, the
# bodies compiled once in a static library): from the source tree (add_subdirectory), or compiled here by
# the installed package (find_package), which ships its one source file.
if(NOT TARGET ajwt::compiled)
  message(FATAL_ERROR "ajwt::compiled does not exist here")
endif()
add_executable(ajwt_compiled_consumer "${CMAKE_CURRENT_LIST_DIR}/main.cpp")
target_link_libraries(ajwt_compiled_consumer PRIVATE ajwt::compiled)
target_compile_definitions(ajwt_compiled_consumer PRIVATE
  "AJWT_EXPECTED_VERSION=\"${AJWT_EXPECTED_VERSION}\"" "AJWT_EXPECT_UMBRELLA=${AJWT_EXPECT_UMBRELLA}"
  AJWT_EXPECT_SEPARATE_COMPILATION=1)
add_test(NAME ajwt_compiled_consumer COMMAND ajwt_compiled_consumer)

if(AJWT_EXPECT_REDIS)
  if(NOT TARGET ajwt::redis)
    message(FATAL_ERROR "ajwt was built with hiredis, but ajwt::redis does not exist here")
  endif()
  add_executable(ajwt_redis_consumer "${CMAKE_CURRENT_LIST_DIR}/redis_main.cpp")
  target_link_libraries(ajwt_redis_consumer PRIVATE ajwt::redis)
  add_test(NAME ajwt_redis_consumer COMMAND ajwt_redis_consumer)
endif()

if(AJWT_EXPECT_CURL)
  if(NOT TARGET ajwt::curl)
    message(FATAL_ERROR "ajwt was built with libcurl, but ajwt::curl does not exist here")
  endif()
  add_executable(ajwt_curl_consumer "${CMAKE_CURRENT_LIST_DIR}/curl_main.cpp")
  target_link_libraries(ajwt_curl_consumer PRIVATE ajwt::curl)
  add_test(NAME ajwt_curl_consumer COMMAND ajwt_curl_consumer)
endif()

foreach(_backend IN ITEMS sqlite postgres)
  string(TOUPPER "${_backend}" _upper)
  if(AJWT_EXPECT_${_upper})
    if(NOT TARGET ajwt::${_backend})
      message(FATAL_ERROR "ajwt was built with the ${_backend} backend, but ajwt::${_backend} does not exist here")
    endif()
    find_package(Threads REQUIRED)
    add_executable(ajwt_${_backend}_consumer "${CMAKE_CURRENT_LIST_DIR}/db_main.cpp")
    target_link_libraries(ajwt_${_backend}_consumer PRIVATE ajwt::${_backend} Threads::Threads)
    target_compile_definitions(ajwt_${_backend}_consumer PRIVATE AJWT_EXPECT_DB_${_upper}=1)
    add_test(NAME ajwt_${_backend}_consumer COMMAND ajwt_${_backend}_consumer "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
endforeach()

# ajwt::sodium, ajwt::httplib and ajwt::beast: each brings ajwt and its own dependency along.
foreach(_component IN ITEMS sodium httplib beast)
  string(TOUPPER "${_component}" _upper)
  if(AJWT_EXPECT_${_upper})
    if(NOT TARGET ajwt::${_component})
      message(FATAL_ERROR "ajwt was built with ajwt::${_component}, but it does not exist here")
    endif()
    add_executable(ajwt_${_component}_consumer "${CMAKE_CURRENT_LIST_DIR}/${_component}_main.cpp")
    target_link_libraries(ajwt_${_component}_consumer PRIVATE ajwt::${_component})
    add_test(NAME ajwt_${_component}_consumer COMMAND ajwt_${_component}_consumer)
  endif()
endforeach()
