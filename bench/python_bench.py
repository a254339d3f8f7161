#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""The Python figures of ajwt's benchmark: PyJWT verifying the tokens ajwt_bench made.

Run by ajwt_bench (between two brackets of its plain OpenSSL floor), with Debian's /usr/bin/python3 (it
has python3-jwt and python3-cryptography). Reads the corpus (meta.json, <ALG>.txt, <key>.pub.pem) and
times, per algorithm, over the first --tokens tokens, in --reps interleaved repetitions:

  pyjwt_pem   jwt.decode(token, pem_text, algorithms=[alg]): the PEM text on every call, as the Python
              library asymmetric-jwt-auth does (PyJWT parses the key each time);
  pyjwt_key   jwt.decode(token, key_object, algorithms=[alg]) with the key loaded once;
  python_raw  the signature alone with python3-cryptography and the key loaded once (no PyJWT).

Every decoded token must carry the corpus username, and a tampered token must be rejected, or the
script fails: a timing of a failure path would be meaningless. Writes JSON to --out; times are
microseconds per token (process CPU time, and wall time alongside).
"""
import argparse
import json
import sys
import time

try:
    import cryptography
    import jwt
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils
except ImportError as e:  # a clear failure, never a silent skip
    sys.exit(f"python_bench.py: {e}: run with Debian's /usr/bin/python3 (python3-jwt, python3-cryptography)")

KEY_OF = {"RS256": "rsa", "RS384": "rsa", "RS512": "rsa", "EdDSA": "ed25519", "ES256": "p256"}
HASH_OF = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512, "ES256": hashes.SHA256}


def b64url_decode(s):
    import base64
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def raw_verifier(alg, key):
    """A function (signing_input, signature) -> None that raises InvalidSignature on a bad signature."""
    if isinstance(key, rsa.RSAPublicKey):
        return lambda data, sig: key.verify(sig, data, padding.PKCS1v15(), HASH_OF[alg]())
    if isinstance(key, ed25519.Ed25519PublicKey):
        return lambda data, sig: key.verify(sig, data)
    if isinstance(key, ec.EllipticCurvePublicKey):
        def verify_ec(data, sig):
            der = utils.encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
            key.verify(der, data, ec.ECDSA(HASH_OF[alg]()))
        return verify_ec
    raise SystemExit(f"python_bench.py: unexpected key type for {alg}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--tokens", type=int, default=200)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--algs", default="RS256,RS512,EdDSA,ES256")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    with open(f"{args.corpus}/meta.json") as f:
        meta = json.load(f)
    username = meta["username"]
    out = {
        "python": sys.version.split()[0],
        "pyjwt": jwt.__version__,
        "cryptography": cryptography.__version__,
        "timing": "process CPU time per token (time.process_time_ns); wall time alongside",
        "tokens": args.tokens,
        "reps": args.reps,
        "algs": {},
    }
    try:
        from cryptography.hazmat.backends.openssl.backend import backend
        out["openssl"] = backend.openssl_version_text()
    except Exception:  # noqa: BLE001 - informational only
        pass

    for alg in args.algs.split(","):
        with open(f"{args.corpus}/{KEY_OF[alg]}.pub.pem") as f:
            pem = f.read()
        key = serialization.load_pem_public_key(pem.encode())
        with open(f"{args.corpus}/{alg}.txt") as f:
            tokens = [line.strip()[4:] for line in f if line.strip()][: args.tokens]
        if len(tokens) < args.tokens:
            sys.exit(f"python_bench.py: {alg}.txt holds {len(tokens)} tokens, {args.tokens} wanted")
        pieces = []
        for t in tokens:
            head, _, sig = t.rpartition(".")
            pieces.append((head.encode(), b64url_decode(sig)))
        verify_raw = raw_verifier(alg, key)

        def pyjwt_pem():
            for t in tokens:
                if jwt.decode(t, pem, algorithms=[alg])["username"] != username:
                    raise SystemExit("python_bench.py: a decoded token has another username")

        def pyjwt_key():
            for t in tokens:
                if jwt.decode(t, key, algorithms=[alg])["username"] != username:
                    raise SystemExit("python_bench.py: a decoded token has another username")

        def python_raw():
            for data, sig in pieces:
                verify_raw(data, sig)  # raises InvalidSignature on failure

        # Negative checks: a tampered token fails every path.
        head, _, sig = tokens[0].rpartition(".")
        tampered = head + "." + ("B" if sig[0] == "A" else "A") + sig[1:]
        for k in (pem, key):
            try:
                jwt.decode(tampered, k, algorithms=[alg])
                sys.exit(f"python_bench.py: PyJWT accepted a tampered {alg} token")
            except jwt.InvalidSignatureError:
                pass
        bad = bytearray(pieces[0][1])
        bad[len(bad) // 2] ^= 1
        try:
            verify_raw(pieces[0][0], bytes(bad))
            sys.exit(f"python_bench.py: cryptography accepted a tampered {alg} signature")
        except InvalidSignature:
            pass

        cases = {"pyjwt_pem": pyjwt_pem, "pyjwt_key": pyjwt_key, "python_raw": python_raw}
        results = {name: {"cpu_us": [], "wall_us": []} for name in cases}
        names = list(cases)
        python_raw()  # warm-up
        for rep in range(args.reps):
            # Rotate the order, so no case always runs first.
            for name in names[rep % len(names):] + names[: rep % len(names)]:
                c0, w0 = time.process_time_ns(), time.perf_counter_ns()
                cases[name]()
                c1, w1 = time.process_time_ns(), time.perf_counter_ns()
                results[name]["cpu_us"].append((c1 - c0) / 1000 / len(tokens))
                results[name]["wall_us"].append((w1 - w0) / 1000 / len(tokens))
        for r in results.values():
            s = sorted(r["cpu_us"])
            r["median_cpu_us"] = s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2
        out["algs"][alg] = results
        print(f"python_bench.py: {alg}: " + ", ".join(f"{n} {results[n]['median_cpu_us']:.1f} us" for n in names),
              flush=True)

    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
