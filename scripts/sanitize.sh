#!/usr/bin/env bash
# The sanitizer stages of CI, each in its own build tree (clang, warnings are errors):
#   scripts/sanitize.sh asan-ubsan  every Catch2 test (the C++17 build) plus the Python tests, which drive
#                                   the CLI and the examples built with AddressSanitizer (leaks included) and
#                                   UndefinedBehaviorSanitizer; any report fails the run (-fno-sanitize-recover);
#                                   all of it separately compiled (ajwt::compiled), scripts/test.sh header-only
#   scripts/sanitize.sh tsan        the test files with concurrency (verifier, stress, nonce stores, static
#                                   repository rotation, Redis, JWKS URL caching) under ThreadSanitizer
# Presets ci-asan-ubsan and ci-tsan in CMakePresets.json say exactly what is built and how.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  asan-ubsan | tsan) preset="ci-$1" ;;
  *) echo "usage: scripts/sanitize.sh asan-ubsan|tsan" >&2; exit 2 ;;
esac

bash scripts/install-deps.sh --sanitizers

cmake --preset "$preset"
cmake --build --preset "$preset" --parallel "$(nproc)"

source scripts/lib/redis.sh
start_test_redis "sanitize.sh $1"
# A private PostgreSQL 15 for the key database tests (see scripts/lib/postgres.sh).
source scripts/lib/postgres.sh
start_test_postgres "sanitize.sh $1"

# The stress test runs longer than in the plain build, where 4 s of mixed load is enough.
export AJWT_STRESS_SECONDS="${AJWT_STRESS_SECONDS:-6}"
ctest --preset "$preset"
