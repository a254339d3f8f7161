#!/usr/bin/env bash
# examples/demo.sh [BUILD_DIR]
#
# The ajwt demo, end to end on loopback: keys made with the `ajwt` tool, the example server protecting
# GET /whoami, and the example client calling it. Shows one accepted request and four refused ones
# (a replay, a key the server does not know, a stale token, a token made for another endpoint), each with
# the server's logged reason; then, with the key database (when the server was built with SQLite), a key
# added with `ajwt keys add` while the server runs is accepted, and refused once `ajwt keys remove` revokes
# it, with no restart.
#
# BUILD_DIR (default build/ci under the repository) must hold examples/{server,client} and the tool
# tools/ajwt/ajwt (or set AJWT_CLI to the tool's path).
# Exit status: 0 only when every step behaved as described; 1 otherwise; 2 when something is not built.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build/ci}
ajwt=${AJWT_CLI:-$build/tools/ajwt/ajwt}  # CTest sets AJWT_CLI to the tool it built
server=$build/examples/server
client=$build/examples/client

for program in "$ajwt" "$server" "$client"; do
  if [[ ! -x $program ]]; then
    echo "demo: $program is missing: build it first (cmake --build $build)" >&2
    exit 2
  fi
done

work=$(mktemp -d)  # (mktemp honours TMPDIR)
server_pid=
# stop_server: SIGTERM, then up to 5 s for a clean exit, then SIGKILL. Sets server_status to the exit status.
stop_server() {
  server_status=
  [[ -n $server_pid ]] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$server_pid" 2>/dev/null || true
  server_status=0
  wait "$server_pid" 2>/dev/null || server_status=$?
  server_pid=
}
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  stop_server  # runs on every exit, failures included: never leave the server running
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat <<'EOF'
ajwt demo: server-to-server authentication with asymmetric keys.
  The client signs a short-lived token {username, time, nonce} with its PRIVATE key on every request and
  sends it as "Authorization: JWT <token>". The server holds only the client's PUBLIC key: it checks the
  signature, that `time` is within 20 s of its clock, and that the nonce was never used before.
  The token is also bound to its request (method, URL, query and body; docs/binding.md): a captured
  header is worthless at any other endpoint.
  A refused request gets a plain 401; the precise reason goes only to the server's log.

EOF

# --- Keys: one registered client key, one key the server has never seen. -------------------------------
"$ajwt" keygen --type ed25519 --out "$work/client.pem" >/dev/null
"$ajwt" keygen --type ed25519 --out "$work/stranger.pem" >/dev/null
# authorized-keys format: "USERNAME" then the client's OpenSSH public key line.
echo "svc-billing $("$ajwt" pubkey --format openssh "$work/client.pem.pub")" >"$work/authorized_keys"
echo "keys:   ajwt keygen --type ed25519 --out client.pem     (and stranger.pem, a key nobody registered)"
echo "        authorized_keys: $(cut -c1-60 "$work/authorized_keys")..."
# The key database (SQLite, a file): managed with `ajwt keys`, read live by the server (docs/keys-db.md).
db=
if "$server" --help | grep -q -- --keys-db; then
  db=sqlite://$work/keys.db  # $work is absolute, so this is sqlite:///tmp/...
  "$ajwt" keys list --db "$db" >/dev/null  # creates the schema
  echo "        key database: $db (empty for now)"
fi

# --- Server: port 0 lets it pick a free port; it prints "listening on http://127.0.0.1:PORT". ------------
# (The files exist before the server starts: its redirections happen in the background job, which may not
# have run yet when the loop below first reads them.)
: >"$work/server.out"
: >"$work/server.log"
"$server" --port 0 --authorized-keys "$work/authorized_keys" ${db:+--keys-db "$db"} >"$work/server.out" \
  2>"$work/server.log" &
server_pid=$!
base=
for _ in $(seq 100); do
  base=$(sed -n 's/^listening on //p' "$work/server.out")
  [[ -n $base ]] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "demo: the server exited at start:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.05
done
if [[ -z $base ]]; then
  echo "demo: the server did not report its port within 5 s" >&2
  exit 1
fi
url=$base/whoami
echo "server: $url"
echo

# --- The five requests. ---------------------------------------------------------------------------------
passed=0
failed=0
log_seen=0

# step TITLE EXPECTED_OUTPUT_REGEX EXPECTED_LOG_REGEX -- CLIENT_ARGS...
# Runs the client, then checks its output and the server log lines this request added.
step() {
  local title=$1 want_out=$2 want_log=$3
  shift 4
  local out rc log line
  out=$("$client" --url "$url" "$@" 2>&1) && rc=0 || rc=$?
  # The server writes its access log line ("TIME CLIENT METHOD PATH STATUS MESSAGE") once the response is
  # sent: wait up to 3 s for it, and match the messages.
  for _ in $(seq 60); do
    log=$(tail -n +"$((log_seen + 1))" "$work/server.log")
    messages=$(sed -E 's/^[^ ]+ [^ ]+ [^ ]+ [^ ]+ [0-9]{3} //' <<<"$log")
    [[ $messages =~ $want_log ]] && break
    sleep 0.05
  done
  [[ -z $log ]] || log_seen=$((log_seen + $(grep -c "" <<<"$log")))
  if [[ $(tr '\n' ' ' <<<"$out") =~ $want_out && $messages =~ $want_log ]]; then
    echo "[PASS] $title"
    passed=$((passed + 1))
  else
    echo "[FAIL] $title (client exit status $rc)"
    failed=$((failed + 1))
  fi
  while IFS= read -r line; do echo "         client: $line"; done <<<"$out"
  while IFS= read -r line; do echo "         server log: $line"; done <<<"$log"
}

step "1. A request signed with the registered key is accepted." \
  '^HTTP 200 hello svc-billing $' '^accepted svc-billing$' \
  -- --key "$work/client.pem" --user svc-billing

step "2. The same Authorization header sent twice: the replay is refused (its nonce was used)." \
  '^HTTP 200 hello svc-billing HTTP 401 unauthorized $' \
  $'^(accepted svc-billing\nrejected nonce_replayed: |rejected nonce_replayed: .*\naccepted svc-billing$)' \
  -- --key "$work/client.pem" --user svc-billing --repeat-header

step "3. A token signed with a key the server does not know is refused." \
  '^HTTP 401 unauthorized $' '^rejected (bad_signature|unknown_user): ' \
  -- --key "$work/stranger.pem" --user svc-billing

step "4. A token made 5 minutes ago (signed with the right key) is refused as stale." \
  '^HTTP 401 unauthorized $' '^rejected time_out_of_window: ' \
  -- --key "$work/client.pem" --user svc-billing --time "$(($(date +%s) - 300))"

step "5. A token made for another endpoint (GET /admin) is refused at /whoami: it is bound to its request." \
  '^HTTP 401 unauthorized $' '^rejected request_mismatch: ' \
  -- --key "$work/client.pem" --user svc-billing --bind-url "$base/admin"

# --- The key database: a key added, then revoked, while the server runs. -----------------------------------
next=6
if [[ -n $db ]]; then
  "$ajwt" keygen --type ed25519 --out "$work/reports.pem" >/dev/null
  kid=$("$ajwt" keys add --db "$db" svc-reports "$work/reports.pem.pub" --comment "demo key")
  echo
  echo "keys:   ajwt keys add --db $db svc-reports reports.pem.pub   -> kid ${kid:0:16}..."
  sleep 1.5  # the server sees a change within a second (it polls the database's change counter)
  step "6. A key added to the key database while the server runs is accepted, with no restart." \
    '^HTTP 200 hello svc-reports $' '^accepted svc-reports$' \
    -- --key "$work/reports.pem" --user svc-reports
  "$ajwt" keys remove --db "$db" svc-reports "$kid" >/dev/null
  echo "keys:   ajwt keys remove --db $db svc-reports ${kid:0:16}..."
  sleep 1.5
  step "7. Once revoked with \`ajwt keys remove\`, the same key is refused within a second." \
    '^HTTP 401 unauthorized $' '^rejected (unknown_user|bad_signature): ' \
    -- --key "$work/reports.pem" --user svc-reports
  next=8
else
  echo "(the key database steps are skipped: this server was built without SQLite; Debian: libsqlite3-dev)"
fi

# --- Stop the server: SIGTERM must make it exit cleanly. -------------------------------------------------
stop_server
if [[ $server_status -eq 0 ]]; then
  echo "[PASS] $next. The server stops cleanly on SIGTERM."
  passed=$((passed + 1))
else
  echo "[FAIL] $next. The server did not exit cleanly on SIGTERM within 5 s (status $server_status)."
  failed=$((failed + 1))
fi

echo
if [[ $failed -eq 0 ]]; then
  echo "demo: all $passed steps behaved as expected."
  exit 0
fi
echo "demo: $failed of $((passed + failed)) steps did NOT behave as expected."
exit 1
