#!/usr/bin/env bash
# Builds ajwt and runs every test: installs what is missing (scripts/install-deps.sh), configures build/ci
# (preset "ci": gcc, RelWithDebInfo, warnings are errors, tests + examples + tools), builds, starts a
# throw-away Redis and PostgreSQL on free loopback ports for their tests, and runs CTest. Exits non-zero when anything
# fails. Works from any directory.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

build_dir=build/ci
cmake --preset ci
cmake --build --preset ci --parallel "$(nproc)"

# A private Redis for the tests, on a free loopback port (see scripts/lib/redis.sh).
source scripts/lib/redis.sh
start_test_redis test.sh
# A private PostgreSQL 15 for the key database tests (see scripts/lib/postgres.sh).
source scripts/lib/postgres.sh
start_test_postgres test.sh

ctest --test-dir "$build_dir" --output-on-failure -j2
