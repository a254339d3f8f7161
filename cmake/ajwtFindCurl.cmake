# Finds libcurl (CMake's FindCURL: CURL::libcurl), or nothing when it is missing. Used by ajwt's own build
# and, installed as ajwt-curl-dependencies.cmake, by find_package(ajwt COMPONENTS curl).
if(NOT TARGET CURL::libcurl)
  find_package(CURL QUIET)
endif()
