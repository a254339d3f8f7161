# Generates the ajwt(1) man page with help2man from the tool's own --help and --version, run at build time:
#   cmake -DAJWT_CLI=<ajwt> -DHELP2MAN=<help2man> -DOUTPUT=<ajwt.1> -DINCLUDE=<work file> -P man.cmake
# help2man reads `ajwt --help` (synopsis, description, options) and `ajwt --version`; the help of each
# subcommand (listed under "Subcommands:" in `ajwt --help`, so a new one appears without editing this file)
# goes into a COMMANDS section through help2man's --include file, with fixed EXIT STATUS and SEE ALSO.
cmake_minimum_required(VERSION 3.25)
foreach(var IN ITEMS AJWT_CLI HELP2MAN OUTPUT INCLUDE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "man.cmake: pass -D${var}=...")
  endif()
endforeach()

function(help_of out)
  execute_process(COMMAND "${AJWT_CLI}" ${ARGN} --help OUTPUT_VARIABLE text RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "man.cmake: `ajwt ${ARGN} --help` failed (${rc})")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# Text shown verbatim in roff: backslashes escaped, minus signs kept ASCII (a bare '-' is a hyphen that groff
# may print as U+2010, which breaks copy and paste of options), lines that would start a request neutralised.
function(roff_verbatim out text)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${out} ".nf\n${text}.fi\n" PARENT_SCOPE)
endfunction()

help_of(top)
string(REGEX MATCH "\nSubcommands:\n(([ ][ ][^\n]*\n)*)" _ "${top}")
string(REGEX MATCHALL "(^|\n)  [a-z][a-z0-9-]*" names "${CMAKE_MATCH_1}")
set(include "[COMMANDS]\nEach command has its own options; `ajwt COMMAND --help` prints them.\n")
foreach(name IN LISTS names)
  string(STRIP "${name}" name)
  help_of(sub "${name}")
  roff_verbatim(sub "${sub}")
  string(APPEND include ".SS \"ajwt ${name}\"\n${sub}")
endforeach()
string(APPEND include "[EXIT STATUS]
.TP
.B 0
success (for \\fBverify\\fR: every header was accepted)
.TP
.B 1
\\fBverify\\fR: some header was rejected
.TP
.B 2
usage, configuration or key error (nothing is printed on standard output)
[SEE ALSO]
ajwt's README.md and docs/ (api.md, binding.md, jwks.md, redis.md) in its source tree.
")
file(WRITE "${INCLUDE}" "${include}")

execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env LC_ALL=C.UTF-8
          "${HELP2MAN}" --no-info --section=1
          "--name=keys and JWT Authorization headers for server-to-server authentication"
          "--include=${INCLUDE}" "--output=${OUTPUT}" "${AJWT_CLI}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "man.cmake: help2man failed (${rc})")
endif()
