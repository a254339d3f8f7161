# Sourced by scripts/test.sh and scripts/sanitize.sh: start_test_redis starts a throw-away redis-server on a
# free loopback port and exports AJWT_TEST_REDIS_URL (where it listens) and AJWT_REDIS_SERVER (the binary,
# for tests that start their own); an EXIT trap stops it and removes its directory. Without redis-server
# it says so, and the Redis tests report themselves as skipped.

_ajwt_redis_dir=""

_ajwt_stop_redis() {
  if [[ -n "$_ajwt_redis_dir" ]]; then
    if [[ -s "$_ajwt_redis_dir/redis.pid" ]]; then
      local pid
      pid=$(cat "$_ajwt_redis_dir/redis.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
    fi
    rm -rf "$_ajwt_redis_dir"
    _ajwt_redis_dir=""
  fi
}

_ajwt_port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_test_redis() {
  local who=${1:-ajwt} redis_server port
  trap _ajwt_stop_redis EXIT
  if ! redis_server=$(command -v redis-server); then
    echo "$who: redis-server not found; the Redis tests will be skipped" >&2
    return 0
  fi
  _ajwt_redis_dir=$(mktemp -d "${TMPDIR:-/tmp}/ajwt-redis.XXXXXX")
  # Ports from 6390 up, skipping any that something already listens on.
  for port in $(seq 6390 6489); do
    _ajwt_port_in_use "$port" && continue
    rm -f "$_ajwt_redis_dir/redis.pid"
    "$redis_server" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --dir "$_ajwt_redis_dir" --pidfile "$_ajwt_redis_dir/redis.pid" \
      --logfile "$_ajwt_redis_dir/redis.log" || continue
    for _ in $(seq 50); do
      if _ajwt_port_in_use "$port" && [[ -s "$_ajwt_redis_dir/redis.pid" ]]; then break; fi
      sleep 0.1
    done
    if [[ -s "$_ajwt_redis_dir/redis.pid" ]] && _ajwt_port_in_use "$port"; then
      export AJWT_TEST_REDIS_URL="redis://127.0.0.1:$port"
      export AJWT_REDIS_SERVER="$redis_server"
      echo "$who: redis-server listening on 127.0.0.1:$port"
      return 0
    fi
    # Lost a race for the port, or the server did not come up: stop whatever started and try the next one.
    if [[ -s "$_ajwt_redis_dir/redis.pid" ]]; then kill "$(cat "$_ajwt_redis_dir/redis.pid")" 2>/dev/null || true; fi
  done
  echo "$who: could not start redis-server; the Redis tests will be skipped" >&2
  tail -n 20 "$_ajwt_redis_dir/redis.log" >&2 2>/dev/null || true
}
