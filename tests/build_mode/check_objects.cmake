# build_mode:separate_has_no_bodies: -DNM=<nm> -DHEADER_ONLY=<object> -DSEPARATE=<object>
# The same user file, compiled both ways. Header-only, it defines (as weak symbols) the non-template ajwt
# functions it reaches; with AJWT_SEPARATE_COMPILATION it defines none of them, only refers to them.
foreach(var IN ITEMS NM HEADER_ONLY SEPARATE)
  if(NOT ${var})
    message(FATAL_ERROR "pass -D${var}=...")
  endif()
endforeach()
# Functions that every verify and every signature reach, from several headers.
set(functions
  "ajwt::v0_1::detail::decode_jws"
  "ajwt::v0_1::detail::check_claims"
  "ajwt::v0_1::jws::verify"
  "ajwt::v0_1::jws::sign"
  "ajwt::v0_1::detail::base64_append"
  "ajwt::v0_1::generate_nonce"
  "ajwt::v0_1::private_key::generate"
  "ajwt::v0_1::token_builder::make_token")
function(defined_symbols object out)
  execute_process(COMMAND "${NM}" -C --defined-only "${object}" OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} failed on ${object}")
  endif()
  set(${out} "${symbols}" PARENT_SCOPE)
endfunction()
defined_symbols("${HEADER_ONLY}" header_only)
defined_symbols("${SEPARATE}" separate)
set(failures "")
foreach(f IN LISTS functions)
  # The demangled name, then an optional ABI tag ([abi:cxx11] for functions returning std::string), then '('.
  string(REPLACE ":" "[:]" pattern "${f}")
  set(pattern "${pattern}(\\[abi:[a-z0-9]+\\])?\\(")
  string(REGEX MATCH "${pattern}" in_header_only "${header_only}")
  string(REGEX MATCH "${pattern}" in_separate "${separate}")
  if(NOT in_header_only)
    list(APPEND failures "header-only object does not define ${f} (the check would prove nothing)")
  endif()
  if(in_separate)
    list(APPEND failures "separately compiled object defines ${f}")
  endif()
endforeach()
list(LENGTH functions n)
if(failures)
  list(JOIN failures "\n  " text)
  message(FATAL_ERROR "build modes:\n  ${text}")
endif()
message(STATUS "${n} functions: defined in the header-only object, only referred to in the separate one")
