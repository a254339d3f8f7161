#!/usr/bin/env bash
# Static checks of CI:
#   1. clang-format: every C++ file in git is formatted to .clang-format (prints the diff when not).
#   2. clang-tidy with .clang-tidy, warnings as errors, over every C++ file of tools/ and examples/ and the
#      header-check units (tests/CMakeLists.txt generates one per public header) of <ajwt/ajwt.hpp>, which
#      includes the whole core, and of the headers it leaves out (Redis, JWKS URLs, libcurl, the HTTP
#      integrations, the key database: sql/open.hpp includes the rest of sql/ and both backends), and of
#      src/compiled.cpp, which includes every include/ajwt/impl/*.ipp (the clang tree is separately compiled,
#      so the header-check units see declarations and templates, compiled.cpp the bodies): so all of
#      include/ajwt is analysed, each file once. The tests themselves are not (Catch2's macros make
#      clang-tidy slow and noisy there; the sanitizer stages run them instead). Needs a configured clang
#      tree with compile_commands.json: build/ci-asan-ubsan by default (configured here if missing), or $1.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --sanitizers

build_dir=${1:-build/ci-asan-ubsan}
if [[ ! -f "$build_dir/compile_commands.json" ]]; then
  cmake --preset ci-asan-ubsan
  build_dir=build/ci-asan-ubsan
fi

mapfile -t sources < <(git ls-files '*.hpp' '*.ipp' '*.cpp' '*.h' '*.c')
echo "lint.sh: clang-format --dry-run over ${#sources[@]} files"
if ! clang-format --dry-run -Werror "${sources[@]}"; then
  echo "lint.sh: files above are not formatted; run: clang-format -i \$(git ls-files '*.hpp' '*.ipp' '*.cpp')" >&2
  exit 1
fi

# The translation units to analyse, as compile_commands.json names them.
mapfile -t units < <(python3 - "$build_dir/compile_commands.json" <<'PY'
import json, re, sys
for entry in json.load(open(sys.argv[1])):
    f = entry["file"]
    if re.search(r"/(tools|examples)/[^/]*(/[^/]*)?\.cpp$", f) or f.endswith("/src/compiled.cpp") or re.search(
            r"/header_check/ajwt_(ajwt|nonce_redis|repository_jwks_url|repository_curl_fetcher|repository_sql_open|http_httplib|http_curl|http_beast)_hpp\.cpp$", f):
        print(f)
PY
)
if ((${#units[@]} == 0)); then
  echo "lint.sh: no translation units found in $build_dir/compile_commands.json" >&2
  exit 1
fi
echo "lint.sh: clang-tidy over ${#units[@]} translation units"
printf '  %s\n' "${units[@]#"$PWD/"}"
# Any warning fails the run (run-clang-tidy 14 has no -warnings-as-errors; its exit status covers errors).
log="$build_dir/clang-tidy.log"
tidy_status=0
run-clang-tidy -quiet -p "$build_dir" -j "$(nproc)" "${units[@]}" >"$log" 2>&1 || tidy_status=$?
if ((tidy_status != 0)) || grep -qE "(warning|error):" "$log"; then
  grep -E "(warning|error):" -A3 "$log" | head -200 >&2
  echo "lint.sh: clang-tidy found problems (exit status $tidy_status; full log: $log)" >&2
  exit 1
fi
echo "lint.sh: clang-format and clang-tidy clean"
