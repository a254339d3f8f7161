# Sourced by scripts/test.sh and scripts/sanitize.sh: start_test_postgres initialises and starts a throw-away
# PostgreSQL 15 in a temporary directory on a free loopback port, as an unprivileged user (postgres refuses
# to run as root: when run as root, the cluster belongs to the "postgres" user), and exports
# AJWT_TEST_POSTGRES_URL (a libpq URI of a database the tests may fill) and AJWT_POSTGRES_BIN (initdb and
# pg_ctl, for tests that start their own server). An EXIT trap stops it by its PID and removes its directory.
# Without the binaries it says so, and the PostgreSQL tests fail (they never skip).

_ajwt_pg_dir=""

_ajwt_stop_postgres() {
  if [[ -n "$_ajwt_pg_dir" ]]; then
    if [[ -s "$_ajwt_pg_dir/data/postmaster.pid" ]]; then
      local pid
      pid=$(head -n 1 "$_ajwt_pg_dir/data/postmaster.pid")
      kill -INT "$pid" 2>/dev/null || true # fast shutdown
      for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" == Z* ]] && break # exited, not reaped (no init)
        sleep 0.1
      done
    fi
    rm -rf "$_ajwt_pg_dir"
    _ajwt_pg_dir=""
  fi
}

_ajwt_pg_port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Runs a command as the cluster's owner: "postgres" when we are root, else ourselves.
_ajwt_as_pg_owner() {
  if ((EUID == 0)); then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_test_postgres() {
  local who=${1:-ajwt} bin port
  bin=${AJWT_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}
  # Chain with any EXIT trap set before (start_test_redis sets one).
  local previous
  previous=$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")
  trap "_ajwt_stop_postgres; ${previous:-:}" EXIT
  if [[ ! -x "$bin/initdb" || ! -x "$bin/pg_ctl" ]]; then
    echo "$who: PostgreSQL 15 not found in $bin (apt-get install postgresql-15); the PostgreSQL tests will fail" >&2
    return 0
  fi
  _ajwt_pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/ajwt-postgres.XXXXXX")
  chmod 755 "$_ajwt_pg_dir"
  if ((EUID == 0)); then chown postgres: "$_ajwt_pg_dir"; fi
  if ! _ajwt_as_pg_owner "$bin/initdb" -D "$_ajwt_pg_dir/data" -U ajwt --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$_ajwt_pg_dir/initdb.log" 2>&1; then
    echo "$who: initdb failed; the PostgreSQL tests will fail" >&2
    tail -n 20 "$_ajwt_pg_dir/initdb.log" >&2
    return 0
  fi
  for port in $(seq 55432 55531); do
    _ajwt_pg_port_in_use "$port" && continue
    if _ajwt_as_pg_owner "$bin/pg_ctl" -D "$_ajwt_pg_dir/data" -l "$_ajwt_pg_dir/postgres.log" -w -t 30 \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$_ajwt_pg_dir -c fsync=off" \
        start >/dev/null 2>&1; then
      export AJWT_TEST_POSTGRES_URL="postgresql://ajwt@127.0.0.1:$port/postgres"
      export AJWT_POSTGRES_BIN="$bin"
      echo "$who: PostgreSQL listening on 127.0.0.1:$port"
      return 0
    fi
  done
  echo "$who: could not start PostgreSQL; the PostgreSQL tests will fail" >&2
  tail -n 20 "$_ajwt_pg_dir/postgres.log" >&2 2>/dev/null || true
}
