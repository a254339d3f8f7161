# Finds libpq (CMake's FindPostgreSQL: PostgreSQL::PostgreSQL), or nothing when it is missing. Installed as
# ajwt-postgres-dependencies.cmake, used by find_package(ajwt COMPONENTS postgres).
if(NOT TARGET PostgreSQL::PostgreSQL)
  find_package(PostgreSQL QUIET)
endif()
