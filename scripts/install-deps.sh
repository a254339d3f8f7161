#!/usr/bin/env bash
# Installs the Debian 12 packages that building and testing ajwt need, and only those that are missing.
#   scripts/install-deps.sh               compiler, CMake, libraries, and the tools the tests use
#   scripts/install-deps.sh --sanitizers  the same plus clang, sanitizer runtimes, clang-tidy, clang-format, iwyu
#   scripts/install-deps.sh --docs        the same plus doxygen (scripts/docs.sh)
# Runs apt-get as root (or through sudo); quiet unless something fails. Set AJWT_SKIP_INSTALL_DEPS=1 to skip.
set -euo pipefail

usage() { sed -n '2,6s/^# \{0,1\}//p' "$0"; }

packages=(
  build-essential g++ cmake make pkg-config git ca-certificates
  libssl-dev openssl nlohmann-json3-dev catch2 libcli11-dev libcpp-httplib-dev libhiredis-dev
  libcurl4-openssl-dev libsodium-dev libbenchmark-dev help2man libsqlite3-dev libpq-dev libboost-dev
  redis-server postgresql-15 python3 python3-jwt python3-cryptography openssh-client curl procps
)
for arg in "$@"; do
  case "$arg" in
    --sanitizers) packages+=(clang libclang-rt-14-dev clang-tidy clang-format iwyu) ;;
    --docs) packages+=(doxygen) ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install-deps.sh: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
  esac
done

if [[ "${AJWT_SKIP_INSTALL_DEPS:-0}" == 1 ]]; then
  exit 0
fi
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps.sh: not a Debian system; make sure these (or their equivalents) are installed:" >&2
  echo "  ${packages[*]}" >&2
  exit 0
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "install-deps.sh: missing packages and not root: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "install-deps.sh: installing ${missing[*]}"
log=$(mktemp "${TMPDIR:-/tmp}/ajwt-install-deps.XXXXXX")
policy=/usr/sbin/policy-rc.d
added_policy=0
cleanup() {
  if ((added_policy)); then "${sudo[@]}" rm -f "$policy"; fi
  rm -f "$log"
}
trap cleanup EXIT

# Installing redis-server would start a system-wide Redis on port 6379. The tests start their own, so keep
# services from starting while installing (Debian's policy-rc.d, "101: action forbidden"), unless the
# machine already has a policy of its own.
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod 755 "$policy"
  added_policy=1
fi

if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q update >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-deps.sh: apt-get update failed; trying the package lists already there" >&2
fi
if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends \
    "${missing[@]}" >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-deps.sh: apt-get install failed" >&2
  exit 1
fi
echo "install-deps.sh: done"
