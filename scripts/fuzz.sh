#!/usr/bin/env bash
# Builds the libFuzzer targets (preset "fuzz": clang, ASan + UBSan) and runs each for SECONDS (default 30)
# from a scratch copy of its committed seed corpus, two at a time. Exits non-zero when any target reports
# a crash, a leak, a sanitizer error or a timeout. `.ci/run` calls it with the default as a smoke test;
# fuzz/README.md records long runs.   Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}

bash scripts/install-deps.sh --sanitizers
cmake --preset fuzz >/dev/null
targets=(verify_header verify_claims base64 key_load authorized_keys json_scan ed25519_diff)
cmake --build build/fuzz --parallel "$(nproc)" --target "${targets[@]/#/ajwt_fuzz_}"

work=$(mktemp -d "${TMPDIR:-/tmp}/ajwt-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
run_one() {
  local t=$1
  mkdir -p "$work/$t"
  cp fuzz/corpus/"$t"/* "$work/$t/"
  if (cd "$work" && "$OLDPWD/build/fuzz/fuzz/${t}_fuzz" -max_total_time="$seconds" -timeout=30 \
        -print_final_stats=1 "$work/$t" >"$work/$t.log" 2>&1); then
    echo "fuzz: $t: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$work/$t.log" | grep -o '[0-9]*$') runs, no finding"
  else
    echo "fuzz: $t FAILED" >&2
    tail -n 40 "$work/$t.log" >&2
    return 1
  fi
}
status=0
pids=()
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=($!)
  if ((${#pids[@]} == 2)); then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
if ((status == 0)); then
  echo "fuzz: every target ran ${seconds} s with no finding"
else
  echo "fuzz: a target reported a finding (log above)" >&2
fi
exit $status
