#!/usr/bin/python3
"""Request binding across languages (docs/binding.md, "Wire compatibility with the Python library").

1. The Python client snippet of docs/binding.md, taken from the file and run as it is: its binding claims
   equal those of `ajwt header --method --url --body-file` for the same requests (default ports, case,
   percent-encoding, IPv6 literals, empty paths, fragments, bodies); `ajwt verify --method --url
   --require-binding` accepts its tokens and refuses them for another path, method, query or body.
2. Tokens made by `ajwt header --method --url` (no aud) pass the Python library's own check: PyJWT's
   jwt.decode(token, pem, algorithms=[...]) and then the username, time and nonce checks; PyJWT ignores the
   binding claims. Tokens with aud fail that check (InvalidAudienceError), as docs/binding.md says.

Environment (set by CTest): AJWT_CLI, the built tool (required: this test fails without it);
AJWT_SOURCE_DIR, the source tree (for docs/binding.md). Run with Debian's /usr/bin/python3 (PyJWT,
cryptography). Prints "N passed, N failed"; exit status 1 on any failure.
"""
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

import jwt
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("AJWT_SOURCE_DIR") or os.path.dirname(HERE)
CLI = os.environ.get("AJWT_CLI", "")
SNIPPET_MARKER = "<!-- tests/binding_python_test.py runs the next code block"

TESTS = []


def test(fn):
    """Registers a test; its name, with underscores as spaces, reads as the sentence it checks."""
    TESTS.append(fn)
    return fn


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def load_snippet():
    """The namespace of the first ```python block after SNIPPET_MARKER in docs/binding.md, executed."""
    path = os.path.join(SOURCE_DIR, "docs", "binding.md")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    at = text.find(SNIPPET_MARKER)
    expect(at >= 0, "%s has no line starting %r" % (path, SNIPPET_MARKER))
    m = re.compile(r"```python\n(.*?)```", re.S).search(text, at)
    expect(m is not None, "%s: no ```python block after the marker" % path)
    namespace = {"__name__": "binding_snippet"}
    exec(compile(m.group(1), path + " (snippet)", "exec"), namespace)  # noqa: S102 - our own documentation
    for name in ("binding_claims", "bound_auth_header"):
        expect(callable(namespace.get(name)), "the snippet defines no function %s" % name)
    return namespace


class Ctx:
    pass


C = Ctx()


def setup(tmp):
    C.tmp = tmp
    C.snippet = load_snippet()
    C.keys = {}
    for name, key, alg in (("ed", ed25519.Ed25519PrivateKey.generate(), "EdDSA"),
                           ("rsa", rsa.generate_private_key(65537, 2048), "RS512"),
                           ("ec", ec.generate_private_key(ec.SECP256R1()), "ES256")):
        private_pem = key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption())
        public_pem = key.public_key().public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo)
        k = Ctx()
        k.alg, k.private_pem, k.public_pem = alg, private_pem, public_pem
        k.kid = hashlib.sha256(public_pem).hexdigest()  # the Python library's fingerprint
        k.private_file = write_file(name + ".pem", private_pem)
        k.public_file = write_file(name + ".pub", public_pem)
        C.keys[name] = k


def write_file(name, data):
    path = os.path.join(C.tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def run_cli(*args):
    proc = subprocess.run([CLI, *args], stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    return proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def cli_header(key, user, *args):
    rc, out, err = run_cli("header", "--key", key.private_file, "--user", user, *args)
    expect(rc == 0, "ajwt header %s failed: exit %d: %s" % (args, rc, err))
    return out.strip()


def payload_of(header):
    return json.loads(b64url_decode(header.split(" ", 1)[1].split(".")[1]))


def cli_verify(key, user, header, *args):
    rc, out, err = run_cli("verify", "--user-key", user + "=" + key.public_file, *args, header)
    return rc, out, err


# Requests as a client writes them; the second URL is how a server may see the same request.
REQUESTS = [
    ("GET", "http://127.0.0.1:8080/whoami", b""),
    ("GET", "HTTP://API.Example.COM:80/a/b?x=1&y=%7e", b""),
    ("POST", "https://api.example.com:443/v1/pay?currency=EUR", b'{"amount": 5}'),
    ("PUT", "https://api.example.com:8443/%7euser/a%2fb?q=%41%2f", b"\x00\xff\r\n"),
    ("DELETE", "http://[::1]:8080/items/7", b""),
    ("GET", "https://[2001:DB8::1]:443/", b""),
    ("GET", "https://[2001:db8::1]:8443/x", b""),
    ("GET", "http://example.com", b""),
    ("GET", "http://example.com?x=1#frag", b""),
    ("GET", "http://example.com:/a", b""),
    ("PATCH", "http://example.com/a?", b"patch"),
    ("get", "http://example.com/case/Sensitive?A=B", b""),
]


@test
def the_snippets_binding_claims_equal_the_tools_for_the_same_requests():
    for i, (method, url, body) in enumerate(REQUESTS):
        body_file = write_file("body-%d" % i, body)
        want = payload_of(cli_header(C.keys["ed"], "alice", "--method", method, "--url", url, "--body-file", body_file))
        got = C.snippet["binding_claims"](method, url, body)
        expect(set(got) == {"htm", "htu", "htq", "htb"}, "the snippet's claims: %r" % got)
        for name in ("htm", "htu", "htq", "htb"):
            expect(got[name] == want[name], "%s %s: %s is %r from the snippet, %r from ajwt header" %
                   (method, url, name, got[name], want[name]))


@test
def the_snippets_digests_are_base64url_sha256_of_the_query_and_body():
    claims = C.snippet["binding_claims"]("POST", "https://h/p?abc", b"abc")
    abc = "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"  # SHA-256("abc"), FIPS 180-2 B.1
    expect(claims == {"htm": "POST", "htu": "https://h/p", "htq": abc, "htb": abc}, "claims: %r" % claims)


@test
def the_snippet_refuses_urls_ajwt_refuses():
    for url in ("ftp://example.com/a", "http://alice@example.com/a", "http://alice:pw@example.com/a", "/relative",
                "http://example.com:99999/"):
        try:
            C.snippet["binding_claims"]("GET", url)
        except ValueError:
            pass
        else:
            raise AssertionError("the snippet accepted %r" % url)
        rc, _, _ = run_cli("header", "--key", C.keys["ed"].private_file, "--user", "a", "--method", "GET", "--url", url)
        expect(rc == 2, "ajwt header accepted %r" % url)


def snippet_header(key, method, url, body=b""):
    return C.snippet["bound_auth_header"](key.private_pem, key.kid, key.alg, "alice", method, url, body)


@test
def ajwt_verify_with_require_binding_accepts_tokens_made_by_the_snippet_for_each_key_type():
    body = b'{"amount": 5}'
    body_file = write_file("pay.json", body)
    for name, key in C.keys.items():
        header = snippet_header(key, "POST", "https://API.example.com:443/v1/pay?currency=EUR", body)
        rc, out, err = cli_verify(key, "alice", header, "--method", "POST", "--url",
                                  "https://api.example.com/v1/pay?currency=EUR", "--body-file", body_file,
                                  "--require-binding")
        expect(rc == 0 and out == "ok alice\n", "%s: exit %d, %r %r" % (name, rc, out, err))


@test
def ajwt_verify_refuses_a_snippet_token_for_another_path_method_query_or_body():
    key = C.keys["ed"]
    other_body = write_file("other-body", b"x")
    for args in (["--method", "GET", "--url", "http://127.0.0.1:8080/b"],
                 ["--method", "POST", "--url", "http://127.0.0.1:8080/a"],
                 ["--method", "GET", "--url", "http://127.0.0.1:8080/a?x=2"],
                 ["--method", "GET", "--url", "http://127.0.0.1:8080/a", "--body-file", other_body]):
        header = snippet_header(key, "GET", "http://127.0.0.1:8080/a")
        rc, out, err = cli_verify(key, "alice", header, *args, "--require-binding")
        expect(rc == 1 and out == "rejected request_mismatch\n", "%s: exit %d, %r %r" % (args, rc, out, err))
    # The control: the request it was made for.
    header = snippet_header(key, "GET", "http://127.0.0.1:8080/a")
    rc, out, err = cli_verify(key, "alice", header, "--method", "GET", "--url", "http://127.0.0.1:8080/a",
                              "--require-binding")
    expect(rc == 0 and out == "ok alice\n", "the bound request: exit %d, %r %r" % (rc, out, err))


class PythonLibraryCheck:
    """The Python library's verification of a token with one public key, step by step: PyJWT's jwt.decode
    with the key's algorithms, then non-blank username, time and nonce, time within +-20 s of now, and a
    nonce not used before. Returns the claims, or None when the library would refuse the token."""

    def __init__(self):
        self.used = set()

    def verify(self, token, public_pem, algorithms, tolerance=20):
        try:
            claims = jwt.decode(token, public_pem.decode(), algorithms=algorithms)
        except jwt.InvalidTokenError:
            return None
        username, claimed_time, nonce = claims.get("username"), claims.get("time", 0), claims.get("nonce")
        if not username or not claimed_time or not nonce:
            return None
        now = time.time()
        if claimed_time < now - tolerance or claimed_time > now + tolerance:
            return None
        if (username, claimed_time, nonce) in self.used:
            return None
        self.used.add((username, claimed_time, nonce))
        return claims


@test
def bound_tokens_made_by_ajwt_header_pass_the_python_librarys_check():
    check = PythonLibraryCheck()
    body = write_file("lib-body", b'{"a": 1}')
    for name in ("ed", "rsa"):  # the key types the Python library signs with
        key = C.keys[name]
        header = cli_header(key, "svc-billing", "--method", "POST", "--url", "https://api.example.com/v1/pay?x=1",
                            "--body-file", body)
        token = header.split(" ", 1)[1]
        claims = check.verify(token, key.public_pem, [key.alg])
        expect(claims is not None, "%s: the Python library's check refused a bound token" % name)
        expect(claims["username"] == "svc-billing" and claims["htm"] == "POST" and
               claims["htu"] == "https://api.example.com/v1/pay", "%s: claims %r" % (name, claims))
        # The check is real: the same token again is a replay, and another key does not verify it.
        expect(check.verify(token, key.public_pem, [key.alg]) is None, "%s: a replay passed the check" % name)
        other = C.keys["rsa" if name == "ed" else "ed"]
        fresh = cli_header(key, "svc-billing", "--method", "GET", "--url", "http://h/")
        expect(check.verify(fresh.split(" ", 1)[1], other.public_pem, [other.alg]) is None,
               "%s: a token verified with another key" % name)


@test
def tokens_with_aud_fail_the_python_librarys_check_unless_it_passes_an_audience():
    key = C.keys["ed"]
    token = cli_header(key, "svc-billing", "--audience", "payments-api", "--method", "GET",
                       "--url", "http://h/").split(" ", 1)[1]
    try:
        jwt.decode(token, key.public_pem.decode(), algorithms=[key.alg])
    except jwt.InvalidAudienceError:
        pass
    else:
        raise AssertionError("PyJWT accepted a token with aud without being given an audience")
    expect(PythonLibraryCheck().verify(token, key.public_pem, [key.alg]) is None, "the library's check accepted aud")
    claims = jwt.decode(token, key.public_pem.decode(), algorithms=[key.alg], audience="payments-api")
    expect(claims["aud"] == "payments-api", "with the audience passed, PyJWT accepts it: %r" % claims)


@test
def snippet_tokens_pass_the_python_librarys_check_too():
    key = C.keys["rsa"]
    header = snippet_header(key, "GET", "http://h/a")
    expect(header.startswith("JWT "), "the header starts with the scheme: %r" % header[:10])
    token = header.split(" ", 1)[1]
    expect(jwt.get_unverified_header(token) == {"alg": "RS512", "kid": key.kid, "typ": "JWT"},
           "the JOSE header is the Python library's: %r" % jwt.get_unverified_header(token))
    expect(PythonLibraryCheck().verify(token, key.public_pem, [key.alg]) is not None, "refused")


def main():
    if not CLI or not os.access(CLI, os.X_OK):
        print("FAIL: AJWT_CLI must name the built `ajwt` tool (got %r)" % CLI)
        print("0 passed, 1 failed")
        return 1
    tmp = tempfile.mkdtemp(prefix="ajwt-binding-python.")
    passed = failed = 0
    try:
        try:
            setup(tmp)
        except Exception:  # noqa: BLE001 - the setup failing fails the whole file
            traceback.print_exc(file=sys.stdout)
            print("FAIL: setup (the snippet of docs/binding.md, or the keys)")
            print("0 passed, 1 failed")
            return 1
        for fn in TESTS:
            name = fn.__name__.replace("_", " ")
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - report every failure and go on
                failed += 1
                detail = str(e) if isinstance(e, AssertionError) else traceback.format_exc()
                print("FAIL: %s\n  %s" % (name, detail.replace("\n", "\n  ")))
            else:
                passed += 1
                print("ok: %s" % name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
