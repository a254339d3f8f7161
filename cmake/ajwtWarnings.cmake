# ajwt_set_warnings(<target> [PRIVATE|PUBLIC|INTERFACE])
#
# The warning flags for ajwt's own code: tests, examples, tools, benchmarks and fuzzers call this on each of
# their targets. -Werror is added only when AJWT_WARNINGS_AS_ERRORS is ON (CI does that); the library target
# itself never carries warning flags, so nothing is forced on users.
include_guard(GLOBAL)

function(ajwt_set_warnings target)
  set(scope PRIVATE)
  if(ARGC GREATER 1)
    set(scope "${ARGV1}")
  endif()
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} ${scope} -Wall -Wextra -Wpedantic)
    if(AJWT_WARNINGS_AS_ERRORS)
      target_compile_options(${target} ${scope} -Werror)
    endif()
  elseif(MSVC)
    target_compile_options(${target} ${scope} /W4 /permissive-)
    if(AJWT_WARNINGS_AS_ERRORS)
      target_compile_options(${target} ${scope} /WX)
    endif()
  endif()
endfunction()

# ajwt_own_target(<target>): what every program of ajwt's own (tests, examples, tools, benchmarks) gets: the
# warning flags, and with AJWT_SEPARATE_COMPILATION ON the separately compiled core (ajwt::compiled), so one
# configure switch builds the whole suite in the other mode.
function(ajwt_own_target target)
  ajwt_set_warnings(${target})
  if(AJWT_SEPARATE_COMPILATION)
    target_link_libraries(${target} PRIVATE ajwt::compiled)
  endif()
endfunction()
