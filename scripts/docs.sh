#!/usr/bin/env bash
# Builds the API reference with Doxygen (docs/Doxyfile): the public headers (include/ajwt outside detail/)
# with docs/api.md as the main page, into build/docs/html (or $1/html). Any Doxygen warning, an
# undocumented public entity included, fails the run (WARN_AS_ERROR = FAIL_ON_WARNINGS). Takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --docs

version=$(sed -n 's/.*version_string = "\([^"]*\)".*/\1/p' include/ajwt/version.hpp)
out=${1:-build/docs}
mkdir -p "$out"
log="$out/doxygen.log"
status=0
AJWT_VERSION=$version AJWT_DOCS_OUTPUT=$out doxygen docs/Doxyfile >"$log" 2>&1 || status=$?
if ((status != 0)) || grep -qE "(warning|error):" "$log"; then
  cat "$log" >&2
  echo "docs.sh: Doxygen reported problems (exit status $status); document every public entity with ///" >&2
  exit 1
fi
echo "docs.sh: API reference of ajwt $version in $out/html/index.html, no warnings"
