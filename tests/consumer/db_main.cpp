// SPDX-License-Identifier: ISC
// Linked against ajwt::sqlite and/or ajwt::postgres (or built with `pkg-config ajwt-sqlite`): proves the
// targets bring the library and the AJWT_WITH_* definition along, so open.hpp knows its backends. With
// SQLite it creates a key database in the given directory (argv[1]) and adds a key to it.
#include <ajwt/private_key.hpp>
#include <ajwt/repository/sql/open.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
#if AJWT_EXPECT_DB_SQLITE
  if (argc < 2) return 2;
  auto db = ajwt::open_key_database("sqlite://" + std::string(argv[1]) + "/consumer-keys.db");
  const auto key = ajwt::private_key::generate(ajwt::key_type::ed25519);
  db.add_key("consumer", key.public_part().to_pem());
  if (db.keys("consumer").size() != 1) return 1;
#endif
#if AJWT_EXPECT_DB_POSTGRES
  // No server here: only that the backend is compiled in (a refused connection, not "no support").
  try {
    (void)ajwt::open_key_database("postgresql://nobody@127.0.0.1:1/none?connect_timeout=1");
    return 1;
  } catch (const ajwt::repository_unavailable&) {
  }
#endif
  (void)argc;
  (void)argv;
  std::printf("key database consumer ok\n");
  return 0;
}
