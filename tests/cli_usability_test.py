#!/usr/bin/python3
"""Tests of the `ajwt` tool for people and scripts: `inspect` (decoding without verifying, on untrusted
input), `verify --json` (one flushed JSON object per header), the hints in its error messages, the bash
completion script (tools/ajwt/ajwt.bash) and the generated man page.

Environment (set by CTest): AJWT_CLI, the built tool (required); AJWT_SOURCE_DIR, the source tree;
AJWT_BUILD_DIR, the build tree (for the man page). Run with Debian's /usr/bin/python3 (it has
cryptography). Prints "N passed, N failed" and exits 1 on any failure.
"""
import base64
import datetime
import hashlib
import json
import os
import random
import select
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("AJWT_SOURCE_DIR") or os.path.dirname(HERE)
BUILD_DIR = os.environ.get("AJWT_BUILD_DIR", "")
CLI = os.environ.get("AJWT_CLI", "")
T0 = 1700000000

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


def run(*args, input=None, env=None, timeout=60):
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


def expect_tool_error(r, *fragments):
    """Exit 2, nothing on stdout, one "ajwt: ..." message on stderr holding each fragment."""
    expect(r.rc == 2, "expected exit 2", r)
    expect(r.out == "", "expected nothing on stdout", r)
    expect(r.err.startswith("ajwt: "), "expected the message to start with 'ajwt: '", r)
    for f in fragments:
        expect(f in r.err, "expected %r in stderr" % f, r)


def b64u(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def read(path):
    with open(path) as f:
        return f.read()


class Keys:
    pass


K = Keys()


def make_keys(tmp):
    K.dir = tmp
    K.ed = os.path.join(tmp, "ed")
    r = run("keygen", "--type", "ed25519", "--out", K.ed)
    expect_ok(r, "keygen")
    K.ed_keygen_out = r.out
    K.enc = os.path.join(tmp, "enc")
    expect_ok(run("keygen", "--type", "ec-p256", "--passphrase-env", "PW", "--out", K.enc, env={"PW": "pw"}),
              "keygen encrypted")


def header_line(*extra, user="alice", key=None):
    r = run("header", "--key", key or K.ed, "--user", user, *extra)
    expect_ok(r, "header")
    return r.out.strip()


# ---------------------------------------------------------------------------------------------------------
# inspect

@test
def inspect_prints_header_claims_verified_false_and_the_time_offset():
    line = header_line("--time", str(T0), "--audience", "orders")
    for arg in (line, line.split(" ", 1)[1], "Bearer " + line.split(" ", 1)[1]):
        r = run("inspect", "--now", str(T0 + 7), arg)
        expect_ok(r, "inspect " + arg[:20])
        doc = json.loads(r.out)
        expect(doc["verified"] is False, "verified is false", r)
        expect(doc["header"]["alg"] == "EdDSA" and doc["header"]["kid"] == K.ed_keygen_out.strip(),
               "the JOSE header with alg and kid", r)
        expect(doc["claims"]["username"] == "alice" and doc["claims"]["time"] == T0 and
               doc["claims"]["aud"] == "orders", "the claims", r)
        expect(doc["time_offset"] == -7 and doc["now"] == T0 + 7, "time is 7 s before now", r)


@test
def inspect_decodes_a_token_with_a_bad_signature_and_says_nothing_about_trust():
    h, p, _ = header_line().split(" ", 1)[1].split(".")
    r = run("inspect", "JWT %s.%s.%s" % (h, p, b64u(b"x" * 64)))
    expect_ok(r, "inspect of a forged token")
    expect(json.loads(r.out)["verified"] is False, "never verified", r)


@test
def inspect_without_an_integer_time_claim_gives_a_null_offset():
    for claims in ({"username": "a"}, {"time": "soon"}, {"time": 1.5}, {"time": 2 ** 63}):
        token = "%s.%s.%s" % (b64u('{"alg":"EdDSA"}'), b64u(json.dumps(claims)), b64u(b"sig"))
        r = run("inspect", token)
        expect_ok(r, "inspect %r" % claims)
        expect(json.loads(r.out)["time_offset"] is None, "time_offset is null for %r" % claims, r)


@test
def inspect_refuses_what_cannot_be_decoded_with_exit_2_naming_the_part():
    good_h, good_p = b64u('{"alg":"EdDSA"}'), b64u('{"username":"a","time":1}')
    cases = {
        "": "nothing to decode",
        " \t": "nothing to decode",
        "JWT ": "three base64url segments",
        "JWT a.b": "three base64url segments",
        "JWT a.b.c.d": "three base64url segments",
        "JWT %s.%s.%s" % ("!!", good_p, "AA"): "header segment is not canonical",
        "JWT %s.%s.%s" % (good_h + "=", good_p, "AA"): "header segment is not canonical",
        "JWT %s.%s.%s" % (good_h, "", "AA"): "claims segment is empty",
        "JWT %s.%s.%s" % (good_h, good_p, "A"): "signature segment",
        "JWT %s.%s.AA" % (b64u("not json"), good_p): "header is not valid JSON",
        "JWT %s.%s.AA" % (b64u("[1]"), good_p): "header is not a JSON object",
        "JWT %s.%s.AA" % (good_h, b64u('{"a":1,"a":2}')): "duplicate member",
        "JWT %s.%s.AA" % (good_h, b64u(b'{"a":"\xff"}')): "claims is not valid JSON",
        "JWT %s.%s.AA" % (good_h, b64u("[" * 5000 + "]" * 5000)): "claims is not valid JSON",
        "JWT " + "A" * 70000: "at most 65536",
    }
    for arg, fragment in cases.items():
        expect_tool_error(run("inspect", arg), "inspect", fragment)


@test
def inspect_never_crashes_on_random_input():
    rng = random.Random(15)
    good = header_line().split(" ", 1)[1]
    alphabet = "ABCxyz019-_.= \t{}\"\\"
    outcomes = set()
    for i in range(300):
        if i % 2:
            chars = list(good)
            for _ in range(rng.randint(1, 4)):
                chars[rng.randrange(len(chars))] = rng.choice(alphabet)
            arg = "".join(chars)
        else:
            arg = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        r = run("inspect", arg)
        expect(r.rc in (0, 2), "inspect %r exited %d" % (arg, r.rc), r)
        outcomes.add(r.rc)
        if r.rc == 0:
            expect(json.loads(r.out)["verified"] is False, "a decoded token is never verified", r)
    expect(outcomes == {0, 2}, "some inputs decode and some are refused (exit codes seen: %s)" % sorted(outcomes))


# ---------------------------------------------------------------------------------------------------------
# verify --json

@test
def verify_json_prints_one_object_per_header_with_claimed_names_on_rejection():
    first = header_line("--time", str(T0))
    lines = [first, first, "JWT not-a-token", header_line("--time", str(T0), user="mallory")]
    r = run("verify", "--json", "--now", str(T0), "--user-key", "alice=" + K.ed + ".pub", input="\n".join(lines) + "\n")
    expect(r.rc == 1, "exit 1: some header was rejected", r)
    docs = [json.loads(x) for x in r.out.splitlines()]
    expect(len(docs) == 4, "one object per header", r)
    kid = K.ed_keygen_out.strip()
    expect(docs[0] == {"accepted": True, "username": "alice", "kid": kid}, "the accepted header", r)
    expect(docs[1]["accepted"] is False and docs[1]["reason"] == "nonce_replayed" and docs[1]["username"] == "alice"
           and docs[1]["kid"] == kid and docs[1]["detail"], "the replay names the claimed user and kid", r)
    expect(docs[2]["accepted"] is False and docs[2]["reason"] == "malformed_token" and docs[2]["username"] is None
           and docs[2]["kid"] is None, "a malformed header has null username and kid", r)
    expect(docs[3]["reason"] == "unknown_user" and docs[3]["username"] == "mallory", "an unknown user", r)
    expect(r.err == "", "nothing on stderr without --verbose", r)


@test
def verify_json_writes_each_line_as_soon_as_it_is_checked():
    proc = subprocess.Popen([CLI, "verify", "--json", "--user-key", "alice=" + K.ed + ".pub"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        proc.stdin.write((header_line() + "\n").encode())
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        expect(ready, "no output 20 s after the first header while standard input stays open")
        first = json.loads(proc.stdout.readline())
        expect(first["accepted"] is True and first["username"] == "alice", "the first verdict: %r" % first)
        proc.stdin.write(b"JWT x\n")
        proc.stdin.close()
        rest = proc.stdout.read().decode()
        expect(proc.wait(timeout=20) == 1, "exit 1 after a rejection")
        expect(json.loads(rest)["accepted"] is False, "the second verdict: %r" % rest)
    finally:
        if proc.poll() is None:
            proc.kill()


# ---------------------------------------------------------------------------------------------------------
# Hints in the messages

@test
def an_encrypted_key_without_a_passphrase_names_passphrase_env():
    for args in (["fingerprint", K.enc], ["pubkey", K.enc], ["jwks", K.enc], ["header", "--key", K.enc, "--user", "a"]):
        expect_tool_error(run(*args), K.enc, "encrypted", "--passphrase-env")
    # verify has no passphrase option: it points to the public key.
    expect_tool_error(run("verify", "--user-key", "a=" + K.enc, "JWT x"), K.enc, "encrypted", "ajwt pubkey")


@test
def jwks_opens_encrypted_keys_with_passphrase_env():
    r = run("jwks", "--passphrase-env", "PW", K.enc, K.ed, env={"PW": "pw"})
    expect_ok(r, "jwks --passphrase-env")
    keys = json.loads(r.out)["keys"]
    expect(len(keys) == 2 and keys[0]["kty"] == "EC" and keys[1]["kty"] == "OKP", "both keys", r)
    expect_tool_error(run("jwks", "--passphrase-env", "PW", K.enc, env={"PW": "wrong"}), K.enc, "passphrase")


@test
def keygen_prints_the_kid_of_the_new_key():
    kid = hashlib.sha256(read(K.ed + ".pub").encode()).hexdigest()
    expect(K.ed_keygen_out == kid + "\n", "keygen printed %r, the kid is %s" % (K.ed_keygen_out, kid))
    r = run("fingerprint", K.ed)
    expect(r.out == K.ed_keygen_out, "the same as ajwt fingerprint", r)


@test
def a_certificate_is_refused_as_not_a_key():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "svc")])
    now = datetime.datetime(2024, 1, 1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    path = write(os.path.join(K.dir, "cert.pem"), cert.public_bytes(ser.Encoding.PEM).decode())
    for args in (["fingerprint", path], ["jwks", path], ["verify", "--user-key", "a=" + path, "JWT x"]):
        expect_tool_error(run(*args), path, "certificates are not keys", "openssl x509")


@test
def an_authorized_keys_line_that_starts_with_the_key_type_says_the_username_is_missing():
    path = write(os.path.join(K.dir, "ak_no_user"), run("pubkey", "--format", "openssh", K.ed).out)
    expect_tool_error(run("verify", "--authorized-keys", path, "JWT x"), path + ":1", "username is missing")


@test
def a_single_jwk_given_to_jwks_says_a_jwks_wraps_it():
    path = write(os.path.join(K.dir, "single.jwk"), run("pubkey", "--format", "jwk", K.ed).out)
    expect_tool_error(run("verify", "--jwks", "alice=" + path, "JWT x"), path, "single JWK", '{"keys": [')
    wrapped = write(os.path.join(K.dir, "wrapped.jwks"), '{"keys": [%s]}' % read(path))
    r = run("verify", "--jwks", "alice=" + wrapped, header_line())
    expect(r.rc == 0 and r.out == "ok alice\n", "wrapped in {\"keys\": [...]} it works", r)


@test
def a_directory_or_an_empty_path_is_named_as_such_by_every_file_option():
    d = K.dir
    line = header_line()
    for path, fragment in ((d, d + ": is a directory"), ("", "empty path")):
        for args in (["fingerprint", path], ["pubkey", path], ["jwks", path], ["header", "--key", path, "--user", "a"],
                     ["header", "--key", K.ed, "--user", "a", "--method", "GET", "--url", "https://x/",
                      "--body-file", path],
                     ["verify", "--authorized-keys", path, line], ["keygen", "--type", "ed25519", "--out", path]):
            expect_tool_error(run(*args), fragment)
        if path:  # USER= with nothing after it is a malformed USER=KEYFILE, said so already
            expect_tool_error(run("verify", "--user-key", "a=" + path, line), fragment)
            expect_tool_error(run("verify", "--jwks", "a=" + path, line), fragment)


@test
def header_refuses_a_user_longer_than_verifiers_accept():
    expect_tool_error(run("header", "--key", K.ed, "--user", "u" * 257), "--user", "257", "256")
    line = header_line(user="u" * 256)
    r = run("verify", "--user-key", "u" * 256 + "=" + K.ed, line)
    expect(r.rc == 0, "the longest username a verifier accepts still works", r)


class NoTerminal(Exception):
    """The system has no pseudo-terminals (a minimal chroot or container without devpts): a test that needs
    one is reported as skipped, by name and with the reason, never as passed."""


def run_with_terminal_stdin(args, typed, timeout=30):
    """Runs the tool with stdin and stderr on a pty, stdout a pipe; once the tool has written to the terminal,
    types `typed` then Ctrl-D. Returns (exit code, stdout, what the terminal showed)."""
    try:
        master, slave = os.openpty()
    except OSError as e:
        raise NoTerminal("this system has no pseudo-terminals (openpty: %s)" % e.strerror) from e
    try:
        proc = subprocess.Popen([CLI, *args], stdin=slave, stdout=subprocess.PIPE, stderr=slave, close_fds=True)
    finally:
        os.close(slave)
    screen = b""
    typed_yet = False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not typed_yet and b"Ctrl-D" in screen:
                os.write(master, typed + b"\n\x04")
                typed_yet = True
            ready, _, _ = select.select([master], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the tool has exited
                break
            if not data:
                break
            screen += data
        if not typed_yet:  # it never said it waits: it would wait forever
            proc.kill()
            raise AssertionError("no hint on the terminal within %d s; it shows %r" % (timeout, screen))
        out = proc.stdout.read().decode()
        rc = proc.wait(timeout=timeout)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return rc, out, screen.decode(errors="replace")


@test
def verify_reading_from_a_terminal_says_it_waits_for_header_lines():
    rc, out, screen = run_with_terminal_stdin(["verify", "--user-key", "alice=" + K.ed], header_line().encode())
    expect("reading Authorization header values from the terminal" in screen, "the hint: %r" % screen)
    expect(rc == 0 and out == "ok alice\n", "then it verifies what was typed: exit %d, %r" % (rc, out))
    r = run("verify", "--user-key", "alice=" + K.ed, input=header_line() + "\n")
    expect(r.rc == 0 and r.err == "", "no hint when standard input is not a terminal", r)


@test
def an_empty_authorized_keys_file_warns_that_no_user_can_log_in():
    line = header_line()
    for name, text in (("ak_empty", ""), ("ak_comments", "# nobody yet\n\n")):
        path = write(os.path.join(K.dir, name), text)
        r = run("verify", "--authorized-keys", path, "--user-key", "alice=" + K.ed, line)
        expect(r.rc == 0 and r.out == "ok alice\n", "the other key sources still work", r)
        expect(path in r.err and "no user can log in" in r.err, "the warning names the file", r)
    path = write(os.path.join(K.dir, "ak_alice"), "alice " + run("pubkey", "--format", "openssh", K.ed).out)
    r = run("verify", "--authorized-keys", path, header_line())
    expect(r.rc == 0 and r.err == "", "no warning for a file with keys", r)


@test
def range_errors_name_the_bounds_and_the_subcommands_help():
    cases = ((["header", "--key", K.ed, "--user", "a", "--count", "0"], "1 to 1000000", "ajwt header --help"),
             (["header", "--key", K.ed, "--user", "a", "--count", "-1"], "1 to 1000000", "ajwt header --help"),
             (["verify", "--tolerance", "90000", "JWT x"], "0 to 86400", "ajwt verify --help"),
             (["verify", "--max-token-bytes", "1", "JWT x"], "16 to 16777216", "ajwt verify --help"),
             (["verify", "--jwks-timeout", "0", "JWT x"], "1 to 600000", "ajwt verify --help"),
             (["keygen", "--type", "rsa", "--bits", "1024", "--out", os.path.join(K.dir, "never")], "2048",
              "ajwt keygen --help"),
             (["--frobnicate"], "--frobnicate", "ajwt --help"))
    for args, bounds, help_hint in cases:
        r = run(*args)
        expect_tool_error(r, bounds, help_hint)
        expect("Run with --help" not in r.err, "CLI11's generic hint is replaced", r)


# ---------------------------------------------------------------------------------------------------------
# Bash completion and the man page

def complete(*words):
    """COMPREPLY of tools/ajwt/ajwt.bash for the command line `ajwt WORDS...` (the last word is completed)."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _ajwt; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    proc = subprocess.run(["bash", "--norc", "-c", script, "bash", os.path.join(SOURCE_DIR, "tools/ajwt/ajwt.bash"),
                           CLI, *words], capture_output=True, timeout=60, cwd=K.dir)
    expect(proc.returncode == 0, "bash failed: %s" % proc.stderr.decode())
    return sorted(x for x in proc.stdout.decode().splitlines() if x)


@test
def the_bash_completion_registers_ajwt_and_completes_subcommands_options_and_values():
    proc = subprocess.run(["bash", "--norc", "-c", 'source "$0"; complete -p ajwt',
                           os.path.join(SOURCE_DIR, "tools/ajwt/ajwt.bash")], capture_output=True, timeout=60)
    expect(proc.returncode == 0 and b"-F _ajwt ajwt" in proc.stdout, "complete -p ajwt: %r" % (proc.stdout,))
    every = {"keygen", "pubkey", "fingerprint", "jwks", "header", "verify", "inspect"}
    expect(every <= set(complete("")), "every subcommand: %r" % complete(""))
    expect(complete("ins") == ["inspect"], "a subcommand prefix")
    expect(complete("keygen", "--t") == ["--type"], "an option of the subcommand")
    expect("--json" in complete("verify", "--"), "verify's options include --json")
    expect(complete("keygen", "--type", "") == ["ec-p256", "ed25519", "rsa"], "the values --help lists")
    expect(complete("header", "--alg", "E") == ["ES256", "EdDSA"], "algorithm names")
    expect(complete("verify", "--authorized-keys", "ak_a") == ["ak_alice"], "a file name for a FILE option")
    expect(complete("verify", "--user-key", "alice=ed.p") == ["alice=ed.pub"], "the file after USER=")
    expect(complete("verify", "--user-key", "alice", "=", "ed.p") == ["ed.pub"], "bash's split at '='")


@test
def the_man_page_is_generated_from_the_help_of_every_subcommand():
    page = os.path.join(BUILD_DIR, "tools/ajwt/ajwt.1")
    if not shutil.which("help2man"):
        expect(not os.path.exists(page), "without help2man no man page is built")
        return
    expect(os.path.exists(page), "%s exists (help2man is installed)" % page)
    text = read(page)
    expect(text.startswith(".\\\" DO NOT MODIFY THIS FILE!") and ".TH AJWT" in text, "a help2man page")
    for fragment in ('.SS "ajwt verify"', '.SS "ajwt inspect"', "\\-\\-json", ".SH \"EXIT STATUS\""):
        expect(fragment in text, "the page holds %r" % fragment)
    version = run("--version").out.strip()
    expect(version and version in text, "the page names version %s" % version)


# ---------------------------------------------------------------------------------------------------------

def main():
    if not CLI or not os.access(CLI, os.X_OK):
        print("FAIL: AJWT_CLI must name the built `ajwt` tool (got %r); build the ajwt_cli target" % CLI)
        print("0 passed, 1 failed")
        return 1
    passed = failed = skipped = 0
    with tempfile.TemporaryDirectory(prefix="ajwt_cli_usability_") as tmp:
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
            except NoTerminal as e:
                skipped += 1
                print("SKIPPED: %s: %s" % (name, e))
            except Exception as e:
                failed += 1
                detail = str(e) if isinstance(e, AssertionError) else traceback.format_exc()
                print("FAIL: %s\n  %s" % (name, detail.replace("\n", "\n  ")))
            else:
                passed += 1
                print("ok: %s" % name)
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
