#!/usr/bin/env bash
# Builds ajwt and runs every test: installs what is missing (scripts/install-deps.sh), configures build/ci
# (preset "ci": gcc, RelWithDebInfo, warnings are errors, tests + examples + tools), builds, starts a
# throw-away Redis on a free loopback port for the Redis tests, and runs CTest. Exits non-zero when anything
# fails. Works from any directory.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

build_dir=build/ci
cmake --preset ci
cmake --build --preset ci --parallel "$(nproc)"

# A private Redis for the tests: AJWT_TEST_REDIS_URL says where it listens, AJWT_REDIS_SERVER is the binary
# (for tests that start their own). Ports from 6390 up, skipping any that something already listens on.
redis_dir=""
stop_redis() {
  if [[ -n "$redis_dir" ]]; then
    if [[ -s "$redis_dir/redis.pid" ]]; then
      local pid
      pid=$(cat "$redis_dir/redis.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
    fi
    rm -rf "$redis_dir"
  fi
}
trap stop_redis EXIT

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if redis_server=$(command -v redis-server); then
  redis_dir=$(mktemp -d "${TMPDIR:-/tmp}/ajwt-redis.XXXXXX")
  for port in $(seq 6390 6489); do
    port_in_use "$port" && continue
    rm -f "$redis_dir/redis.pid"
    "$redis_server" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --dir "$redis_dir" --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log" || continue
    for _ in $(seq 50); do
      if port_in_use "$port" && [[ -s "$redis_dir/redis.pid" ]]; then break; fi
      sleep 0.1
    done
    if [[ -s "$redis_dir/redis.pid" ]] && port_in_use "$port"; then
      export AJWT_TEST_REDIS_URL="redis://127.0.0.1:$port"
      export AJWT_REDIS_SERVER="$redis_server"
      echo "test.sh: redis-server listening on 127.0.0.1:$port"
      break
    fi
    # Lost a race for the port, or the server did not come up: stop whatever started and try the next one.
    if [[ -s "$redis_dir/redis.pid" ]]; then kill "$(cat "$redis_dir/redis.pid")" 2>/dev/null || true; fi
  done
  if [[ -z "${AJWT_TEST_REDIS_URL:-}" ]]; then
    echo "test.sh: could not start redis-server; the Redis tests will be skipped" >&2
    tail -n 20 "$redis_dir/redis.log" >&2 2>/dev/null || true
  fi
else
  echo "test.sh: redis-server not found; the Redis tests will be skipped" >&2
fi

ctest --test-dir "$build_dir" --output-on-failure -j2
