#!/usr/bin/python3
"""ajwt's key id equals the Python library's, for fresh keys in every format Python's `cryptography`
writes, checked through the `ajwt` command-line tool:

    ajwt fingerprint KEYFILE                        prints the kid and a newline
    ajwt pubkey --format pem|openssh|jwk KEYFILE    prints the public key

The kid of asymmetric-jwt-auth is hashlib.sha256(SPKI PEM text).hexdigest(). The same check runs over the
committed fixtures of tests/data/kid (which tests/keys_test.cpp also reads, without the tool).

Environment (set by CTest): AJWT_CLI, the built tool (required: this test fails without it);
AJWT_TEST_DATA_DIR, tests/data. Run with Debian's /usr/bin/python3 (it has cryptography and PyJWT).
"""
import base64
import json
import os
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives import serialization as s
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.environ.get("AJWT_TEST_DATA_DIR") or os.path.join(HERE, "data")
sys.dont_write_bytecode = True  # keep tests/data/kid free of __pycache__
sys.path.insert(0, os.path.join(DATA_DIR, "kid"))
import make_fixtures  # noqa: E402  (tests/data/kid/make_fixtures.py)

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message)


def run_cli(cli, *args):
    """Runs the tool with stdin closed; returns stdout, or None (and records a failure) on a non-zero exit."""
    proc = subprocess.run([cli, *args], stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    if proc.returncode != 0:
        check(False, "`ajwt %s` exited with %d: %s" % (" ".join(args), proc.returncode,
                                                       proc.stderr.decode(errors="replace").strip()))
        return None
    return proc.stdout.decode()


def load_public(directory, entry):
    with open(os.path.join(directory, entry["name"] + ".spki.pem"), "rb") as f:
        return s.load_pem_public_key(f.read())


def python_jwk_members(public_key, key_type):
    algorithm = {"rsa": RSAAlgorithm, "ed25519": OKPAlgorithm, "ec-p256": ECAlgorithm}[key_type]
    jwk = json.loads(algorithm.to_jwk(public_key))
    members = {"rsa": ("kty", "n", "e"), "ed25519": ("kty", "crv", "x"), "ec-p256": ("kty", "crv", "x", "y")}
    return {m: jwk[m] for m in members[key_type]}


def b64url_int(text):
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def same_jwk_members(ours, pyjwt):
    """Member by member; EC coordinates compare as integers: PyJWT 2.6 drops their leading zero bytes
    (about one P-256 key in 128), where RFC 7518 (and ajwt) write all 32 bytes."""
    if set(ours) != set(pyjwt):
        return False
    for m, value in pyjwt.items():
        if pyjwt.get("kty") == "EC" and m in ("x", "y"):
            if not isinstance(ours[m], str) or b64url_int(ours[m]) != b64url_int(value):
                return False
        elif ours[m] != value:
            return False
    return True


def check_directory(cli, directory, manifest, label):
    for entry in manifest["keys"]:
        public = load_public(directory, entry)
        expected_kid = make_fixtures.python_kid(public)
        check(expected_kid == entry["kid"], "%s %s: manifest kid differs from the Python kid" % (label, entry["name"]))
        for file_name in entry["private"] + entry["public"]:
            path = os.path.join(directory, file_name)
            out = run_cli(cli, "fingerprint", path)
            if out is not None:
                check(out == expected_kid + "\n",
                      "%s %s: `ajwt fingerprint` printed %r, the Python kid is %r" % (label, file_name, out, expected_kid))

        spki_file = os.path.join(directory, entry["private"][0])
        pem = run_cli(cli, "pubkey", "--format", "pem", spki_file)
        python_pem = public.public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo).decode()
        if pem is not None:
            check(pem == python_pem, "%s %s: `ajwt pubkey --format pem` differs from Python's SPKI PEM:\n%s"
                  % (label, entry["name"], pem))
        line = run_cli(cli, "pubkey", "--format", "openssh", spki_file)
        python_line = public.public_bytes(s.Encoding.OpenSSH, s.PublicFormat.OpenSSH).decode()
        if line is not None:
            # A comment may follow the key; the type and the base64 blob must be Python's.
            check(line.split()[:2] == python_line.split()[:2],
                  "%s %s: `ajwt pubkey --format openssh` printed %r, Python writes %r" % (label, entry["name"], line, python_line))
        jwk_text = run_cli(cli, "pubkey", "--format", "jwk", spki_file)
        if jwk_text is not None:
            try:
                jwk = json.loads(jwk_text)
            except ValueError as e:
                check(False, "%s %s: `ajwt pubkey --format jwk` is not JSON (%s): %r" % (label, entry["name"], e, jwk_text))
                continue
            expected = python_jwk_members(public, entry["type"])
            got = {m: jwk.get(m) for m in expected}
            check(same_jwk_members(got, expected),
                  "%s %s: JWK members %r differ from PyJWT's %r" % (label, entry["name"], got, expected))
            for m in ("x", "y"):
                if entry["type"] == "ec-p256" and isinstance(jwk.get(m), str):
                    check(len(jwk[m]) == 43, "%s %s: JWK %s is %r, not 32 bytes (43 characters) as RFC 7518 asks"
                          % (label, entry["name"], m, jwk[m]))
            # PyJWT's JWK (whose EC coordinates may be shorter than 32 bytes) names the same key for ajwt.
            with tempfile.TemporaryDirectory(prefix="ajwt-kid-test-jwk-") as tmp:
                python_jwk_file = os.path.join(tmp, entry["name"] + ".jwk.json")
                with open(python_jwk_file, "w") as f:
                    json.dump(expected, f)
                out = run_cli(cli, "fingerprint", python_jwk_file)
            if out is not None:
                check(out == expected_kid + "\n", "%s %s: `ajwt fingerprint` of PyJWT's JWK printed %r, the kid is %r"
                      % (label, entry["name"], out, expected_kid))
            check("d" not in jwk, "%s %s: the public JWK holds the private member d" % (label, entry["name"]))


def main():
    cli = os.environ.get("AJWT_CLI", "")
    if not cli or not os.path.isfile(cli) or not os.access(cli, os.X_OK):
        print("FAIL: this test needs the ajwt command-line tool: set AJWT_CLI to the built `ajwt` executable "
              "(CTest sets it when tools/ajwt is built); AJWT_CLI is %r" % cli)
        return 1

    fixtures = os.path.join(DATA_DIR, "kid")
    with open(os.path.join(fixtures, make_fixtures.MANIFEST)) as f:
        check_directory(cli, fixtures, json.load(f), "fixture")

    with tempfile.TemporaryDirectory(prefix="ajwt-kid-test-") as tmp:
        check_directory(cli, tmp, make_fixtures.write_fixtures(tmp), "fresh")
        # Another RSA size, so the kid is not right only for one modulus length.
        tmp3072 = os.path.join(tmp, "3072")
        os.mkdir(tmp3072)
        manifest = make_fixtures.write_fixtures(tmp3072, rsa_bits=3072)
        manifest["keys"] = [k for k in manifest["keys"] if k["type"] == "rsa"]
        check_directory(cli, tmp3072, manifest, "fresh RSA-3072")

    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all kid checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
