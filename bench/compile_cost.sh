#!/usr/bin/env bash
# What ajwt costs at compile time, as CPU-time ratios measured in one run (docs/performance.md, "Compile
# time"). Four translation units, compiled in turn, several rounds, medians of the compiler's user+system CPU:
#   baseline      bench/compile_cost/baseline.cpp: nlohmann/json parses the claims, OpenSSL verifies a
#                 signature (what any server checking a signed JSON document pays without ajwt)
#   header-only   bench/compile_cost/user.cpp: builds a token builder and a verifier and verifies, with a
#                 private key loaded at startup elsewhere (the default mode)
#   loads_key     bench/compile_cost/loads_key.cpp: the same plus private_key::load_file (the one file of a
#                 program that loads its key; every key format's reader is compiled in)
#   separate      both files with AJWT_SEPARATE_COMPILATION (the bodies come from ajwt::compiled, whose one
#                 source file is measured too, as "src.hpp, once")
#
#   bash bench/compile_cost.sh              5 rounds with g++ -std=c++17 -O2
#   bash bench/compile_cost.sh --rounds 9   more rounds
#   CXX=clang++ bash bench/compile_cost.sh  another compiler
# Prints a Markdown table. Timings on a shared machine are noisy: the ratios, from interleaved rounds of the
# same run, are what to compare.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cxx=${CXX:-g++}
rounds=5
while (($#)); do
  case "$1" in
    --rounds) rounds=$2; shift ;;
    -h | --help) sed -n '2,18s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "compile_cost.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
flags=(-std=c++17 -O2 -I "$root/include")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '#include <ajwt/src.hpp>\n' > "$work/src.cpp"

# CPU seconds (user + system) of one compilation.
# (bash's own `time`, so no package beyond the compiler is needed; the compiler's messages stay on stderr)
cpu_of() {
  local TIMEFORMAT='%U %S'
  { time "$cxx" "${flags[@]}" "$@" -c -o "$work/out.o" 2>&3; } 3>&2 2> "$work/time"
  awk '{ printf "%.3f\n", $1 + $2 }' "$work/time"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: > "$work/baseline"; : > "$work/header"; : > "$work/header_key"; : > "$work/separate"
: > "$work/separate_key"; : > "$work/src"
for ((i = 1; i <= rounds; ++i)); do
  cpu_of "$root/bench/compile_cost/baseline.cpp" >> "$work/baseline"
  cpu_of "$root/bench/compile_cost/user.cpp" >> "$work/header"
  cpu_of "$root/bench/compile_cost/loads_key.cpp" >> "$work/header_key"
  cpu_of -DAJWT_SEPARATE_COMPILATION "$root/bench/compile_cost/user.cpp" >> "$work/separate"
  cpu_of -DAJWT_SEPARATE_COMPILATION "$root/bench/compile_cost/loads_key.cpp" >> "$work/separate_key"
  cpu_of -DAJWT_SEPARATE_COMPILATION "$work/src.cpp" >> "$work/src"
  echo "round $i/$rounds done" >&2
done
base=$(median < "$work/baseline")
header=$(median < "$work/header")
header_key=$(median < "$work/header_key")
separate=$(median < "$work/separate")
separate_key=$(median < "$work/separate_key")
src=$(median < "$work/src")
version=$("$cxx" --version | head -1)
echo "Compile time, $version, ${flags[*]:0:2}, median CPU of $rounds rounds:"
echo
echo "| translation unit | CPU s | vs baseline |"
echo "|---|---:|---:|"
awk -v b="$base" -v h="$header" -v hk="$header_key" -v s="$separate" -v sk="$separate_key" -v o="$src" 'BEGIN {
  printf "| baseline: nlohmann/json parse + OpenSSL verify | %.2f | 1.00x |\n", b
  printf "| ajwt user file, header-only | %.2f | %.2fx |\n", h, h / b
  printf "| ajwt user file, AJWT_SEPARATE_COMPILATION | %.2f | %.2fx |\n", s, s / b
  printf "| ajwt file that also loads the key, header-only | %.2f | %.2fx |\n", hk, hk / b
  printf "| ajwt file that also loads the key, AJWT_SEPARATE_COMPILATION | %.2f | %.2fx |\n", sk, sk / b
  printf "| <ajwt/src.hpp> (ajwt::compiled), once per program | %.2f | %.2fx |\n", o, o / b
}'
