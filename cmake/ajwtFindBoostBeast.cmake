# Finds the Boost headers (Boost.Beast and Boost.Asio, header-only; Debian libboost-dev: Boost::headers) and
# threads, or nothing when they are missing. Installed as ajwt-beast-dependencies.cmake, used by
# find_package(ajwt COMPONENTS beast).
if(NOT TARGET Boost::headers)
  find_package(Boost 1.70 CONFIG QUIET)
endif()
if(NOT TARGET Threads::Threads)
  find_package(Threads QUIET)
endif()
