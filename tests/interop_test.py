#!/usr/bin/python3
"""Wire compatibility with the Python library asymmetric-jwt-auth, in both directions, through the `ajwt`
command-line tool.

Python -> C++: tokens made exactly the Python library's way (PyJWT's jwt.encode with the claims
{"username", "time": int(time.time()), "nonce": secrets.token_urlsafe(8)} and the header kid = SHA-256 hex of
the SPKI PEM), for RSA with RS512/RS384/RS256 and Ed25519 with EdDSA, keys made by Python's cryptography,
are accepted by `ajwt verify`; a replay in the same run, a token signed by an unregistered key, a token for an
unknown user and a stale token are rejected with the right reason.

C++ -> Python: headers printed by `ajwt header` (RSA with RS512/RS384/RS256, Ed25519, ES256 for P-256) pass
the Python library's checks: jwt.decode with the algorithms it allows for the key type, then username, time
and nonce present and non-empty, |time - now| <= 20, and kid == SHA-256 hex of the public key PEM.

Environment (set by CTest): AJWT_CLI, the built `ajwt` tool. Without it the test FAILS (it is never skipped).
Run with Debian's /usr/bin/python3, which has python3-jwt and python3-cryptography. Prints
"N passed, N failed" and exits 1 on any failure.
"""
import hashlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
import traceback

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

CLI = os.environ.get("AJWT_CLI", "")
TOLERANCE = 20  # the Python library's window, seconds

# The algorithms the Python library lets a key of each type verify.
PYTHON_ALLOWED = {
    "rsa": ["RS512", "RS384", "RS256"],
    "ed25519": ["EdDSA"],
    "ec-p256": ["ES256"],
}

passed = 0
failed = 0


def report(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   - " + name)
    else:
        failed += 1
        print("FAIL - " + name + (": " + detail if detail else ""))


def check(name, fn):
    """Runs fn(); an AssertionError or any other exception fails the check with its message."""
    try:
        fn()
        report(name, True)
    except AssertionError as e:
        report(name, False, str(e))
    except Exception:  # noqa: BLE001 - a crash is a failure with its traceback
        report(name, False, traceback.format_exc())


def finish():
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


def run_cli(*args, timeout=120):
    proc = subprocess.run([CLI, *[str(a) for a in args]], stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=timeout)
    return proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")


# ---------------------------------------------------------------------------------------------------------
# The Python library's side, written the way asymmetric-jwt-auth does it.

def public_pem_of(private_key):
    return private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)


def private_pem_of(private_key):
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


def python_token(private_key, username, alg, now=None, nonce=None):
    """A token exactly as the Python library's client makes it."""
    public_pem = public_pem_of(private_key)
    claims = {
        "username": username,
        "time": int(time.time()) if now is None else now,
        "nonce": secrets.token_urlsafe(8) if nonce is None else nonce,
    }
    token = jwt.encode(claims, private_pem_of(private_key), algorithm=alg,
                       headers={"kid": hashlib.sha256(public_pem).hexdigest()})
    return token.decode() if isinstance(token, bytes) else token


def python_check(token, public_pem, key_type):
    """The Python library's server-side checks; returns the claims or raises AssertionError."""
    claims = jwt.decode(token, public_pem, algorithms=PYTHON_ALLOWED[key_type])
    for name in ("username", "time", "nonce"):
        assert claims.get(name), "claim %r is missing or empty in %r" % (name, claims)
    assert isinstance(claims["time"], int), "time is not an integer: %r" % (claims["time"],)
    assert abs(claims["time"] - int(time.time())) <= TOLERANCE, "time %r is not within %d s of now" % (
        claims["time"], TOLERANCE)
    kid = jwt.get_unverified_header(token).get("kid")
    want = hashlib.sha256(public_pem).hexdigest()
    assert kid == want, "kid %r is not the SHA-256 of the public PEM (%s)" % (kid, want)
    return claims


# ---------------------------------------------------------------------------------------------------------

def python_to_cpp(work):
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ed_key = ed25519.Ed25519PrivateKey.generate()
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_pub = os.path.join(work, "py-rsa.pub")
    ed_pub = os.path.join(work, "py-ed.pub")
    with open(rsa_pub, "wb") as f:
        f.write(public_pem_of(rsa_key))
    with open(ed_pub, "wb") as f:
        f.write(public_pem_of(ed_key))
    users = ["--user-key", "py-rsa=" + rsa_pub, "--user-key", "py-ed=" + ed_pub]

    genuine = [
        ("RSA RS512", "py-rsa", python_token(rsa_key, "py-rsa", "RS512")),
        ("RSA RS384", "py-rsa", python_token(rsa_key, "py-rsa", "RS384")),
        ("RSA RS256", "py-rsa", python_token(rsa_key, "py-rsa", "RS256")),
        ("Ed25519 EdDSA", "py-ed", python_token(ed_key, "py-ed", "EdDSA")),
    ]
    replay = genuine[0][2]
    rejected = [
        ("a replay of the RS512 token", "nonce_replayed", replay),
        ("a token signed by an unregistered key", "bad_signature", python_token(stranger, "py-rsa", "RS512")),
        ("a token for an unknown user", "unknown_user", python_token(rsa_key, "nobody", "RS512")),
        ("a token 21 s old", "time_out_of_window", python_token(ed_key, "py-ed", "EdDSA", now=int(time.time()) - 21)),
    ]
    headers = ["JWT " + t for _, _, t in genuine] + ["JWT " + t for _, _, t in rejected]
    rc, out, err = run_cli("verify", *users, *headers)
    lines = out.splitlines()
    context = "\n--- stdout:\n%s--- stderr:\n%s" % (out, err)

    def one_line_per_header():
        assert len(lines) == len(headers), "expected %d lines, got %d%s" % (len(headers), len(lines), context)
    check("ajwt verify prints one line per header", one_line_per_header)
    for i, (what, user, _) in enumerate(genuine):
        def accepted(i=i, user=user):
            assert i < len(lines) and lines[i].split()[:2] == ["ok", user], \
                "expected 'ok %s', got %r%s" % (user, lines[i] if i < len(lines) else None, context)
        check("ajwt verify accepts a Python-made %s token" % what, accepted)
    for j, (what, why, _) in enumerate(rejected):
        i = len(genuine) + j
        def refused(i=i, why=why):
            assert i < len(lines) and lines[i].split()[:2] == ["rejected", why], \
                "expected 'rejected %s', got %r%s" % (why, lines[i] if i < len(lines) else None, context)
        check("ajwt verify rejects %s (%s)" % (what, why), refused)

    def exit_one():
        assert rc == 1, "expected exit 1 when a header is rejected, got %d%s" % (rc, context)
    check("ajwt verify exits 1 when any header is rejected", exit_one)

    def all_fresh_exit_zero():
        fresh = [python_token(rsa_key, "py-rsa", alg) for alg in PYTHON_ALLOWED["rsa"]]
        fresh.append(python_token(ed_key, "py-ed", "EdDSA"))
        rc2, out2, err2 = run_cli("verify", "--now", int(time.time()), *users, *["JWT " + t for t in fresh])
        assert rc2 == 0, "expected exit 0, got %d\n%s%s" % (rc2, out2, err2)
        assert out2.splitlines() == ["ok py-rsa"] * 3 + ["ok py-ed"], "unexpected output %r" % out2
    check("ajwt verify exits 0 when every Python-made header is accepted", all_fresh_exit_zero)


def cpp_to_python(work):
    cases = [
        ("rsa", "RS512"),
        ("rsa", "RS384"),
        ("rsa", "RS256"),
        ("ed25519", None),
        ("ec-p256", None),
    ]
    keys = {}
    for key_type in ("rsa", "ed25519", "ec-p256"):
        path = os.path.join(work, "cpp-" + key_type)

        def keygen(key_type=key_type, path=path):
            rc, out, err = run_cli("keygen", "--type", key_type, "--out", path)
            assert rc == 0, "ajwt keygen --type %s failed (exit %d): %s%s" % (key_type, rc, out, err)
            with open(path, "rb") as f:
                private_pem = f.read()
            with open(path + ".pub", "rb") as f:
                public_pem = f.read()
            assert private_pem.startswith(b"-----BEGIN PRIVATE KEY-----"), "not PKCS#8 PEM: %r" % private_pem[:40]
            assert public_pem.startswith(b"-----BEGIN PUBLIC KEY-----"), "not SPKI PEM: %r" % public_pem[:40]
            # The .pub file holds exactly the bytes the Python library would write (and so hash) for this key.
            loaded = serialization.load_pem_private_key(private_pem, password=None)
            assert public_pem_of(loaded) == public_pem, "FILE.pub differs from the key's SPKI PEM as Python writes it"
            keys[key_type] = (path, public_pem)
        check("ajwt keygen --type %s writes a PKCS#8 key and its SPKI PEM" % key_type, keygen)

    for key_type, alg in cases:
        label = "%s %s" % (key_type, alg or "(default algorithm)")

        def verify_in_python(key_type=key_type, alg=alg):
            assert key_type in keys, "no %s key (ajwt keygen failed)" % key_type
            path, public_pem = keys[key_type]
            user = "cpp-" + key_type
            args = ["header", "--key", path, "--user", user, "--count", 3]
            if alg:
                args += ["--alg", alg]
            rc, out, err = run_cli(*args)
            assert rc == 0, "ajwt header failed (exit %d): %s%s" % (rc, out, err)
            lines = out.splitlines()
            assert len(lines) == 3, "expected 3 header lines, got %r" % out
            nonces = set()
            for line in lines:
                scheme, _, token = line.partition(" ")
                assert scheme == "JWT" and token and " " not in token, "not 'JWT <token>': %r" % line
                claims = python_check(token, public_pem, key_type)
                assert claims["username"] == user, "username %r, expected %r" % (claims["username"], user)
                header = jwt.get_unverified_header(token)
                want_alg = alg or PYTHON_ALLOWED[key_type][0]
                assert header.get("alg") == want_alg, "alg %r, expected %r" % (header.get("alg"), want_alg)
                assert header.get("typ") == "JWT", "typ %r" % header.get("typ")
                nonces.add(claims["nonce"])
            assert len(nonces) == 3, "the 3 headers do not have 3 different nonces: %r" % nonces
        check("a C++-made %s header passes the Python library's checks" % label, verify_in_python)

    def stale_time_is_visible():
        assert "ed25519" in keys, "no ed25519 key (ajwt keygen failed)"
        path, public_pem = keys["ed25519"]
        rc, out, err = run_cli("header", "--key", path, "--user", "u", "--time", int(time.time()) - 3600)
        assert rc == 0, "ajwt header --time failed (exit %d): %s%s" % (rc, out, err)
        token = out.strip().partition(" ")[2]
        try:
            python_check(token, public_pem, "ed25519")
        except AssertionError as e:
            assert "not within" in str(e), str(e)
            return
        raise AssertionError("a token an hour old passed the Python library's time check")
    check("a C++-made header with --time an hour ago fails the Python library's time check", stale_time_is_visible)


def main():
    print("interop: ajwt command-line tool %s" % (CLI or "(AJWT_CLI not set)"))
    if not CLI or not os.path.isfile(CLI) or not os.access(CLI, os.X_OK):
        report("the ajwt command-line tool is available", False,
               "AJWT_CLI must name the built `ajwt` tool (got %r); build the ajwt_cli target and run this "
               "test through CTest" % CLI)
        finish()
    with tempfile.TemporaryDirectory(prefix="ajwt-interop-") as work:
        python_to_cpp(work)
        cpp_to_python(work)
    finish()


if __name__ == "__main__":
    main()
