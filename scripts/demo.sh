#!/usr/bin/env bash
# The demo: installs what is missing, builds ajwt like scripts/test.sh does (build/ci), then runs
# examples/demo.sh when there is one, else the built keys_demo example. Works from any directory.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

build_dir=build/ci
cmake --preset ci >/dev/null
# Only what the demo runs (the tool and the examples); scripts/test.sh builds the rest.
cmake --build --preset ci --parallel "$(nproc)" --target ajwt_cli ajwt_example_server ajwt_example_client \
  ajwt_example_keys_demo

export AJWT_BUILD_DIR="$PWD/$build_dir"
if [[ -f examples/demo.sh ]]; then
  echo "demo.sh: running examples/demo.sh"
  exec bash examples/demo.sh "$AJWT_BUILD_DIR"
elif [[ -x "$build_dir/examples/keys_demo" ]]; then
  echo "demo.sh: running $build_dir/examples/keys_demo"
  exec "$build_dir/examples/keys_demo"
else
  echo "demo.sh: nothing to run: there is no examples/demo.sh and $build_dir/examples/keys_demo was not built" >&2
  exit 1
fi
