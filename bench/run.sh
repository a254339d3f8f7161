#!/usr/bin/env bash
# Runs ajwt's benchmark end to end: installs what it needs (Debian), configures a Release build in
# build/bench, builds ajwt_bench, plain_verify and the ajwt CLI, runs every section, profiles the verify loop
# with callgrind, and writes bench/results/latest.{json,md,dat,png} (+ profile.{json,md}).
#
#   bash bench/run.sh                 the full run (1-2 minutes once built and once the corpus exists)
#   bash bench/run.sh --docs          the same, then updates docs/performance.md and docs/performance.png
#   bash bench/run.sh --quick         fewer tokens and rounds: a quick look (about 30 seconds)
#   bash bench/run.sh --no-profile    skip the callgrind profile
#   bash bench/run.sh --fresh-corpus  make new keys and tokens (they are kept in build/bench/corpus otherwise)
#   bash bench/run.sh -- ARGS...      extra ajwt_bench arguments, e.g. -- --sections verify --algs RS256
#
# Environment: AJWT_BENCH_BUILD_DIR (default build/bench), AJWT_BENCH_JOBS (parallel compile jobs, default 1:
# the machines are shared), AJWT_SKIP_INSTALL_DEPS=1 (do not run apt-get).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${AJWT_BENCH_BUILD_DIR:-$root/build/bench}
results=$root/bench/results
jobs=${AJWT_BENCH_JOBS:-1}
python=/usr/bin/python3

docs=0 quick=0 profile=1 fresh=0
extra=()
while (($#)); do
  case "$1" in
    --docs) docs=1 ;;
    --quick) quick=1 ;;
    --no-profile) profile=0 ;;
    --fresh-corpus) fresh=1 ;;
    --) shift; extra=("$@"); break ;;
    -h | --help) sed -n '2,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

log() { printf '\n== %s\n' "$*" >&2; }

# 1. Packages: only the missing ones, through apt-get (as root, or with sudo).
packages=(cmake make g++ gcc pkg-config libssl-dev nlohmann-json3-dev libcli11-dev libsodium-dev
          libjwt-dev libcpp-jwt-dev gnuplot-nox python3 python3-jwt python3-cryptography)
((profile)) && packages+=(valgrind)
if [[ "${AJWT_SKIP_INSTALL_DEPS:-0}" != 1 ]] && command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    sudo=()
    if ((EUID != 0)); then
      command -v sudo >/dev/null 2>&1 || { echo "run.sh: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
      sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q update >/dev/null ||
      echo "run.sh: apt-get update failed; trying the package lists already there" >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends "${missing[@]}"
  fi
fi

# 2. Configure and build (Release: what users ship; the bench target adds -g for the profile's line tables).
log "building in $build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAJWT_BUILD_BENCH=ON -DAJWT_BUILD_TOOLS=ON \
  -DAJWT_BUILD_TESTS=OFF -DAJWT_BUILD_EXAMPLES=OFF -DAJWT_INSTALL=OFF >/dev/null
cmake --build "$build" --target ajwt_bench ajwt_plain_verify ajwt_cli -j "$jobs"
bench=$build/bench/ajwt_bench
plain=$build/bench/plain_verify
cli=$build/tools/ajwt/ajwt
for f in "$bench" "$plain" "$cli"; do
  [[ -x "$f" ]] || { echo "run.sh: $f was not built" >&2; exit 1; }
done

# 3. Measure.
mkdir -p "$results" "$build/work"
args=(--corpus "$build/corpus" --work "$build/work" --out "$results/latest.json"
      --cli "$cli" --plain "$plain" --python "$python" --python-script "$root/bench/python_bench.py"
      --note "$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)")
((fresh)) && args+=(--fresh-corpus)
((quick)) && args+=(--tokens 1000 --rounds 9 --cli-runs 3 --python-tokens 100 --python-reps 3 --thread-runs 3
                    --nonce-reps 3)
log "measuring"
"$bench" "${args[@]}" "${extra[@]}"

# 4. Profile: the same RS256 tokens, verified in a loop under callgrind (instruction counts: noise-free).
report_args=(--results "$results/latest.json" --plot-script "$root/bench/plot.gp")
if ((profile)); then
  count=2000
  ((quick)) && count=500
  log "profiling $count RS256 verifications with callgrind (ajwt, plain floor, fastest floor)"
  specs=()
  for loop in ajwt floor_plain floor_fast; do
    out=$build/work/callgrind.$loop
    valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=ajwt_bench_profile_region \
      "$bench" --profile-loop "$loop" --alg RS256 --count "$count" --corpus "$build/corpus" --work "$build/work" \
      2>"$build/work/callgrind.$loop.log" || { cat "$build/work/callgrind.$loop.log" >&2; exit 1; }
    specs+=("$loop=$out")
  done
  "$python" "$root/bench/profile_summary.py" --alg RS256 --count "$count" \
    --out-json "$results/profile.json" --out-md "$results/profile.md" "${specs[@]}"
  report_args+=(--profile "$results/profile.json")
  echo "raw view: callgrind_annotate --inclusive=yes $build/work/callgrind.ajwt" >&2
fi

# 5. Report.
((docs)) && report_args+=(--docs "$root/docs/performance.md")
log "report"
"$python" "$root/bench/report.py" "${report_args[@]}"
echo "wrote $results/latest.{json,md,dat,png}" >&2
