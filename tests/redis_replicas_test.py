#!/usr/bin/python3
"""Two server processes sharing one Redis reject each other's replays.

Each "replica" is one `ajwt verify --redis URL --user-key USER=KEYFILE HEADER` process (it prints
"ok USER" or "rejected REASON"); tokens are made here with PyJWT, as the Python client library makes them.
Checks: a header accepted by one process is rejected as nonce_replayed by the next; two processes given the
same header at the same moment accept it exactly once; with Redis down the verdict is
nonce_store_unavailable (fail closed) and comes quickly; a malformed --redis URL is a configuration error.

Environment: AJWT_CLI, the built tool (required: this test FAILS without it, and until the tool has
--redis); AJWT_TEST_REDIS_URL, a Redis to share (scripts/test.sh sets it; otherwise this test starts its
own); AJWT_REDIS_SERVER, the redis-server binary (else PATH, else /usr/bin/redis-server) for the private
instance it stops. Run with Debian's /usr/bin/python3 (PyJWT, cryptography). Exits 1 on any failure.
"""
import hashlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import jwt
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ed25519

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import PrivateRedis  # noqa: E402  (tests/support.py)

CLI = os.environ.get("AJWT_CLI", "")
TESTS = []


def test(fn):
    """Registers a test; its name, with underscores as spaces, reads as the sentence it checks."""
    TESTS.append(fn)
    return fn


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


class Client:
    """A client of the service: an Ed25519 key, its public key file, and headers signed like the Python
    library signs them (kid = hex SHA-256 of the SPKI PEM text)."""

    def __init__(self, workdir, username):
        self.username = username
        self.key = ed25519.Ed25519PrivateKey.generate()
        pem = self.key.public_key().public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo)
        self.kid = hashlib.sha256(pem).hexdigest()
        self.key_file = os.path.join(workdir, username + ".pub")
        with open(self.key_file, "wb") as f:
            f.write(pem)

    def header(self):
        claims = {"username": self.username, "time": int(time.time()), "nonce": secrets.token_urlsafe(16)}
        return "JWT " + jwt.encode(claims, self.key, algorithm="EdDSA", headers={"kid": self.kid})


def verify(redis_url, client, header, timeout=30):
    """One replica: an `ajwt verify` process. Returns (exit code, stdout, stderr, seconds taken)."""
    start = time.monotonic()
    proc = subprocess.run([CLI, "verify", "--redis", redis_url, "--user-key", client.username + "=" + client.key_file,
                           header], stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    took = time.monotonic() - start
    out, err = proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")
    if proc.returncode == 2 and "--redis" in err:
        raise AssertionError("the ajwt tool does not take --redis URL yet (tools/ajwt must add it):\n" + err)
    return proc.returncode, out, err, took


def expect_verdict(result, verdict, exit_code, what):
    rc, out, err, _ = result
    expect(rc == exit_code and out == verdict + "\n",
           "%s: expected %r and exit %d, got exit %d\n--- stdout:\n%s--- stderr:\n%s" %
           (what, verdict, exit_code, rc, out, err))


@test
def a_header_accepted_by_one_process_is_rejected_as_replayed_by_the_next(ctx):
    header = ctx.client.header()
    expect_verdict(verify(ctx.shared_url, ctx.client, header), "ok " + ctx.client.username, 0, "first replica")
    expect_verdict(verify(ctx.shared_url, ctx.client, header), "rejected nonce_replayed", 1, "second replica")
    expect_verdict(verify(ctx.shared_url, ctx.client, header), "rejected nonce_replayed", 1, "third replica")
    # Not everything is rejected: a new header is accepted.
    expect_verdict(verify(ctx.shared_url, ctx.client, ctx.client.header()), "ok " + ctx.client.username, 0,
                   "a new header")


@test
def two_processes_given_the_same_header_at_once_accept_it_exactly_once(ctx):
    for _ in range(3):
        header = ctx.client.header()
        results = [None, None]
        barrier = threading.Barrier(2)

        def run(i):
            barrier.wait()
            results[i] = verify(ctx.shared_url, ctx.client, header)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        verdicts = sorted(r[1] for r in results)
        expect(verdicts == sorted(["ok %s\n" % ctx.client.username, "rejected nonce_replayed\n"]),
               "expected one ok and one nonce_replayed, got %r\n--- stderr:\n%s" %
               (verdicts, "".join(r[2] for r in results)))


@test
def with_redis_down_a_replica_fails_closed_with_nonce_store_unavailable(ctx):
    private = PrivateRedis()
    try:
        expect_verdict(verify(private.url, ctx.client, ctx.client.header()), "ok " + ctx.client.username, 0,
                       "while Redis is up")
        private.stop()
        result = verify(private.url, ctx.client, ctx.client.header())
        expect_verdict(result, "rejected nonce_store_unavailable", 1, "while Redis is down")
        # Process start, key loading and a refused connection: far below this bound.
        expect(result[3] < 10, "verifying with Redis down took %.1f s" % result[3])
    finally:
        private.close()


@test
def a_malformed_redis_url_is_a_configuration_error(ctx):
    for url in ["redis://host:notaport", "rediss://host", "unix://relative.sock"]:
        rc, out, err, _ = verify(url, ctx.client, ctx.client.header())
        expect(rc == 2 and out == "" and "Redis URL" in err,
               "--redis %s: expected exit 2, nothing on stdout and a message naming the Redis URL; got exit %d\n"
               "--- stdout:\n%s--- stderr:\n%s" % (url, rc, out, err))


class Context:
    pass


def main():
    if not CLI or not os.access(CLI, os.X_OK):
        print("FAIL: AJWT_CLI is not set to the built ajwt tool (got %r); this test needs it" % CLI)
        return 1
    ctx = Context()
    own = None
    workdir = tempfile.mkdtemp(prefix="ajwt-replicas.")
    failed = 0
    try:
        ctx.shared_url = os.environ.get("AJWT_TEST_REDIS_URL", "")
        if not ctx.shared_url:
            own = PrivateRedis()
            ctx.shared_url = own.url
        ctx.client = Client(workdir, "replica-test-" + secrets.token_hex(4))
        for fn in TESTS:
            name = fn.__name__.replace("_", " ")
            try:
                fn(ctx)
                print("ok   " + name)
            except Exception:  # noqa: BLE001 - report every failure and go on
                failed += 1
                print("FAIL " + name)
                traceback.print_exc(file=sys.stdout)
    finally:
        if own:
            own.close()
        shutil.rmtree(workdir, ignore_errors=True)
    print("%d passed, %d failed" % (len(TESTS) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
