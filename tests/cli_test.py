#!/usr/bin/python3
"""Tests of the `ajwt` command-line tool (tools/ajwt): every command and option, exit codes, standard output
and standard error, file modes, key formats (ajwt's own, ssh-keygen's, JWK), passphrases (environment
variable and terminal prompt, through a pty), and `ajwt header | ajwt verify` round trips. Tokens are also
checked against PyJWT, so the tool is wire-compatible with the Python library in both directions.

Also request binding (`header --method --url [--body-file]`, `verify --method --url [--body-file]
[--require-binding]`) with claim values recomputed here with hashlib, and `verify --redis URL`: separate
`ajwt verify` processes sharing one Redis reject each other's replays, and a dead Redis fails closed.

Environment (set by CTest): AJWT_CLI, the built tool (required: this test fails without it);
AJWT_SOURCE_DIR, the source tree (for include/ajwt/version.hpp); AJWT_TEST_REDIS_URL, a Redis to use
(scripts/test.sh starts one; without it this test starts its own redis-server, from AJWT_REDIS_SERVER, PATH
or /usr/bin, and fails when there is none). Run with Debian's /usr/bin/python3 (it has cryptography and
PyJWT). Needs ssh-keygen (openssh-client). Prints "N passed, N failed" and exits 1 on
any failure. Also reports, without asserting it, the wall time of verifying 20,000 RS512 headers.
"""
import base64
import hashlib
import json
import os
import re
import secrets
import select
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import traceback

import jwt
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import PrivateRedis, free_port  # noqa: E402  (tests/support.py)

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("AJWT_SOURCE_DIR") or os.path.dirname(HERE)
CLI = os.environ.get("AJWT_CLI", "")
T0 = 1700000000  # a fixed "now" for --time / --now

TESTS = []


def test(fn):
    """Registers a test; its name, with underscores as spaces, reads as the sentence it checks."""
    TESTS.append(fn)
    return fn


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def __repr__(self):
        return "exit %d\n--- stdout:\n%s--- stderr:\n%s" % (self.rc, self.out[:2000], self.err[:2000])


def run(*args, input=None, env=None, timeout=120):
    """Runs the tool (stdin a pipe or /dev/null, never a terminal); returns Result with text stdout/stderr."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    proc = subprocess.run([CLI, *[str(a) for a in args]], input=input.encode() if isinstance(input, str) else input,
                          stdin=None if input is not None else subprocess.DEVNULL, capture_output=True,
                          env=full_env, timeout=timeout)
    return Result(proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"))


def expect(condition, message, result=None):
    if not condition:
        raise AssertionError(message + ("\n" + repr(result) if result is not None else ""))


def expect_ok(r, what):
    expect(r.rc == 0, what + ": expected exit 0", r)


def expect_usage_error(r, *fragments):
    """Exit 2, nothing on stdout, and each fragment in the message on stderr."""
    expect(r.rc == 2, "expected exit 2", r)
    expect(r.out == "", "expected nothing on stdout", r)
    for f in fragments:
        expect(f in r.err, "expected %r in stderr" % f, r)


def expect_tool_error(r, *fragments):
    """A usage or key error reported by the tool itself: exit 2, stdout empty, one "ajwt: ..." line on stderr."""
    expect_usage_error(r, *fragments)
    expect(r.err.startswith("ajwt: ") and not r.err.startswith("ajwt: ajwt: "),
           "expected the message to start with one 'ajwt: '", r)


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def decode_header_line(line):
    """'JWT a.b.c' -> (JOSE header dict, claims dict, token)."""
    scheme, token = line.split(" ")
    expect(scheme == "JWT", "scheme is %r" % scheme)
    h, p, _ = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p)), token


def read(path):
    with open(path) as f:
        return f.read()


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def spki_pem(public_key):
    return public_key.public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo).decode()


def python_kid(public_key):
    """The Python library's kid: hex SHA-256 of the SPKI PEM text."""
    return hashlib.sha256(spki_pem(public_key).encode()).hexdigest()


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_b64u(n, length=None):
    return b64u(n.to_bytes(length or (n.bit_length() + 7) // 8, "big"))


def private_jwk(key):
    """A private JWK made with `cryptography` alone (independent of ajwt)."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        nums = key.private_numbers()
        return {"kty": "EC", "crv": "P-256", "x": int_b64u(nums.public_numbers.x, 32),
                "y": int_b64u(nums.public_numbers.y, 32), "d": int_b64u(nums.private_value, 32)}
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.private_bytes(ser.Encoding.Raw, ser.PrivateFormat.Raw, ser.NoEncryption())
        pub = key.public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64u(pub), "d": b64u(raw)}
    nums = key.private_numbers()
    return {"kty": "RSA", "n": int_b64u(nums.public_numbers.n), "e": int_b64u(nums.public_numbers.e),
            "d": int_b64u(nums.d), "p": int_b64u(nums.p), "q": int_b64u(nums.q), "dp": int_b64u(nums.dmp1),
            "dq": int_b64u(nums.dmq1), "qi": int_b64u(nums.iqmp)}


def public_jwk(jwk):
    return {k: v for k, v in jwk.items() if k not in ("d", "p", "q", "dp", "dq", "qi")}


# ---------------------------------------------------------------------------------------------------------
# Keys, made once for the whole file.

class Keys:
    pass


K = Keys()


def make_keys(tmp):
    d = os.path.join(tmp, "keys")
    os.mkdir(d)
    K.dir = d
    # ajwt's own keys.
    for name, kind in (("rsa", "rsa"), ("ed", "ed25519"), ("ec", "ec-p256"), ("rsa2", "rsa")):
        r = run("keygen", "--type", kind, "--out", os.path.join(d, name))
        expect_ok(r, "keygen --type " + kind)
        setattr(K, name, os.path.join(d, name))
    K.enc = os.path.join(d, "enc")
    expect_ok(run("keygen", "--type", "ec-p256", "--passphrase-env", "AJWT_TEST_PW", "--out", K.enc,
                  env={"AJWT_TEST_PW": "correct horse"}), "keygen encrypted")
    # ssh-keygen's keys, in OpenSSH format (and one encrypted).
    if not shutil.which("ssh-keygen"):
        raise AssertionError("ssh-keygen is missing: install openssh-client to run these tests")
    for name, args in (("ssh_ed", ["-t", "ed25519"]), ("ssh_rsa", ["-t", "rsa", "-b", "2048"]),
                       ("ssh_ec", ["-t", "ecdsa", "-b", "256"]), ("ssh_enc", ["-t", "ed25519", "-N", "ssh secret"])):
        path = os.path.join(d, name)
        cmd = ["ssh-keygen", "-q", "-C", name + "@test", "-f", path] + args
        if "-N" not in args:
            cmd += ["-N", ""]
        subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL, capture_output=True)
        setattr(K, name, path)
    # JWK files made with `cryptography` (private for signing, public for verifying).
    for name, key in (("jwk_ec", ec.generate_private_key(ec.SECP256R1())),
                      ("jwk_ed", ed25519.Ed25519PrivateKey.generate()),
                      ("jwk_rsa", rsa.generate_private_key(65537, 2048))):
        jwk = private_jwk(key)
        setattr(K, name, write(os.path.join(d, name + ".jwk"), json.dumps(jwk), 0o600))
        setattr(K, name + "_pub", write(os.path.join(d, name + ".pub.jwk"), json.dumps(public_jwk(jwk))))
        setattr(K, name + "_kid", python_kid(key.public_key()))
    # Keys ajwt must refuse.
    weak = rsa.generate_private_key(65537, 1024)
    K.weak = write(os.path.join(d, "weak.pem"), weak.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8,
                                                                   ser.NoEncryption()).decode(), 0o600)
    K.weak_pub = write(os.path.join(d, "weak.pub"), spki_pem(weak.public_key()))
    K.weak_ssh = weak.public_key().public_bytes(ser.Encoding.OpenSSH, ser.PublicFormat.OpenSSH).decode()
    K.garbage = write(os.path.join(d, "garbage.pem"), "this is not a key\n")
    # A legacy (PKCS#1, "Proc-Type: 4,ENCRYPTED") encrypted RSA key.
    legacy = rsa.generate_private_key(65537, 2048)
    K.legacy = write(os.path.join(d, "legacy.pem"), legacy.private_bytes(
        ser.Encoding.PEM, ser.PrivateFormat.TraditionalOpenSSL, ser.BestAvailableEncryption(b"legacy pw")).decode(), 0o600)
    K.legacy_kid = python_kid(legacy.public_key())


def header_line(key, user="alice", *extra, env=None):
    r = run("header", "--key", key, "--user", user, *extra, env=env)
    expect_ok(r, "header")
    lines = r.out.splitlines()
    expect(len(lines) == 1, "expected one header line", r)
    return lines[0]


def verify(*args, input=None):
    return run("verify", *args, input=input)


# ---------------------------------------------------------------------------------------------------------
# The command line itself.

@test
def version_prints_the_library_version_string():
    m = re.search(r'version_string = "([^"]+)"', read(os.path.join(SOURCE_DIR, "include/ajwt/version.hpp")))
    expect(m is not None, "version_string not found in include/ajwt/version.hpp")
    r = run("--version")
    expect(r.rc == 0 and r.out.strip() == m.group(1), "expected %s" % m.group(1), r)


@test
def help_exits_0_for_the_tool_and_every_command():
    for args in ([], ["keygen"], ["pubkey"], ["fingerprint"], ["jwks"], ["header"], ["verify"], ["inspect"]):
        r = run(*args, "--help")
        expect(r.rc == 0 and "Usage" in r.out, "--help of %s" % (args or "ajwt"), r)
        for word in {"keygen": ["--type", "--bits", "--passphrase-env", "--out", "--force"],
                     "verify": ["--user-key", "--authorized-keys", "--jwks", "--tolerance", "--now", "--scheme",
                                "--audience", "--require-audience", "--max-token-bytes", "--allow-alg", "--verbose",
                                "--method", "--url", "--body-file", "--require-binding", "--redis",
                                "--allow-http-jwks", "--jwks-timeout"],
                     "header": ["--key", "--user", "--alg", "--time", "--count", "--audience", "--method", "--url",
                                "--body-file"]}.get(args[0] if args else "", []):
            expect(word in r.out, "--help of %s mentions %s" % (args[0], word), r)


@test
def unknown_commands_and_options_exit_2():
    expect_usage_error(run("frobnicate"))
    expect_usage_error(run("fingerprint", "--frobnicate", K.rsa))
    expect_usage_error(run("--frobnicate"))


@test
def no_command_exits_2_with_a_message():
    expect_usage_error(run(), "command is required")


@test
def missing_required_options_and_bad_values_exit_2():
    expect_usage_error(run("keygen", "--out", os.path.join(K.dir, "never")), "--type")
    expect_usage_error(run("keygen", "--type", "dsa", "--out", os.path.join(K.dir, "never")), "--type")
    expect_usage_error(run("keygen", "--type", "rsa", "--bits", "1024", "--out", os.path.join(K.dir, "never")), "--bits")
    expect_usage_error(run("header", "--key", K.rsa), "--user")
    expect_usage_error(run("header", "--key", K.rsa, "--user", "a", "--count", "0"), "--count")
    expect_usage_error(run("header", "--key", K.rsa, "--user", "a", "--time", "soon"), "--time")
    expect_usage_error(run("pubkey", "--format", "der", K.rsa), "--format")
    expect_usage_error(run("fingerprint"), "KEYFILE")
    expect_usage_error(run("jwks"), "KEYFILE")
    expect(not os.path.exists(os.path.join(K.dir, "never")), "no key was written by a refused keygen")


# ---------------------------------------------------------------------------------------------------------
# keygen

@test
def keygen_writes_a_pkcs8_private_key_0600_and_an_spki_public_key_0644_for_each_type():
    for name, expected_type in (("rsa", rsa.RSAPrivateKey), ("ed", ed25519.Ed25519PrivateKey),
                                ("ec", ec.EllipticCurvePrivateKey)):
        path = getattr(K, name)
        expect(stat.S_IMODE(os.stat(path).st_mode) == 0o600, "%s is mode 0600" % path)
        expect(stat.S_IMODE(os.stat(path + ".pub").st_mode) == 0o644, "%s.pub is mode 0644" % path)
        text = read(path)
        expect(text.startswith("-----BEGIN PRIVATE KEY-----\n"), "%s is PKCS#8 PEM" % path)
        key = ser.load_pem_private_key(text.encode(), None)
        expect(isinstance(key, expected_type), "%s holds a %s" % (path, expected_type.__name__))
        expect(read(path + ".pub") == spki_pem(key.public_key()), "%s.pub is the SPKI PEM of the key" % path)
        if name == "rsa":
            expect(key.key_size == 2048, "RSA keys are 2048 bits by default")
        if name == "ec":
            expect(isinstance(key.curve, ec.SECP256R1), "ec-p256 keys are on P-256")


@test
def keygen_bits_chooses_the_rsa_modulus_size():
    out = os.path.join(K.dir, "rsa3072")
    expect_ok(run("keygen", "--type", "rsa", "--bits", "3072", "--out", out), "keygen --bits 3072")
    expect(ser.load_pem_private_key(read(out).encode(), None).key_size == 3072, "the key has 3072 bits")


@test
def keygen_bits_with_a_non_rsa_type_is_refused():
    out = os.path.join(K.dir, "edbits")
    expect_tool_error(run("keygen", "--type", "ed25519", "--bits", "2048", "--out", out), "--bits")
    expect(not os.path.exists(out), "nothing written")


@test
def keygen_refuses_to_overwrite_the_private_key_without_force():
    before = read(K.ed)
    r = run("keygen", "--type", "ed25519", "--out", K.ed)
    expect_tool_error(r, K.ed, "--force")
    expect(read(K.ed) == before, "the existing key is unchanged")


@test
def keygen_refuses_to_overwrite_an_existing_public_key_and_writes_nothing():
    out = os.path.join(K.dir, "only_pub")
    write(out + ".pub", "keep me\n")
    r = run("keygen", "--type", "ed25519", "--out", out)
    expect_tool_error(r, out + ".pub")
    expect(not os.path.exists(out), "the private key was not written")
    expect(read(out + ".pub") == "keep me\n", "the existing .pub is unchanged")


@test
def keygen_force_replaces_both_files_and_the_private_key_is_0600_even_over_a_0644_file():
    out = os.path.join(K.dir, "forced")
    write(out, "old world-readable content\n", 0o644)
    write(out + ".pub", "old\n", 0o600)
    r = run("keygen", "--type", "ec-p256", "--out", out, "--force")
    expect_ok(r, "keygen --force")
    expect(stat.S_IMODE(os.stat(out).st_mode) == 0o600, "the private key is 0600 after --force")
    expect(stat.S_IMODE(os.stat(out + ".pub").st_mode) == 0o644, "the public key is 0644 after --force")
    key = ser.load_pem_private_key(read(out).encode(), None)
    expect(read(out + ".pub") == spki_pem(key.public_key()), "the new .pub matches the new key")


@test
def keygen_force_does_not_write_through_a_symbolic_link():
    out = os.path.join(K.dir, "linked")
    target = os.path.join(K.dir, "link_target")
    write(target, "target\n", 0o644)
    os.symlink(target, out)
    expect_ok(run("keygen", "--type", "ed25519", "--out", out, "--force"), "keygen --force over a symlink")
    expect(read(target) == "target\n", "the symlink's target is untouched")
    expect(not os.path.islink(out) and stat.S_IMODE(os.stat(out).st_mode) == 0o600, "a fresh 0600 file replaced the link")


@test
def keygen_into_a_missing_directory_names_the_file():
    out = os.path.join(K.dir, "no", "such", "dir", "key")
    expect_tool_error(run("keygen", "--type", "ed25519", "--out", out), out)


@test
def keygen_with_a_passphrase_writes_an_encrypted_pkcs8_key():
    text = read(K.enc)
    expect(text.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----"), "the key is encrypted PKCS#8")
    key = ser.load_pem_private_key(text.encode(), b"correct horse")
    expect(read(K.enc + ".pub") == spki_pem(key.public_key()), ".pub is the SPKI PEM of the encrypted key")
    expect(stat.S_IMODE(os.stat(K.enc).st_mode) == 0o600, "the encrypted key is 0600")


@test
def keygen_with_an_unset_passphrase_variable_names_it_and_writes_nothing():
    out = os.path.join(K.dir, "unset_pw")
    env = dict(os.environ)
    env.pop("AJWT_NO_SUCH_VAR", None)
    r = run("keygen", "--type", "ed25519", "--passphrase-env", "AJWT_NO_SUCH_VAR", "--out", out)
    expect_tool_error(r, "AJWT_NO_SUCH_VAR")
    expect(not os.path.exists(out) and not os.path.exists(out + ".pub"), "nothing written")


@test
def keygen_with_an_empty_passphrase_is_refused():
    out = os.path.join(K.dir, "empty_pw")
    expect_tool_error(run("keygen", "--type", "ed25519", "--passphrase-env", "AJWT_EMPTY", "--out", out,
                          env={"AJWT_EMPTY": ""}), "empty passphrase")
    expect(not os.path.exists(out), "nothing written")


# ---------------------------------------------------------------------------------------------------------
# pubkey, fingerprint, jwks

@test
def fingerprint_is_the_sha256_of_the_spki_pem_text_from_private_and_public_files():
    for path in (K.rsa, K.ed, K.ec):
        expected = hashlib.sha256(read(path + ".pub").encode()).hexdigest()
        for f in (path, path + ".pub"):
            r = run("fingerprint", f)
            expect(r.rc == 0 and r.out == expected + "\n" and r.err == "", "fingerprint of %s" % f, r)


@test
def fingerprint_of_openssh_and_jwk_files_matches_the_python_kid():
    for priv in (K.ssh_ed, K.ssh_rsa, K.ssh_ec):
        pub = ser.load_ssh_public_key(read(priv + ".pub").encode())
        for f in (priv, priv + ".pub"):
            r = run("fingerprint", f)
            expect(r.rc == 0 and r.out == python_kid(pub) + "\n", "fingerprint of %s" % f, r)
    for name in ("jwk_ec", "jwk_ed", "jwk_rsa"):
        for f in (getattr(K, name), getattr(K, name + "_pub")):
            r = run("fingerprint", f)
            expect(r.rc == 0 and r.out == getattr(K, name + "_kid") + "\n", "fingerprint of %s" % f, r)


@test
def pubkey_prints_pem_by_default_and_openssh_and_jwk_on_request():
    for path in (K.rsa, K.ed, K.ec, K.ssh_ec):
        pub_text = read(path + ".pub")
        key = (ser.load_ssh_public_key if pub_text.startswith(("ssh-", "ecdsa-")) else ser.load_pem_public_key)(
            pub_text.encode())
        r = run("pubkey", path)
        expect(r.rc == 0 and r.out == spki_pem(key), "pubkey (pem) of %s" % path, r)
        r = run("pubkey", "--format", "openssh", path)
        expected = key.public_bytes(ser.Encoding.OpenSSH, ser.PublicFormat.OpenSSH).decode()
        expect(r.rc == 0 and r.out == expected + "\n", "pubkey --format openssh of %s" % path, r)
        r = run("pubkey", "--format", "jwk", path)
        expect(r.rc == 0 and r.out.endswith("\n") and r.out.count("\n") == 1, "jwk is one line", r)
        jwk = json.loads(r.out)
        expect(jwk["kid"] == python_kid(key), "the JWK's kid is the fingerprint", r)
        expect(jwk.get("use") == "sig", "the JWK is for signatures", r)
        # The JWK holds the same public key: PyJWT turns it back into the same SPKI PEM.
        algo = {"RSA": jwt.algorithms.RSAAlgorithm, "EC": jwt.algorithms.ECAlgorithm,
                "OKP": jwt.algorithms.OKPAlgorithm}[jwk["kty"]]
        expect(spki_pem(algo.from_jwk(json.dumps(jwk))) == spki_pem(key), "the JWK decodes to the same key", r)
        expect("d" not in jwk, "no private member in the public JWK", r)


@test
def pubkey_openssh_of_an_ssh_keygen_key_equals_its_pub_file_without_the_comment():
    for priv in (K.ssh_ed, K.ssh_rsa, K.ssh_ec):
        fields = read(priv + ".pub").split()
        r = run("pubkey", "--format", "openssh", priv)
        expect(r.rc == 0 and r.out == fields[0] + " " + fields[1] + "\n", "pubkey of %s" % priv, r)


@test
def jwks_prints_one_document_with_every_key():
    files = [K.rsa, K.ed + ".pub", K.ssh_ec + ".pub", K.jwk_rsa_pub]
    r = run("jwks", *files)
    expect(r.rc == 0 and r.out.count("\n") == 1, "jwks exits 0 with one line", r)
    doc = json.loads(r.out)
    expect(list(doc.keys()) == ["keys"] and len(doc["keys"]) == 4, "{\"keys\": [4 keys]}", r)
    kids = [run("fingerprint", f).out.strip() for f in files]
    expect([k["kid"] for k in doc["keys"]] == kids, "each key's kid is its fingerprint, in order", r)


@test
def jwks_with_a_bad_file_prints_nothing():
    expect_tool_error(run("jwks", K.rsa, K.garbage), K.garbage)


# ---------------------------------------------------------------------------------------------------------
# Key loading errors (every command goes through the same helper; fingerprint and verify stand for all)

@test
def a_missing_key_file_is_named():
    missing = os.path.join(K.dir, "does-not-exist.pem")
    for args in (["fingerprint", missing], ["pubkey", missing], ["header", "--key", missing, "--user", "a"],
                 ["verify", "--user-key", "alice=" + missing, "JWT x.y.z"]):
        expect_tool_error(run(*args), missing, "No such file")


@test
def an_rsa_key_under_2048_bits_is_refused():
    for args in (["fingerprint", K.weak], ["fingerprint", K.weak_pub], ["header", "--key", K.weak, "--user", "a"],
                 ["verify", "--user-key", "alice=" + K.weak_pub, "JWT x.y.z"]):
        expect_tool_error(run(*args), "1024", "too small")


@test
def a_garbage_key_file_is_refused_with_its_name():
    expect_tool_error(run("fingerprint", K.garbage), K.garbage)
    expect_tool_error(run("header", "--key", K.garbage, "--user", "a"), K.garbage)
    expect_tool_error(run("verify", "--user-key", "alice=" + K.garbage, "JWT x.y.z"), K.garbage)


@test
def header_refuses_a_public_key():
    expect_tool_error(run("header", "--key", K.ed + ".pub", "--user", "a"), "public key")


@test
def an_encrypted_key_opens_with_the_passphrase_from_the_environment():
    kid = hashlib.sha256(read(K.enc + ".pub").encode()).hexdigest()
    r = run("fingerprint", "--passphrase-env", "PW", K.enc, env={"PW": "correct horse"})
    expect(r.rc == 0 and r.out == kid + "\n", "fingerprint of the encrypted key", r)
    r = run("pubkey", "--passphrase-env", "PW", K.enc, env={"PW": "correct horse"})
    expect(r.rc == 0 and r.out == read(K.enc + ".pub"), "pubkey of the encrypted key", r)
    r = run("fingerprint", "--passphrase-env", "PW", K.legacy, env={"PW": "legacy pw"})
    expect(r.rc == 0 and r.out == K.legacy_kid + "\n", "fingerprint of a legacy encrypted PEM key", r)
    line = header_line(K.ssh_enc, "alice", "--passphrase-env", "PW", env={"PW": "ssh secret"})
    r = verify("--user-key", "alice=" + K.ssh_enc + ".pub", line)
    expect(r.rc == 0 and r.out == "ok alice\n", "a header signed with an encrypted OpenSSH key verifies", r)


@test
def a_wrong_passphrase_is_refused():
    expect_tool_error(run("fingerprint", "--passphrase-env", "PW", K.enc, env={"PW": "wrong"}), K.enc, "passphrase")
    expect_tool_error(run("header", "--key", K.ssh_enc, "--user", "a", "--passphrase-env", "PW", env={"PW": "wrong"}),
                      K.ssh_enc, "wrong passphrase")


@test
def an_unset_passphrase_variable_is_named():
    for args in (["fingerprint", "--passphrase-env", "AJWT_UNSET_VAR", K.enc],
                 ["pubkey", "--passphrase-env", "AJWT_UNSET_VAR", K.enc],
                 ["header", "--key", K.enc, "--user", "a", "--passphrase-env", "AJWT_UNSET_VAR"]):
        expect_tool_error(run(*args), "AJWT_UNSET_VAR")


@test
def an_encrypted_key_without_a_passphrase_off_a_terminal_is_refused():
    expect_tool_error(run("fingerprint", K.enc), K.enc, "encrypted")
    expect_tool_error(run("header", "--key", K.ssh_enc, "--user", "a"), K.ssh_enc, "encrypted")
    expect_tool_error(run("verify", "--user-key", "alice=" + K.legacy, "JWT x.y.z"), K.legacy, "encrypted")


# ---------------------------------------------------------------------------------------------------------
# The passphrase prompt, through a pty (standard input and standard error on a terminal)

class Skipped(Exception):
    """The system lacks what a test needs (e.g. pseudo-terminals in a minimal chroot without /dev/pts).
    Reported as "skipped" in the summary line, never as passed."""


def run_in_pty(args, answer, timeout=30):
    """Runs the tool with stdin and stderr on a pty and stdout on a pipe; types `answer` (bytes) and a newline
    once the prompt appears. Returns (exit code, stdout, everything shown on the terminal)."""
    try:
        master, slave = os.openpty()
    except OSError as e:
        raise Skipped("this system has no pseudo-terminals (%s)" % e)
    try:
        proc = subprocess.Popen([CLI, *args], stdin=slave, stdout=subprocess.PIPE, stderr=slave, close_fds=True)
    finally:
        os.close(slave)
    screen = b""
    answered = answer is None
    deadline = time.monotonic() + timeout
    try:
        while True:
            if not answered and b"Passphrase for" in screen:
                os.write(master, answer + b"\n")
                answered = True
            if time.monotonic() > deadline:
                proc.kill()
                raise AssertionError("the tool did not finish under a pty; terminal shows %r" % screen)
            ready, _, _ = select.select([master], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: every end of the pty's slave side is closed, the tool has exited
                break
            if not data:
                break
            screen += data
        out = proc.stdout.read().decode()
        rc = proc.wait(timeout=timeout)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return rc, out, screen.decode(errors="replace")


@test
def an_encrypted_key_prompts_on_the_terminal_with_echo_off():
    kid = hashlib.sha256(read(K.enc + ".pub").encode()).hexdigest()
    rc, out, screen = run_in_pty(["fingerprint", K.enc], b"correct horse")
    expect(rc == 0 and out == kid + "\n", "fingerprint via the prompt: exit %d, stdout %r, terminal %r" % (rc, out, screen))
    expect("Passphrase for " + K.enc in screen, "the prompt names the key file: %r" % screen)
    expect("correct horse" not in screen, "the passphrase is not echoed: %r" % screen)


@test
def a_header_signed_with_an_encrypted_openssh_key_unlocked_at_the_prompt_verifies():
    rc, out, screen = run_in_pty(["header", "--key", K.ssh_enc, "--user", "alice"], b"ssh secret")
    expect(rc == 0 and out.startswith("JWT "), "header via the prompt: exit %d, terminal %r" % (rc, screen))
    expect("ssh secret" not in screen, "the passphrase is not echoed: %r" % screen)
    r = verify("--user-key", "alice=" + K.ssh_enc + ".pub", input=out)
    expect(r.rc == 0 and r.out == "ok alice\n", "the header verifies", r)


@test
def a_wrong_passphrase_at_the_prompt_exits_2():
    rc, out, screen = run_in_pty(["fingerprint", K.enc], b"not it")
    expect(rc == 2 and out == "", "exit 2 and nothing on stdout: exit %d, stdout %r" % (rc, out))
    expect("ajwt: " + K.enc in screen and "passphrase" in screen, "the error names the file: %r" % screen)


@test
def an_unencrypted_key_on_a_terminal_is_loaded_without_a_prompt():
    rc, out, screen = run_in_pty(["fingerprint", K.ed], None)
    expect(rc == 0 and out.strip() == run("fingerprint", K.ed + ".pub").out.strip(), "fingerprint: %r" % screen)
    expect("Passphrase" not in screen, "no prompt for an unencrypted key: %r" % screen)


@test
def the_passphrase_variable_wins_over_the_prompt_on_a_terminal():
    env_before = os.environ.get("AJWT_PTY_PW")
    os.environ["AJWT_PTY_PW"] = "correct horse"
    try:
        rc, out, screen = run_in_pty(["fingerprint", "--passphrase-env", "AJWT_PTY_PW", K.enc], None)
    finally:
        if env_before is None:
            del os.environ["AJWT_PTY_PW"]
        else:
            os.environ["AJWT_PTY_PW"] = env_before
    expect(rc == 0 and "Passphrase" not in screen, "no prompt when --passphrase-env is given: %r" % screen)


# ---------------------------------------------------------------------------------------------------------
# header

@test
def header_uses_the_default_algorithm_of_each_key_type_and_the_protocol_claims():
    for key, alg in ((K.rsa, "RS512"), (K.ed, "EdDSA"), (K.ec, "ES256"), (K.ssh_rsa, "RS512"),
                     (K.jwk_ec, "ES256"), (K.jwk_ed, "EdDSA")):
        line = header_line(key, "svc-billing", "--time", str(T0))
        header, claims, _ = decode_header_line(line)
        kid = run("fingerprint", key).out.strip()
        expect(header == {"alg": alg, "kid": kid, "typ": "JWT"}, "header of %s: %r" % (key, header))
        expect(set(claims) == {"username", "time", "nonce"}, "claims of %s: %r" % (key, claims))
        expect(claims["username"] == "svc-billing" and claims["time"] == T0, "claims of %s: %r" % (key, claims))
        expect(re.fullmatch(r"[A-Za-z0-9_-]{11}", claims["nonce"]) is not None, "nonce is 8 random bytes: %r" % claims)


@test
def header_time_defaults_to_now():
    before = int(time.time())
    _, claims, _ = decode_header_line(header_line(K.ed))
    expect(before - 1 <= claims["time"] <= int(time.time()) + 1, "time is now: %r" % claims)


@test
def header_count_prints_that_many_lines_each_with_a_fresh_nonce():
    r = run("header", "--key", K.ed, "--user", "alice", "--count", "25", "--time", str(T0))
    expect_ok(r, "header --count 25")
    lines = r.out.splitlines()
    expect(len(lines) == 25 and r.out.endswith("\n"), "25 lines", r)
    nonces = {decode_header_line(line)[1]["nonce"] for line in lines}
    expect(len(nonces) == 25, "25 different nonces", r)


@test
def header_alg_chooses_an_algorithm_the_key_allows():
    for alg in ("RS256", "RS384", "PS256", "PS512"):
        header, _, _ = decode_header_line(header_line(K.rsa, "alice", "--alg", alg))
        expect(header["alg"] == alg, "alg %s: %r" % (alg, header))
    header, _, _ = decode_header_line(header_line(K.ed, "alice", "--alg", "Ed25519"))
    expect(header["alg"] == "Ed25519", "alg Ed25519: %r" % header)


@test
def header_alg_the_key_cannot_sign_or_an_unknown_alg_is_refused():
    expect_tool_error(run("header", "--key", K.rsa, "--user", "a", "--alg", "ES256"), "ES256")
    expect_tool_error(run("header", "--key", K.ed, "--user", "a", "--alg", "RS512"), "RS512")
    expect_tool_error(run("header", "--key", K.rsa, "--user", "a", "--alg", "none"), "none")
    expect_tool_error(run("header", "--key", K.rsa, "--user", "a", "--alg", "HS256"), "HS256")


@test
def header_audience_is_a_string_for_one_and_an_array_for_several():
    _, claims, _ = decode_header_line(header_line(K.ed, "alice", "--audience", "api"))
    expect(claims["aud"] == "api", "one audience: %r" % claims)
    _, claims, _ = decode_header_line(header_line(K.ed, "alice", "--audience", "api", "--audience", "admin"))
    expect(claims["aud"] == ["api", "admin"], "two audiences: %r" % claims)


def sha256_b64u(data):
    return b64u(hashlib.sha256(data).digest())


@test
def header_binding_adds_htm_htu_htq_and_htb_computed_from_the_request():
    body = os.path.join(K.dir, "binding-body.bin")
    with open(body, "wb") as f:
        f.write(b'{"amount": 5}\r\n\x00\xff')
    line = header_line(K.ed, "alice", "--time", str(T0), "--method", "POST", "--url",
                       "HTTPS://API.Example.com:443/v1/./pay?to=%62ob&x=%2f#frag", "--body-file", body)
    _, claims, _ = decode_header_line(line)
    expect(set(claims) == {"username", "time", "nonce", "htm", "htu", "htq", "htb"}, "claims: %r" % claims)
    expect(claims["htm"] == "POST", "htm: %r" % claims)
    expect(claims["htu"] == "https://api.example.com/v1/pay", "htu is normalised: %r" % claims)
    expect(claims["htq"] == sha256_b64u(b"to=bob&x=%2F"), "htq hashes the normalised query: %r" % claims)
    expect(claims["htb"] == sha256_b64u(b'{"amount": 5}\r\n\x00\xff'), "htb hashes the body's bytes: %r" % claims)


@test
def header_binding_without_a_body_file_binds_an_empty_body_and_no_query_to_the_empty_digest():
    _, claims, _ = decode_header_line(header_line(K.ed, "alice", "--method", "GET", "--url", "http://127.0.0.1:8080"))
    expect(claims["htu"] == "http://127.0.0.1:8080/", "empty path becomes /: %r" % claims)
    expect(claims["htq"] == claims["htb"] == sha256_b64u(b""), "digests of nothing: %r" % claims)


@test
def header_binding_and_audience_combine_and_every_line_is_bound():
    r = run("header", "--key", K.ed, "--user", "alice", "--count", "3", "--audience", "api", "--method", "DELETE",
            "--url", "http://svc/items/7")
    expect_ok(r, "header --count 3 with binding")
    for line in r.out.splitlines():
        _, claims, _ = decode_header_line(line)
        expect(claims["aud"] == "api" and claims["htm"] == "DELETE" and claims["htu"] == "http://svc/items/7",
               "claims: %r" % claims)


@test
def header_method_and_url_must_come_together_and_body_file_needs_them():
    body = write(os.path.join(K.dir, "body.txt"), "{}")
    base = ["header", "--key", K.ed, "--user", "alice"]
    expect_tool_error(run(*base, "--method", "GET"), "--method needs --url")
    expect_tool_error(run(*base, "--url", "https://api.example/x"), "--url needs --method")
    expect_tool_error(run(*base, "--body-file", body), "--body-file needs --method and --url")
    expect_tool_error(run(*base, "--method", "POST", "--body-file", body), "--method needs --url")


@test
def header_binding_refuses_a_bad_method_a_bad_url_or_a_missing_body_file_before_loading_the_key():
    # The encrypted key would fail without a passphrase: the binding options are checked first.
    base = ["header", "--key", K.enc, "--user", "alice"]
    for method in ("", "G ET", "GET\n", "GÉT"):
        expect_tool_error(run(*base, "--method", method, "--url", "http://x/"), "--method")
    for url in ("", "/relative", "ftp://x/", "http://user@x/", "http://x:99999/", "http://x/a b", "http://x/%zz"):
        expect_tool_error(run(*base, "--method", "GET", "--url", url), "--url")
    missing = os.path.join(K.dir, "no-such-body")
    expect_tool_error(run(*base, "--method", "GET", "--url", "http://x/", "--body-file", missing), missing)


@test
def header_with_an_empty_user_is_refused():
    expect_tool_error(run("header", "--key", K.ed, "--user", ""), "--user")


@test
def pyjwt_verifies_headers_made_by_the_tool():
    for key, alg in ((K.rsa, "RS512"), (K.ed, "EdDSA"), (K.ec, "ES256")):
        _, _, token = decode_header_line(header_line(key, "alice"))
        claims = jwt.decode(token, read(key + ".pub"), algorithms=[alg])
        expect(claims["username"] == "alice", "PyJWT reads the claims of %s" % key)


@test
def the_tool_verifies_headers_made_by_pyjwt_as_the_python_library_does():
    for key, alg in ((K.rsa, "RS512"), (K.ed, "EdDSA"), (K.ec, "ES256")):
        kid = hashlib.sha256(read(key + ".pub").encode()).hexdigest()
        token = jwt.encode({"username": "alice", "time": T0, "nonce": "n0nce-" + alg}, read(key), algorithm=alg,
                           headers={"kid": kid})
        r = verify("--user-key", "alice=" + key + ".pub", "--now", str(T0), "JWT " + token)
        expect(r.rc == 0 and r.out == "ok alice\n", "PyJWT %s token" % alg, r)


# ---------------------------------------------------------------------------------------------------------
# verify: round trips

@test
def header_piped_into_verify_round_trips_for_every_key_type_and_format():
    cases = [
        (K.rsa, K.rsa + ".pub"), (K.ed, K.ed + ".pub"), (K.ec, K.ec + ".pub"),
        (K.rsa, K.rsa),  # a private key file given to verify: its public half is used
        (K.ssh_ed, K.ssh_ed + ".pub"), (K.ssh_rsa, K.ssh_rsa + ".pub"), (K.ssh_ec, K.ssh_ec + ".pub"),
        (K.ssh_ec, K.ssh_ec),
        (K.jwk_ec, K.jwk_ec_pub), (K.jwk_ed, K.jwk_ed_pub), (K.jwk_rsa, K.jwk_rsa_pub), (K.jwk_ec, K.jwk_ec),
    ]
    for sign_with, verify_with in cases:
        headers = run("header", "--key", sign_with, "--user", "alice", "--count", "2")
        expect_ok(headers, "header with %s" % sign_with)
        r = verify("--user-key", "alice=" + verify_with, input=headers.out)
        expect(r.rc == 0 and r.out == "ok alice\nok alice\n" and r.err == "",
               "signed with %s, verified with %s" % (sign_with, verify_with), r)


@test
def verify_accepts_keys_from_an_authorized_keys_file():
    path = write(os.path.join(K.dir, "authorized_keys"), "".join([
        "# users and their keys\n",
        "\n",
        "alice " + read(K.ssh_ed + ".pub"),
        "bob " + read(K.ssh_rsa + ".pub"),
        "carol " + run("pubkey", "--format", "openssh", K.ec).out,
        "alice " + read(K.ssh_ec + ".pub").strip() + "\r\n",
    ]))
    lines = [header_line(K.ssh_ed, "alice"), header_line(K.ssh_rsa, "bob"), header_line(K.ec, "carol"),
             header_line(K.ssh_ec, "alice")]
    r = verify("--authorized-keys", path, *lines)
    expect(r.rc == 0 and r.out == "ok alice\nok bob\nok carol\nok alice\n", "authorized keys", r)


@test
def verify_accepts_keys_from_a_jwks_document():
    jwks = run("jwks", K.rsa, K.jwk_ed_pub, K.ssh_ec)
    expect_ok(jwks, "jwks")
    path = write(os.path.join(K.dir, "alice.jwks.json"), jwks.out)
    lines = [header_line(K.rsa), header_line(K.jwk_ed), header_line(K.ssh_ec)]
    r = verify("--jwks", "alice=" + path, *lines)
    expect(r.rc == 0 and r.out == "ok alice\nok alice\nok alice\n", "JWKS keys", r)
    r = verify("--jwks", "bob=" + path, lines[0])
    expect(r.rc == 1 and r.out == "rejected unknown_user\n", "the JWKS keys belong to the named user only", r)


@test
def a_user_may_hold_several_keys_of_mixed_types():
    args = ["--user-key", "alice=" + K.rsa + ".pub", "--user-key", "alice=" + K.ed + ".pub",
            "--user-key", "alice=" + K.ec + ".pub", "--user-key", "bob=" + K.rsa2 + ".pub"]
    lines = [header_line(K.rsa), header_line(K.ed), header_line(K.ec), header_line(K.rsa2, "bob")]
    r = verify(*args, *lines)
    expect(r.rc == 0 and r.out == "ok alice\nok alice\nok alice\nok bob\n", "mixed keys", r)


@test
def key_sources_combine():
    auth = write(os.path.join(K.dir, "ak_combine"), "bob " + read(K.ssh_ed + ".pub"))
    jwks = write(os.path.join(K.dir, "carol.jwks"), run("jwks", K.ec).out)
    lines = [header_line(K.rsa), header_line(K.ssh_ed, "bob"), header_line(K.ec, "carol")]
    r = verify("--user-key", "alice=" + K.rsa, "--authorized-keys", auth, "--jwks", "carol=" + jwks, *lines)
    expect(r.rc == 0 and r.out == "ok alice\nok bob\nok carol\n", "three sources", r)


# ---------------------------------------------------------------------------------------------------------
# verify: rejections

@test
def a_replay_within_one_verify_run_is_rejected():
    line = header_line(K.rsa)
    r = verify("--user-key", "alice=" + K.rsa + ".pub", line, line)
    expect(r.rc == 1 and r.out == "ok alice\nrejected nonce_replayed\n", "replay as arguments", r)
    r = verify("--user-key", "alice=" + K.rsa + ".pub", input=line + "\n" + line + "\n")
    expect(r.rc == 1 and r.out == "ok alice\nrejected nonce_replayed\n", "replay on stdin", r)


@test
def now_with_a_stale_time_is_rejected_as_out_of_window():
    line = header_line(K.ed, "alice", "--time", str(T0 - 3600))
    r = verify("--user-key", "alice=" + K.ed + ".pub", "--now", str(T0), line)
    expect(r.rc == 1 and r.out == "rejected time_out_of_window\n", "an hour-old token", r)
    r = verify("--user-key", "alice=" + K.ed + ".pub", "--now", str(T0 - 3600), line)
    expect(r.rc == 0 and r.out == "ok alice\n", "the same token at its own time", r)


@test
def a_token_exactly_tolerance_seconds_old_is_accepted_and_one_second_more_is_not():
    key = ["--user-key", "alice=" + K.ed + ".pub", "--now", str(T0)]
    for offset, expected in ((-20, "ok alice"), (20, "ok alice"), (-21, "rejected time_out_of_window"),
                             (21, "rejected time_out_of_window")):
        r = verify(*key, header_line(K.ed, "alice", "--time", str(T0 + offset)))
        expect(r.out == expected + "\n", "time now%+d with the default tolerance" % offset, r)


@test
def tolerance_widens_and_narrows_the_window():
    old = header_line(K.ed, "alice", "--time", str(T0 - 90))
    r = verify("--user-key", "alice=" + K.ed + ".pub", "--now", str(T0), "--tolerance", "100", old)
    expect(r.rc == 0 and r.out == "ok alice\n", "90 s old with tolerance 100", r)
    r = verify("--user-key", "alice=" + K.ed + ".pub", "--now", str(T0), "--tolerance", "89", old)
    expect(r.rc == 1 and r.out == "rejected time_out_of_window\n", "90 s old with tolerance 89", r)
    r = verify("--user-key", "alice=" + K.ed + ".pub", "--now", str(T0), "--tolerance", "0",
               header_line(K.ed, "alice", "--time", str(T0)), header_line(K.ed, "alice", "--time", str(T0 - 1)))
    expect(r.out == "ok alice\nrejected time_out_of_window\n", "tolerance 0", r)
    expect_usage_error(verify("--user-key", "alice=" + K.ed, "--tolerance", "-1", old), "--tolerance")
    expect_usage_error(verify("--user-key", "alice=" + K.ed, "--tolerance", "90000", old), "--tolerance")


@test
def now_pins_the_clock_for_exp_and_nbf_too():
    kid = hashlib.sha256(read(K.rsa + ".pub").encode()).hexdigest()

    def token(nonce, **extra):
        claims = {"username": "alice", "time": T0, "nonce": nonce, **extra}
        return "JWT " + jwt.encode(claims, read(K.rsa), algorithm="RS512", headers={"kid": kid})

    args = ["--user-key", "alice=" + K.rsa + ".pub", "--now", str(T0)]
    # exp in the (real) past but after the pinned now: accepted only if exp is checked against --now.
    r = verify(*args, token("exp-future", exp=T0 + 60))
    expect(r.rc == 0 and r.out == "ok alice\n", "exp after the pinned now", r)
    r = verify(*args, token("exp-past", exp=T0 - 60))
    expect(r.rc == 1 and r.out == "rejected token_expired\n", "exp before the pinned now", r)
    r = verify(*args, token("nbf-future", nbf=T0 + 60))
    expect(r.rc == 1 and r.out == "rejected time_out_of_window\n", "nbf after the pinned now", r)
    r = verify(*args, token("nbf-past", nbf=T0 - 60))
    expect(r.rc == 0 and r.out == "ok alice\n", "nbf before the pinned now", r)


@test
def scheme_changes_the_expected_authorization_scheme():
    token = header_line(K.ed).split(" ", 1)[1]
    r = verify("--user-key", "alice=" + K.ed, "--scheme", "Bearer", "Bearer " + token)
    expect(r.rc == 0 and r.out == "ok alice\n", "Bearer scheme", r)
    r = verify("--user-key", "alice=" + K.ed, "JWT " + header_line(K.ed).split(" ", 1)[1], "Bearer " + token)
    expect(r.rc == 1 and r.out == "ok alice\nrejected wrong_scheme\n", "default scheme JWT", r)
    r = verify("--user-key", "alice=" + K.ed, "--scheme", "Bearer", "JWT " + token)
    expect(r.rc == 1 and r.out == "rejected wrong_scheme\n", "JWT under --scheme Bearer", r)
    expect_tool_error(verify("--user-key", "alice=" + K.ed, "--scheme", "two words", "JWT " + token), "--scheme")


@test
def audience_is_checked_on_both_sides():
    key = ["--user-key", "alice=" + K.ed + ".pub"]
    r = verify(*key, "--audience", "api", header_line(K.ed, "alice", "--audience", "api"))
    expect(r.rc == 0 and r.out == "ok alice\n", "matching audience", r)
    r = verify(*key, "--audience", "other", "--audience", "admin",
               header_line(K.ed, "alice", "--audience", "api", "--audience", "admin"))
    expect(r.rc == 0 and r.out == "ok alice\n", "one of several audiences matches", r)
    r = verify(*key, "--audience", "other", header_line(K.ed, "alice", "--audience", "api"))
    expect(r.rc == 1 and r.out == "rejected audience_mismatch\n", "aud mismatch", r)
    r = verify(*key, header_line(K.ed, "alice", "--audience", "api"))
    expect(r.rc == 1 and r.out == "rejected audience_mismatch\n", "aud when the verifier expects none", r)
    r = verify(*key, "--audience", "api", header_line(K.ed))
    expect(r.rc == 0 and r.out == "ok alice\n", "no aud is fine unless required", r)
    r = verify(*key, "--audience", "api", "--require-audience", header_line(K.ed))
    expect(r.rc == 1 and r.out == "rejected missing_claim\n", "--require-audience", r)
    expect_usage_error(verify(*key, "--require-audience", header_line(K.ed)), "--audience")


@test
def max_token_bytes_limits_the_token_after_the_scheme():
    line = header_line(K.ed)
    token_len = len(line.split(" ", 1)[1])
    r = verify("--user-key", "alice=" + K.ed, "--max-token-bytes", str(token_len - 1), line)
    expect(r.rc == 1 and r.out == "rejected token_too_large\n", "one byte over", r)
    r = verify("--user-key", "alice=" + K.ed, "--max-token-bytes", str(token_len), line)
    expect(r.rc == 0 and r.out == "ok alice\n", "exactly the limit", r)
    expect_usage_error(verify("--user-key", "alice=" + K.ed, "--max-token-bytes", "8", line), "--max-token-bytes")


@test
def allow_alg_adds_an_algorithm_to_the_default_list():
    line = header_line(K.rsa, "alice", "--alg", "PS256")
    r = verify("--user-key", "alice=" + K.rsa, line)
    expect(r.rc == 1 and r.out == "rejected unsupported_algorithm\n", "PS256 is off by default", r)
    r = verify("--user-key", "alice=" + K.rsa, "--allow-alg", "PS256", line)
    expect(r.rc == 0 and r.out == "ok alice\n", "PS256 allowed", r)
    expect_tool_error(verify("--user-key", "alice=" + K.rsa, "--allow-alg", "HS256", line), "HS256")


@test
def an_unknown_user_is_rejected():
    r = verify("--user-key", "alice=" + K.ed, header_line(K.ed, "mallory"))
    expect(r.rc == 1 and r.out == "rejected unknown_user\n", "unknown user", r)


@test
def a_key_of_another_user_is_a_bad_signature():
    r = verify("--user-key", "alice=" + K.ed, "--user-key", "bob=" + K.ssh_ed, header_line(K.ssh_ed, "alice"))
    expect(r.rc == 1 and r.out == "rejected bad_signature\n", "bob's key signing for alice", r)


@test
def a_username_with_control_characters_is_printed_on_one_line():
    r = verify("--user-key", "ali\nce\x7f=" + K.ed, header_line(K.ed, "ali\nce\x7f"))
    expect(r.rc == 0 and r.out == "ok ali?ce?\n", "one output line per header", r)


@test
def malformed_headers_are_rejected_not_fatal():
    r = verify("--user-key", "alice=" + K.ed, "garbage", "JWT not.a.token", "JWT " + "A" * 50, "JWT")
    expect(r.rc == 1, "exit 1", r)
    expect(r.out.splitlines() == ["rejected malformed_header", "rejected malformed_token", "rejected malformed_token",
                                  "rejected malformed_header"], "one line per header", r)


@test
def stdin_lines_are_verified_in_order_with_blank_lines_skipped_and_cr_stripped():
    good = [header_line(K.ed), header_line(K.ec, "bob")]
    text = "\n" + good[0] + "\r\n\n   \nnonsense\n\r\n" + good[1]  # no final newline on the last line
    r = verify("--user-key", "alice=" + K.ed, "--user-key", "bob=" + K.ec, input=text)
    expect(r.rc == 1 and r.out == "ok alice\nrejected malformed_header\nok bob\n", "stdin mode", r)


@test
def arguments_take_precedence_over_stdin():
    r = verify("--user-key", "alice=" + K.ed, header_line(K.ed), input="nonsense\n")
    expect(r.rc == 0 and r.out == "ok alice\n", "stdin is not read when headers are arguments", r)


@test
def verbose_puts_the_rejection_detail_on_stderr_and_leaves_stdout_alone():
    stale = header_line(K.ed, "alice", "--time", str(T0 - 100))
    args = ["--user-key", "alice=" + K.ed, "--now", str(T0)]
    quiet = verify(*args, stale, header_line(K.ed, "alice", "--time", str(T0)))
    loud = verify(*args, "-v", stale, header_line(K.ed, "alice", "--time", str(T0)))
    expect(quiet.out == loud.out == "rejected time_out_of_window\nok alice\n", "stdout is the same", loud)
    expect(quiet.err == "", "no stderr without -v", quiet)
    expect(re.fullmatch(r"rejected time_out_of_window: .*100 s.*\n", loud.err) is not None, "detail on stderr", loud)
    longer = verify(*args, "--verbose", stale)
    expect(longer.err.startswith("rejected time_out_of_window: "), "--verbose is -v", longer)


# ---------------------------------------------------------------------------------------------------------
# verify: request binding

def bound_line(method, url, *extra, key=None, user="alice"):
    return header_line(key or K.ed, user, "--method", method, "--url", url, *extra)


def verify_request(method, url, *extra, input=None):
    """verify with alice's Ed25519 key, against the request METHOD URL."""
    return verify("--user-key", "alice=" + K.ed + ".pub", "--method", method, "--url", url, *extra, input=input)


@test
def a_bound_header_is_accepted_for_its_request_with_and_without_require_binding():
    url = "http://127.0.0.1:8080/a?x=1"
    r = verify_request("GET", url, "--require-binding", bound_line("GET", url))
    expect(r.rc == 0 and r.out == "ok alice\n", "--require-binding", r)
    r = verify_request("GET", url, bound_line("GET", url))
    expect(r.rc == 0 and r.out == "ok alice\n", "without --require-binding", r)


@test
def a_header_bound_to_get_a_is_refused_for_get_b_post_a_get_a_query_and_another_body():
    body = write(os.path.join(K.dir, "verify-body.txt"), "x")
    line = lambda: bound_line("GET", "http://127.0.0.1:8080/a")  # noqa: E731 - a fresh header each time
    for args, what in ((["GET", "http://127.0.0.1:8080/b"], "another path"),
                       (["POST", "http://127.0.0.1:8080/a"], "another method"),
                       (["get", "http://127.0.0.1:8080/a"], "the method in lower case"),
                       (["GET", "http://127.0.0.1:8080/a?x=2"], "a query"),
                       (["GET", "http://127.0.0.1:8080/a", "--body-file", body], "a body"),
                       (["GET", "https://127.0.0.1:8080/a"], "another scheme"),
                       (["GET", "http://127.0.0.1:8081/a"], "another port"),
                       (["GET", "http://localhost:8080/a"], "another host")):
        for required in ([], ["--require-binding"]):
            r = verify_request(*args, *required, line())
            expect(r.rc == 1 and r.out == "rejected request_mismatch\n", "%s %s" % (what, required), r)


@test
def a_header_bound_to_a_body_is_refused_for_another_body_and_for_none():
    one = write(os.path.join(K.dir, "body-one.json"), '{"amount": 5}')
    other = write(os.path.join(K.dir, "body-other.json"), '{"amount": 5000}')
    url = "http://127.0.0.1:8080/pay"
    r = verify_request("POST", url, "--body-file", one, bound_line("POST", url, "--body-file", one))
    expect(r.rc == 0 and r.out == "ok alice\n", "the same body", r)
    r = verify_request("POST", url, "--body-file", other, bound_line("POST", url, "--body-file", one))
    expect(r.rc == 1 and r.out == "rejected request_mismatch\n", "another body", r)
    r = verify_request("POST", url, bound_line("POST", url, "--body-file", one))
    expect(r.rc == 1 and r.out == "rejected request_mismatch\n", "no body", r)


@test
def a_url_that_normalises_to_the_same_target_and_query_is_the_same_request():
    line = bound_line("GET", "http://api.example.com/a/b?x=~&y=%2F")
    r = verify_request("GET", "HTTP://API.Example.COM:80/a/./c/../%62?x=%7E&y=%2f#frag", "--require-binding", line)
    expect(r.rc == 0 and r.out == "ok alice\n", "equivalent URL", r)


@test
def verbose_names_what_the_token_is_bound_to_on_a_mismatch():
    r = verify_request("POST", "http://x/a", "-v", bound_line("GET", "http://x/a"))
    expect(r.out == "rejected request_mismatch\n" and "method" in r.err and "htm" in r.err, "method", r)
    r = verify_request("GET", "http://x/b", "-v", bound_line("GET", "http://x/a"))
    expect("URL" in r.err and "htu" in r.err, "URL", r)


@test
def require_binding_refuses_unbound_headers_and_without_it_they_pass():
    r = verify_request("GET", "http://x/a", "--require-binding", header_line(K.ed))
    expect(r.rc == 1 and r.out == "rejected request_mismatch\n", "unbound with --require-binding", r)
    r = verify_request("GET", "http://x/a", header_line(K.ed))
    expect(r.rc == 0 and r.out == "ok alice\n", "unbound without --require-binding", r)


@test
def a_bound_header_passes_a_verify_given_no_request_as_servers_that_ignore_binding_do():
    r = verify("--user-key", "alice=" + K.ed + ".pub", bound_line("POST", "http://x/a"))
    expect(r.rc == 0 and r.out == "ok alice\n", "no --method/--url", r)


@test
def every_header_of_one_run_is_checked_against_the_one_request():
    url = "http://x/a"
    genuine = bound_line("GET", url)
    text = "\n".join([genuine, bound_line("GET", "http://x/b"), header_line(K.ed), genuine]) + "\n"
    r = verify_request("GET", url, input=text)
    expect(r.rc == 1 and r.out.splitlines() == ["ok alice", "rejected request_mismatch", "ok alice",
                                                "rejected nonce_replayed"], "without --require-binding", r)
    r = verify_request("GET", url, "--require-binding", input=text)
    expect(r.rc == 1 and r.out.splitlines() == ["ok alice", "rejected request_mismatch", "rejected request_mismatch",
                                                "rejected nonce_replayed"], "with --require-binding", r)


@test
def binding_and_audience_are_both_checked():
    url = "http://x/a"
    line = lambda aud: header_line(K.ed, "alice", "--audience", aud, "--method", "GET", "--url", url)  # noqa: E731
    r = verify_request("GET", url, "--audience", "api", "--require-binding", line("api"))
    expect(r.rc == 0 and r.out == "ok alice\n", "matching audience and request", r)
    r = verify_request("GET", url, "--audience", "billing", "--require-binding", line("api"))
    expect(r.rc == 1 and r.out == "rejected audience_mismatch\n", "a token for another service", r)
    r = verify_request("GET", "http://x/b", "--audience", "api", line("api"))
    expect(r.rc == 1 and r.out == "rejected request_mismatch\n", "right audience, other request", r)


@test
def verify_binding_options_are_checked_like_headers_and_require_binding_needs_a_request():
    line = header_line(K.ed)
    key = ["--user-key", "alice=" + K.ed]
    body = write(os.path.join(K.dir, "body2.txt"), "{}")
    expect_tool_error(verify(*key, "--require-binding", line), "--require-binding needs --method and --url")
    expect_tool_error(verify(*key, "--require-binding", "--method", "GET", line), "--method needs --url")
    expect_tool_error(verify(*key, "--method", "GET", line), "--method needs --url")
    expect_tool_error(verify(*key, "--url", "http://x/", line), "--url needs --method")
    expect_tool_error(verify(*key, "--body-file", body, line), "--body-file needs --method and --url")
    expect_tool_error(verify(*key, "--method", "GET", "--url", "mailto:a@b", line), "--url")
    expect_tool_error(verify(*key, "--method", "", "--url", "http://x/", line), "--method")
    missing = os.path.join(K.dir, "no-such-body")
    expect_tool_error(verify(*key, "--method", "GET", "--url", "http://x/", "--body-file", missing, line), missing)


# ---------------------------------------------------------------------------------------------------------
# verify --redis: one nonce store shared by separate processes

REDIS = {}


def redis_url():
    if "url" not in REDIS:
        url = os.environ.get("AJWT_TEST_REDIS_URL", "")
        if not url:
            REDIS["own"] = PrivateRedis(K.dir)
            url = REDIS["own"].url
        REDIS["url"] = url
    return REDIS["url"]


def fresh_user():
    """A username of its own, so nothing recorded in the shared Redis by another run can interfere."""
    return "cli-test-" + secrets.token_hex(6)


@test
def a_header_accepted_by_one_verify_process_is_rejected_as_replayed_by_the_next_sharing_redis():
    user = fresh_user()
    key = ["--user-key", user + "=" + K.ed + ".pub", "--redis", redis_url()]
    line = header_line(K.ed, user)
    r = verify(*key, line)
    expect(r.rc == 0 and r.out == "ok %s\n" % user, "first process", r)
    r = verify(*key, line)
    expect(r.rc == 1 and r.out == "rejected nonce_replayed\n", "second process", r)
    r = verify(*key, header_line(K.ed, user))
    expect(r.rc == 0 and r.out == "ok %s\n" % user, "a new header", r)
    # Without --redis each process has its own memory store, so the same header passes again there.
    r = verify("--user-key", user + "=" + K.ed + ".pub", line)
    expect(r.rc == 0 and r.out == "ok %s\n" % user, "the memory store of a new process", r)


@test
def a_header_refused_for_another_request_does_not_burn_its_nonce_in_redis():
    user = fresh_user()
    line = header_line(K.ed, user, "--method", "GET", "--url", "http://x/a")
    key = ["--user-key", user + "=" + K.ed + ".pub", "--redis", redis_url(), "--require-binding", "--method", "GET"]
    r = verify(*key, "--url", "http://x/b", line)
    expect(r.rc == 1 and r.out == "rejected request_mismatch\n", "the stolen header at another endpoint", r)
    r = verify(*key, "--url", "http://x/a", line)
    expect(r.rc == 0 and r.out == "ok %s\n" % user, "the genuine request, in another process", r)
    r = verify(*key, "--url", "http://x/a", line)
    expect(r.rc == 1 and r.out == "rejected nonce_replayed\n", "then a replay", r)


@test
def with_nothing_listening_at_the_redis_url_every_header_is_rejected_nonce_store_unavailable():
    port = free_port()  # bound and closed again: nothing listens there
    lines = [header_line(K.ed), header_line(K.ed)]
    started = time.monotonic()
    r = verify("--user-key", "alice=" + K.ed + ".pub", "--redis", "redis://:s3cret@127.0.0.1:%d" % port, "-v", *lines)
    took = time.monotonic() - started
    expect(r.rc == 1 and r.out == "rejected nonce_store_unavailable\n" * 2, "Redis down", r)
    expect("127.0.0.1:%d" % port in r.err and "s3cret" not in r.err,
           "-v says which Redis failed, without the password", r)
    expect(took < 10, "failing closed took %.1f s" % took)
    # Tokens that fail an earlier check never reach the store: they keep their own reason.
    r = verify("--user-key", "alice=" + K.ed + ".pub", "--redis", "redis://127.0.0.1:%d" % port,
               header_line(K.ed, "mallory"), header_line(K.ed, "alice", "--time", str(T0)))
    expect(r.out == "rejected unknown_user\nrejected time_out_of_window\n", "earlier checks first", r)


@test
def a_malformed_redis_url_is_a_configuration_error_naming_it():
    line = header_line(K.ed)
    for url in ("redis://host:notaport", "rediss://host", "unix://relative.sock", "http://127.0.0.1:6379", "",
                "redis://:pw@host:99999"):
        r = verify("--user-key", "alice=" + K.ed, "--redis", url, line)
        expect_tool_error(r, "Redis URL")
        expect("pw@" not in r.err, "the password is not repeated", r)


# ---------------------------------------------------------------------------------------------------------
# verify: configuration errors (exit 2, nothing on stdout, nothing verified)

@test
def verify_needs_a_key_source():
    expect_tool_error(verify(header_line(K.ed)), "key source")


@test
def verify_with_no_headers_at_all_exits_2():
    expect_tool_error(verify("--user-key", "alice=" + K.ed), "no headers")
    expect_tool_error(verify("--user-key", "alice=" + K.ed, input="\n\n  \n"), "no headers")


@test
def user_key_and_jwks_need_user_equals_file():
    line = header_line(K.ed)
    expect_tool_error(verify("--user-key", K.ed, line), "--user-key", "USER=KEYFILE")
    expect_tool_error(verify("--user-key", "=" + K.ed, line), "--user-key")
    expect_tool_error(verify("--user-key", "alice=", line), "--user-key")
    expect_tool_error(verify("--jwks", K.ed, line), "--jwks", "USER=FILE or USER=URL")


@test
def a_bad_authorized_keys_line_names_the_file_and_line():
    good = "alice " + read(K.ssh_ed + ".pub")
    cases = {
        "bad_user_only": good + "bob\n",
        "bad_base64": good + "bob ssh-ed25519 AAAA!!!notbase64\n",
        "bad_type": good + "bob ssh-dss AAAAB3NzaC1kc3MAAACBAP\n",
        "bad_weak_rsa": good + "bob " + K.weak_ssh + "\n",
    }
    line = header_line(K.ssh_ed)
    for name, text in cases.items():
        path = write(os.path.join(K.dir, name), text)
        r = verify("--authorized-keys", path, line)
        expect_tool_error(r, path + ":2")
        if name == "bad_weak_rsa":
            expect("1024" in r.err, "the weak key's size is named", r)


@test
def a_bad_jwks_document_is_refused_with_its_name():
    line = header_line(K.ed)
    bad = write(os.path.join(K.dir, "bad.jwks"), "{\"keys\": [")
    expect_tool_error(verify("--jwks", "alice=" + bad, line), bad)
    empty = write(os.path.join(K.dir, "empty.jwks"), "{\"keys\": []}")
    expect_tool_error(verify("--jwks", "alice=" + empty, line), empty, "no usable key")
    missing = os.path.join(K.dir, "missing.jwks")
    expect_tool_error(verify("--jwks", "alice=" + missing, line), missing)


@test
def a_configuration_error_after_good_sources_still_prints_nothing():
    line = header_line(K.ed)
    r = verify("--user-key", "alice=" + K.ed, "--authorized-keys", os.path.join(K.dir, "missing_ak"), line)
    expect_tool_error(r, "missing_ak")
    r = verify("--user-key", "alice=" + K.ed, "--user-key", "bob=" + K.weak_pub, input=line + "\n")
    expect_tool_error(r, K.weak_pub)


# ---------------------------------------------------------------------------------------------------------
# Throughput (reported, not asserted)

@test
def verify_checks_20000_rs512_headers_from_a_file():
    path = os.path.join(K.dir, "headers.txt")
    started = time.monotonic()
    with open(path, "wb") as f:
        gen = subprocess.run([CLI, "header", "--key", K.rsa, "--user", "alice", "--time", str(T0), "--count", "20000"],
                             stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.PIPE, timeout=280)
    generated = time.monotonic() - started
    expect(gen.returncode == 0, "header --count 20000 failed: %s" % gen.stderr.decode())
    started = time.monotonic()
    with open(path, "rb") as f:
        proc = subprocess.run([CLI, "verify", "--user-key", "alice=" + K.rsa + ".pub", "--now", str(T0)],
                              stdin=f, capture_output=True, timeout=280)
    verified = time.monotonic() - started
    out = proc.stdout.decode()
    expect(proc.returncode == 0, "verify exited %d: %s" % (proc.returncode, proc.stderr.decode()[:500]))
    expect(out == "ok alice\n" * 20000, "20000 lines 'ok alice' (got %d lines)" % out.count("\n"))
    print("  timing: header --count 20000 (RS512, 2048-bit): %.2f s wall; verify of 20000 headers from a file: "
          "%.2f s wall (%.0f headers/s)" % (generated, verified, 20000 / verified))


# ---------------------------------------------------------------------------------------------------------

def main():
    if not CLI or not os.access(CLI, os.X_OK):
        print("FAIL: AJWT_CLI must name the built `ajwt` tool (got %r); build the ajwt_cli target" % CLI)
        print("0 passed, 1 failed")
        return 1
    os.umask(0o022)
    passed = failed = skipped = 0
    with tempfile.TemporaryDirectory(prefix="ajwt_cli_test_") as tmp:
        try:
            make_keys(tmp)
        except Exception:
            traceback.print_exc()
            print("FAIL: making the test keys")
            print("0 passed, 1 failed")
            return 1
        for fn in TESTS:
            name = fn.__name__.replace("_", " ")
            try:
                fn()
            except Skipped as e:
                skipped += 1
                print("SKIPPED: %s\n  %s" % (name, e))
            except Exception as e:  # AssertionError, or an unexpected error (which is a failure too)
                failed += 1
                detail = str(e) if isinstance(e, AssertionError) else traceback.format_exc()
                print("FAIL: %s\n  %s" % (name, detail.replace("\n", "\n  ")))
            else:
                passed += 1
                print("ok: %s" % name)
        if "own" in REDIS:
            REDIS["own"].stop()
    print("%d passed, %d failed" % (passed, failed) + (", %d skipped" % skipped if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
