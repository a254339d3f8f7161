# The consumer programs, shared by the find_package and add_subdirectory consumers. Expects the targets
# ajwt::ajwt (and ajwt::redis / ajwt::curl / ajwt::sodium when AJWT_EXPECT_REDIS / _CURL / _SODIUM) to exist.
foreach(var IN ITEMS AJWT_EXPECTED_VERSION AJWT_EXPECT_UMBRELLA AJWT_EXPECT_REDIS AJWT_EXPECT_CURL
                    AJWT_EXPECT_SODIUM)
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

if(AJWT_EXPECT_SODIUM)
  if(NOT TARGET ajwt::sodium)
    message(FATAL_ERROR "ajwt was built with libsodium, but ajwt::sodium does not exist here")
  endif()
  add_executable(ajwt_sodium_consumer "${CMAKE_CURRENT_LIST_DIR}/sodium_main.cpp")
  target_link_libraries(ajwt_sodium_consumer PRIVATE ajwt::sodium)
  add_test(NAME ajwt_sodium_consumer COMMAND ajwt_sodium_consumer)
endif()
