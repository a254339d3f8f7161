# Finds libsqlite3 (CMake's FindSQLite3: SQLite::SQLite3), or nothing when it is missing. Installed as
# ajwt-sqlite-dependencies.cmake, used by find_package(ajwt COMPONENTS sqlite).
if(NOT TARGET SQLite::SQLite3)
  find_package(SQLite3 QUIET)
endif()
