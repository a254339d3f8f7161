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
#      clang-tidy slow and noisy there; the sanitizer stages run them instead).
#   3. include-what-you-use (scripts/iwyu.imp), missing includes only: every file under include/ajwt, headers
#      and impl/**.ipp, includes what it names (the policy is with the stage below). Run over every
#      header-check unit and src/compiled.cpp; fails on a "should add", reports "should remove" as a count.
# Needs a configured clang tree with compile_commands.json: build/ci-asan-ubsan by default (configured here
# if missing), or $1.
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

# include-what-you-use, for missing includes only: every file under include/ajwt must include the headers
# declaring what it uses, not rely on another header including them (issue #14). Run over the same
# header-check units (all of them: each public header alone) and src/compiled.cpp (every impl/**.ipp), with
# --check_also so that iwyu reports on each ajwt file those units include, and the union of the reports
# taken. The run fails on an "should add" #include line for a file under include/ajwt, except:
#   - an impl/**.ipp may rely on its header's own #include lines: the header includes it at its end
#     (header-only) or it includes the header first (separately compiled), so those lines always come
#     before its bodies, as foo.cc relies on foo.h;
#   - a suggestion none of whose "for" symbols the file names is how iwyu 0.18 sees the inside of templates
#     and default template arguments ("max" from an instantiation, "char_traits" for std::string_view,
#     "remove_reference<>::type" for std::move), not a missing include: a symbol counts when one of its
#     ::-separated names appears in the file as a word (operators always count), and never when it is a
#     member of a template instantiation (a "<>::" in it);
#   - forward declarations iwyu would add are not missing includes.
# "should remove" lines are counted, not failed on: in the separately compiled tree a header does not see
# its bodies, so iwyu calls the includes they need unused; and iwyu 0.18 prefers forward declarations and
# library internals where ajwt includes the documented public header.
# scripts/iwyu.imp maps library internals to the public headers to include (nlohmann/json, OpenSSL's
# types.h, libstdc++ 12, the optional dependencies); each impl/**.ipp maps to its header (generated here).
iwyu_dir="$build_dir/iwyu"
mkdir -p "$iwyu_dir"
{
  echo "["
  while IFS= read -r ipp; do
    rel=${ipp#include/}
    header=${rel/impl\//}
    echo "  { include: [\"\\\"$rel\\\"\", \"private\", \"\\\"${header%.ipp}.hpp\\\"\", \"public\"] },"
  done < <(git ls-files 'include/ajwt/impl/*.ipp')
  echo "]"
} >"$iwyu_dir/impl.imp"
mapfile -t iwyu_units < <(python3 - "$build_dir/compile_commands.json" <<'PY'
import json, re, sys
for entry in json.load(open(sys.argv[1])):
    f = entry["file"]
    if f.endswith("/src/compiled.cpp") or re.search(r"/header_check/ajwt_[a-z0-9_]*_hpp\.cpp$", f):
        print(f)
PY
)
echo "lint.sh: include-what-you-use over ${#iwyu_units[@]} translation units"
iwyu_log="$iwyu_dir/iwyu.log"
iwyu_tool -j 2 -p "$build_dir" "${iwyu_units[@]}" -- -Xiwyu --mapping_file="$PWD/scripts/iwyu.imp" \
  -Xiwyu --mapping_file="$PWD/$iwyu_dir/impl.imp" -Xiwyu --check_also="$PWD/include/ajwt/*" \
  -Xiwyu --max_line_length=1000 >"$iwyu_log" 2>&1 || true
if ! python3 - "$iwyu_log" "$PWD/include" "${iwyu_units[@]}" <<'PY'; then
import collections, os, re, sys

log, include_root = sys.argv[1], sys.argv[2]
text = open(log).read()
problems = [l for l in text.splitlines() if re.search(r": (fatal )?error:|Assertion failed", l)]
problems += ["no report on %s" % unit for unit in sys.argv[3:] if not re.search(
    r"^\(?%s (should add these lines:|has correct)" % re.escape(unit), text, re.M)]
if problems:
    sys.exit("lint.sh: include-what-you-use did not run through:\n  " + "\n  ".join(problems[:20]))


def direct_includes(path):
    """The #include lines of a file as iwyu spells them: "ajwt/..." from include/, <...> as written."""
    found = set()
    for line in open(path):
        m = re.match(r'\s*#\s*include\s*([<"])([^>"]+)[>"]', line)
        if m and m.group(1) == "<":
            found.add("<%s>" % m.group(2))
        elif m:
            target = os.path.normpath(os.path.join(os.path.dirname(path), m.group(2)))
            found.add('"%s"' % os.path.relpath(target, include_root))
    return found


def named(symbol, words):
    if not symbol or "<>::" in symbol:
        return False
    return symbol.startswith("operator") or any(part in words for part in symbol.split("::"))


def c_name(header):  # <errno.h> and <cerrno> name the same thing
    m = re.match(r"<([a-z]+)\.h>$", header)
    return "<c%s>" % m.group(1) if m else header


adds = collections.defaultdict(lambda: collections.defaultdict(set))  # file -> include -> symbols
removes = set()
section, current = None, None
for line in open(log):
    line = line.rstrip("\n")
    m = re.match(r"^(/\S+) should (add|remove) these lines:$", line)
    if m:
        section, current = m.group(2), m.group(1)
        continue
    if not line or line.startswith("The full include-list") or line == "---":
        section = None
        continue
    if not current or not current.startswith(include_root + "/ajwt/"):
        continue
    rel = os.path.relpath(current, include_root)
    if section == "add" and line.startswith("#include"):
        m = re.match(r"#include ([<\"][^>\"]+[>\"])\s*(?://\s*for (.*))?$", line)
        adds[rel][m.group(1)].update(s.strip() for s in (m.group(2) or "").split(", "))
    elif section == "remove" and line.startswith("- #include"):
        removes.add((rel, line))

failures = []
for rel, includes in sorted(adds.items()):
    own = direct_includes(os.path.join(include_root, rel))
    if rel.startswith("ajwt/impl/"):
        header = re.sub(r"^ajwt/impl/(.*)\.ipp$", r"ajwt/\1.hpp", rel)
        own |= direct_includes(os.path.join(include_root, header))
    own |= {c_name(h) for h in own}
    words = set(re.findall(r"\w+", open(os.path.join(include_root, rel)).read()))
    for header, symbols in sorted(includes.items()):
        if header in own or c_name(header) in own:
            continue
        used = sorted(s for s in symbols if named(s, words))
        if symbols and not used:
            continue
        failures.append("  include/%s: add #include %s  // for %s" % (rel, header, ", ".join(used)))
print("lint.sh: include-what-you-use suggests %d removals (not enforced; see %s)" % (len(removes), log))
if failures:
    print("lint.sh: include-what-you-use found missing includes:", *failures, sep="\n", file=sys.stderr)
    sys.exit("lint.sh: add the includes above: the header declaring what the file uses (scripts/iwyu.imp "
             "maps library internals to public headers); full log: " + log)
PY
  exit 1
fi
echo "lint.sh: clang-format, clang-tidy and include-what-you-use clean"
