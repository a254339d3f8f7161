#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Summarises callgrind profiles of ajwt_bench's verify loops: where the instructions go.

    profile_summary.py --count N --out-json FILE --out-md FILE LABEL=callgrind.out [LABEL=callgrind.out ...]

Each profile holds one loop of N verifications (ajwt_bench --profile-loop, collected from
ajwt_bench_profile_region only). Every instruction is counted once, in the function (and, for inlined
code, the source file) that executed it, and put in one category:

  signature math   libcrypto code reached only from the signature primitives: bignum (BN_*), RSA_verify /
                   RSA_public_decrypt, ECDSA_do_verify, EC point arithmetic, SHA-2 compression. Debian's
                   libcrypto has no symbols for its internal functions, so an unnamed function counts as
                   math when every caller of it in the profile is math (a fixed point from those roots).
  OpenSSL plumbing the rest of libcrypto: EVP, providers, OSSL_PARAM, context set-up and teardown, locks.
  allocation       malloc, free and operator new/delete, whoever calls them.
  base64           code from ajwt/detail/base64.hpp.
  JSON             code from nlohmann/json, ajwt/detail/json.hpp and ajwt/detail/json_scan.hpp.
  nonce store      code from ajwt/nonce/memory.hpp and ajwt/detail/siphash.hpp.
  libc/libstdc++   memcpy, memchr, string operations and the like.
  ajwt other       the rest of ajwt's code (verifier, jws, keys, repository) and the loop.

The parser reads the callgrind format itself (callgrind_annotate cannot attribute unnamed functions by
caller); `callgrind_annotate --inclusive=yes FILE` gives the raw view. Uses only the standard library.
"""
import argparse
import json
import os
import re
import sys
from collections import defaultdict

MATH_ROOTS = re.compile(
    r"^(BN_|bn_|RSA_verify$|RSA_public_decrypt$|RSA_padding_check|ECDSA_do_verify$|ECDSA_verify$|EC_POINT_|"
    r"ecp_nistz256|ossl_ec_GFp|ec_GFp|SHA(1|224|256|384|512)(_Init|_Update|_Final|_Transform)?$|"
    r"sha(256|512)_block)")
ALLOC = re.compile(r"^(malloc|free|cfree|realloc|calloc|_int_malloc|_int_free|_int_realloc|malloc_consolidate|"
                   r"tcache_|operator new|operator delete|__libc_malloc|__libc_free|unlink_chunk|"
                   r"CRYPTO_malloc|CRYPTO_zalloc|CRYPTO_free|CRYPTO_realloc|CRYPTO_clear_free)")

CATEGORIES = ["signature math", "OpenSSL plumbing", "allocation", "base64", "JSON", "nonce store",
              "libc/libstdc++", "ajwt other"]


def parse(path):
    """Returns (self_cost[(obj, file, fn)], callers[(obj, fn)] -> {(obj, fn): inclusive}, total)."""
    names = {"ob": {}, "fl": {}, "fn": {}}
    kind_of = {"ob": "ob", "cob": "ob", "fl": "fl", "fi": "fl", "fe": "fl", "cfi": "fl", "cfl": "fl",
               "fn": "fn", "cfn": "fn"}
    self_cost = defaultdict(int)
    callers = defaultdict(lambda: defaultdict(int))
    total = 0
    ob = fl = cur_file = fn = None
    cob = cfn = None
    pending_call = False

    def resolve(kind, value):
        m = re.match(r"^\((\d+)\)(?: (.*))?$", value)
        if not m:
            return value
        table = names[kind_of[kind]]
        if m.group(2) is not None:
            table[m.group(1)] = m.group(2)
        return table.get(m.group(1), value)

    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                if pending_call:
                    callers[(cob or ob, cfn)][(ob, fn)] += cost
                    pending_call = False
                    cob = None  # a cob= line names the callee's object of the next call only
                else:
                    self_cost[(ob, cur_file, fn)] += cost
                continue
            key, _, value = line.partition("=")
            if key in kind_of and _:
                v = resolve(key, value)
                if key == "ob":
                    ob = v
                elif key == "fl":
                    fl = cur_file = v
                elif key in ("fi", "fe"):
                    cur_file = v
                elif key == "fn":
                    fn = v
                    cur_file = fl
                    cob = None
                elif key == "cob":
                    cob = v
                elif key == "cfn":
                    cfn = v
                continue
            if key == "calls":
                pending_call = True
                continue
            if line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
    return self_cost, callers, total


def short_fn(fn):
    """A function name without its argument list and template arguments, for display."""
    out, depth = [], 0
    for ch in fn:
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def classify(self_cost, callers):
    """Maps (obj, file, fn) -> category."""
    crypto_fns = {(o, fn) for (o, _, fn) in self_cost if o and "libcrypto" in o}
    crypto_fns |= {k for k in callers if k[0] and "libcrypto" in k[0]}
    math = {k for k in crypto_fns if MATH_ROOTS.search(k[1] or "")}
    changed = True
    while changed:  # a libcrypto function all of whose callers are math is math
        changed = False
        for k in crypto_fns - math:
            if ALLOC.search(k[1] or ""):
                continue
            cs = [c for c, cost in callers.get(k, {}).items() if cost > 0]
            if cs and all(c in math for c in cs):
                math.add(k)
                changed = True

    def category(o, file, fn):
        o, file, fn = o or "", os.path.normpath(file) if file else "", fn or ""
        if ALLOC.search(fn) or "/malloc/" in file:
            return "allocation"
        if "libcrypto" in o:
            return "signature math" if (o, fn) in math else "OpenSSL plumbing"
        if "ajwt/detail/base64.hpp" in file:
            return "base64"
        if "nlohmann/" in file or "ajwt/detail/json.hpp" in file or "ajwt/detail/json_scan.hpp" in file:
            return "JSON"
        if "ajwt/nonce/memory.hpp" in file or "ajwt/detail/siphash.hpp" in file:
            return "nonce store"
        if "libc.so" in o or "libstdc++" in o or "ld-linux" in o:
            return "libc/libstdc++"
        return "ajwt other"

    return {k: category(*k) for k in self_cost}


def named_caller(callers, key, depth=6):
    """For an unnamed function (0x...), the nearest named function above it along its costliest callers."""
    seen = {key}
    while depth > 0:
        cs = callers.get(key, {})
        if not cs:
            return None
        key = max(cs, key=cs.get)
        if key in seen:
            return None
        seen.add(key)
        if key[1] and not key[1].startswith("0x"):
            return short_fn(key[1])
        depth -= 1
    return None


def summarise(path, count):
    self_cost, callers, total = parse(path)
    cats = classify(self_cost, callers)
    by_cat = defaultdict(int)
    by_fn = defaultdict(int)
    rep_key = {}
    for k, cost in self_cost.items():
        by_cat[cats[k]] += cost
        o, file, fn = k
        name = short_fn(fn or "?")
        if name.startswith("0x"):
            above = named_caller(callers, (o, fn))
            name = f"{name} (unnamed, under {above})" if above else f"{name} (unnamed)"
        fk = (cats[k], name, (o or "").rsplit("/", 1)[-1])
        by_fn[fk] += cost
        if cost > self_cost.get(rep_key.get(fk), -1):
            rep_key[fk] = k

    def caller_name(fk):
        o, _, fn = rep_key[fk]
        cs = callers.get((o, fn), {})
        if not cs:
            return ""
        c = max(cs, key=cs.get)
        name = short_fn(c[1] or "?")
        return name if not name.startswith("0x") else (named_caller(callers, c) or name)
    counted = sum(by_cat.values())
    total = total or counted
    top = sorted(by_fn.items(), key=lambda kv: -kv[1])[:15]
    return {
        "file": path,
        "verifications": count,
        "instructions": total,
        "instructions_per_verify": total / count,
        "categories": {c: {"instructions_per_verify": by_cat.get(c, 0) / count,
                           "fraction": by_cat.get(c, 0) / total if total else 0} for c in CATEGORIES},
        "outside_signature_math": 1 - by_cat.get("signature math", 0) / total if total else 0,
        "top_functions": [{"category": c, "function": fn, "object": ob, "instructions_per_verify": cost / count,
                           "fraction": cost / total if total else 0, "called_from": caller_name((c, fn, ob))}
                          for (c, fn, ob), cost in top],
    }


def markdown(result):
    profiles = result["profiles"]
    labels = list(profiles)
    lines = [f"Instructions per verification (callgrind, {result['alg']}, {result['count']} verifications per loop; "
             "every instruction counted once):", "",
             "| category | " + " | ".join(labels) + " |",
             "|---|" + "---:|" * len(labels)]
    for c in CATEGORIES:
        cells = []
        for l in labels:
            v = profiles[l]["categories"][c]
            cells.append(f"{v['instructions_per_verify']:,.0f} ({100 * v['fraction']:.1f}%)")
        lines.append(f"| {c} | " + " | ".join(cells) + " |")
    lines.append("| **total** | " + " | ".join(f"**{profiles[l]['instructions_per_verify']:,.0f}**" for l in labels) + " |")
    lines.append("| outside signature math | " +
                 " | ".join(f"{100 * profiles[l]['outside_signature_math']:.1f}%" for l in labels) + " |")
    if "ajwt" in profiles:
        base = profiles["ajwt"]["instructions_per_verify"]
        lines += ["", "Instruction ratios (noise-free, unlike times): " + ", ".join(
            f"ajwt / {l} = {base / profiles[l]['instructions_per_verify']:.3f}" for l in labels if l != "ajwt")]
        lines += ["", "Largest self costs in the ajwt loop (the caller is the costliest one):", "",
                  "| instructions/verify | share | category | function | called from |", "|---:|---:|---|---|---|"]
        for t in profiles["ajwt"]["top_functions"]:
            fn = t["function"].replace("|", "\\|")
            if len(fn) > 90:
                fn = fn[:87] + "..."
            caller = t.get("called_from", "").replace("|", "\\|")
            if len(caller) > 60:
                caller = caller[:57] + "..."
            lines.append(f"| {t['instructions_per_verify']:,.0f} | {100 * t['fraction']:.1f}% | {t['category']} | "
                         f"`{fn}` ({t['object']}) | {'`' + caller + '`' if caller else ''} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, required=True, help="verifications per loop")
    ap.add_argument("--alg", default="RS256")
    ap.add_argument("--out-json", required=True)
    ap.add_argument("--out-md", required=True)
    ap.add_argument("profiles", nargs="+", metavar="LABEL=FILE")
    args = ap.parse_args()
    result = {"tool": "valgrind --tool=callgrind", "alg": args.alg, "count": args.count, "profiles": {}}
    for spec in args.profiles:
        label, _, path = spec.partition("=")
        if not path:
            sys.exit(f"profile_summary.py: expected LABEL=FILE, got {spec}")
        result["profiles"][label] = summarise(path, args.count)
    with open(args.out_json, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    with open(args.out_md, "w") as f:
        f.write(markdown(result))


if __name__ == "__main__":
    main()
