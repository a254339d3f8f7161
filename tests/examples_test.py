#!/usr/bin/python3
"""End-to-end test of the example programs (examples/): server, client, keys_demo, custom_nonce_store and
examples/demo.sh, on loopback.

Request binding end to end: the client binds its request by default, the server checks the request it
received (method, origin + request target, body) and requires binding unless --no-require-binding; tokens
made by the `ajwt` tool for another path, method, query or body are refused with request_mismatch. Two
servers sharing one Redis (--redis) refuse each other's replays.

Environment (set by CTest): AJWT_BUILD_DIR, the build tree (examples are in $AJWT_BUILD_DIR/examples);
AJWT_SOURCE_DIR, the source tree; AJWT_CLI, the `ajwt` tool (demo.sh and the binding tests need it);
AJWT_TEST_REDIS_URL, a Redis to share (scripts/test.sh starts one; without it this test starts its own
redis-server, from AJWT_REDIS_SERVER, PATH or /usr/bin, and fails when there is none).
Keys are made here with Python's cryptography, and some tokens with PyJWT exactly as the Python library
asymmetric-jwt-auth makes them, so the examples are also checked against an independent implementation.
A missing program is a failure, never a skip. Prints "N passed, N failed"; exit status 1 on any failure.
"""

import base64
import hashlib
import http.client
import json
import os
import re
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import PrivateRedis, free_port  # noqa: E402  (tests/support.py)

BUILD_DIR = os.environ.get("AJWT_BUILD_DIR", "")
SOURCE_DIR = os.environ.get("AJWT_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(BUILD_DIR, "examples")
TIMEOUT = 30  # seconds for any one program run


def example(name):
    path = os.path.join(EXAMPLES, name)
    if not os.access(path, os.X_OK):
        raise AssertionError(f"{path} is not built (AJWT_BUILD_DIR={BUILD_DIR!r}; server and client need cpp-httplib)")
    return path


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Keys:
    """Key files in a temporary directory, written by Python's cryptography."""

    def __init__(self, directory):
        self.dir = directory

    def write_private(self, name, key, passphrase=None):
        encryption = (serialization.BestAvailableEncryption(passphrase.encode()) if passphrase
                      else serialization.NoEncryption())
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))
        return path

    def write_text(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path


def openssh_line(key):
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def python_kid(key):
    """The Python library's key id: lowercase hex SHA-256 of the SPKI PEM text."""
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(pem).hexdigest()


def p256_jwk(key):
    numbers = key.public_key().public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big"))}


def python_library_token(key, username, when=None, bind=None):
    """A token exactly as asymmetric-jwt-auth's client makes it (PyJWT, kid header, three claims); with
    bind=(method, url, body) also the binding claims, computed here with hashlib (url must be normalised
    already: lower-case scheme and host, no default port, a path)."""
    claims = {"username": username, "time": int(time.time()) if when is None else when,
              "nonce": secrets.token_urlsafe(8)}
    if bind:
        method, url, body = bind
        target, _, query = url.partition("?")
        claims.update(htm=method, htu=target, htq=b64url(hashlib.sha256(query.encode()).digest()),
                      htb=b64url(hashlib.sha256(body).digest()))
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": python_kid(key)})


def cli():
    path = os.environ.get("AJWT_CLI", "")
    if not path or not os.access(path, os.X_OK):
        raise AssertionError(f"the ajwt tool is needed but is not built (AJWT_CLI={path!r})")
    return path


def cli_header(key, user, *args):
    """An Authorization header made by `ajwt header` (e.g. with --method/--url to bind it)."""
    r = run([cli(), "header", "--key", key, "--user", user, *args])
    if r.returncode != 0:
        raise AssertionError(f"ajwt header failed: {r.stderr}")
    return r.stdout.strip()


class Server:
    """The example server on a free loopback port; its stderr (the log) goes to a file."""

    def __init__(self, work, args, port=0, program="server"):
        self.log_path = os.path.join(work, f"server-{secrets.token_hex(4)}.log")
        self.log_file = open(self.log_path, "wb")
        # libcurl (--jwks USER=URL) reads proxy settings from the environment: never for loopback.
        env = dict(os.environ, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
        where = [] if "--listen" in args else ["--port", str(port)]
        self.proc = subprocess.Popen([example(program), *where, *args], stdout=subprocess.PIPE,
                                     stderr=self.log_file, env=env)
        self.log_offset = 0
        line = self._read_first_line(10)
        m = re.fullmatch(r"listening on http://(127\.0\.0\.1|\[::1\]):(\d+)\n", line)
        if not m:
            self.stop()
            raise AssertionError(f"server did not announce its port; stdout {line!r}, log {self.all_log()!r}")
        self.host = m.group(1).strip("[]")
        self.port = int(m.group(2))
        self.base = f"http://{m.group(1)}:{self.port}"
        self.url = self.base + "/whoami"

    def _read_first_line(self, timeout):
        deadline = time.monotonic() + timeout
        data = b""
        fd = self.proc.stdout.fileno()
        while not data.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            chunk = os.read(fd, 1)
            if not chunk:
                break
            data += chunk
        return data.decode(errors="replace")

    def all_log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def new_log(self):
        """The log lines written since the previous call (each request logs before it answers)."""
        text = self.all_log()
        new, self.log_offset = text[self.log_offset:], len(text)
        return new.splitlines()

    def get(self, path, headers=None):
        return self.request("GET", path, headers)

    def request(self, method, path, headers=None, body=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            res = conn.getresponse()
            return res.status, dict(res.getheaders()), res.read().decode()
        finally:
            conn.close()

    def stop(self, sig=signal.SIGTERM):
        """Sends `sig` and returns the exit status; kills the server if it does not stop in time."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            status = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            status = None
        self.proc.stdout.close()
        self.log_file.close()
        return status


def run(args, env=None):
    """Runs a program in its own process group; on timeout the whole group (a server demo.sh started,
    say) is killed, and the test fails."""
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                          start_new_session=True) as proc:
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise AssertionError(f"{' '.join(args)} did not finish within {TIMEOUT} s")
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def client(server, key, user, *extra, env=None):
    return run([example("client"), "--key", key, "--user", user, "--url", server.url, *extra], env=env)


def expect_equal(what, got, want):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


# The server's access log: "TIMESTAMP CLIENT METHOD PATH STATUS MESSAGE", MESSAGE being "accepted USER",
# "rejected REASON: DETAIL", "rejected: no Authorization header" or "-".
ACCESS_LINE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (\S+) (\S+) (\S+) (\d{3}) (.*)")


def message_of(line):
    m = ACCESS_LINE.fullmatch(line)
    return m.group(6) if m else line


def expect_log(server, pattern, timeout=5):
    """Waits for a new log line whose message (the whole line, for lines that are not access lines) matches
    `pattern`: httplib logs a request after it has sent the response."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        lines = server.new_log()
        seen += lines
        for line in lines:
            if re.fullmatch(pattern, message_of(line)):
                return line
        if time.monotonic() > deadline:
            raise AssertionError(f"no server log line matches {pattern!r}; new lines: {seen!r}")
        time.sleep(0.02)


def access_messages(server, count, timeout=5):
    """The messages of the next `count` access log lines, waiting for them."""
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < count:
        got += [message_of(line) for line in server.new_log() if ACCESS_LINE.fullmatch(line)]
        if len(got) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(got)} access log lines, want {count}: {got!r}")
            time.sleep(0.02)
    return got


# ----------------------------------------------------------------------------------------------------------
# The tests. Each takes the fixture dict and raises AssertionError on failure.

def test_signed_request_is_accepted(f):
    r = client(f["server"], f["billing_key"], "svc-billing")
    expect_equal("client output", r.stdout, "HTTP 200\nhello svc-billing\n")
    expect_equal("client exit status", r.returncode, 0)
    expect_log(f["server"], r"accepted svc-billing")


def test_rsa_key_from_authorized_keys_is_accepted(f):
    r = client(f["server"], f["legacy_key"], "svc-legacy")
    expect_equal("client output", r.stdout, "HTTP 200\nhello svc-legacy\n")
    expect_log(f["server"], r"accepted svc-legacy")


def test_key_registered_with_jwks_option_is_accepted(f):
    r = client(f["server"], f["reports_key"], "svc-reports")
    expect_equal("client output", r.stdout, "HTTP 200\nhello svc-reports\n")
    expect_log(f["server"], r"accepted svc-reports")


def test_encrypted_key_is_read_with_passphrase_from_environment(f):
    env = dict(os.environ, DEMO_KEY_PASSPHRASE="correct horse")
    r = client(f["server"], f["encrypted_key"], "svc-billing", "--passphrase-env", "DEMO_KEY_PASSPHRASE", env=env)
    expect_equal("client output", r.stdout, "HTTP 200\nhello svc-billing\n")
    expect_log(f["server"], r"accepted svc-billing")


def test_encrypted_key_without_passphrase_makes_client_exit_2_naming_the_file(f):
    r = client(f["server"], f["encrypted_key"], "svc-billing")
    expect_equal("client exit status", r.returncode, 2)
    expect_equal("client output (no request was sent)", r.stdout, "")
    if "billing-encrypted.pem" not in r.stderr:
        raise AssertionError(f"the error does not name the key file: {r.stderr!r}")
    expect_equal("new server log lines", f["server"].new_log(), [])


def test_encrypted_key_with_wrong_passphrase_makes_client_exit_2(f):
    env = dict(os.environ, DEMO_KEY_PASSPHRASE="wrong horse")
    r = client(f["server"], f["encrypted_key"], "svc-billing", "--passphrase-env", "DEMO_KEY_PASSPHRASE", env=env)
    expect_equal("client exit status", r.returncode, 2)
    expect_equal("client output (no request was sent)", r.stdout, "")
    expect_equal("new server log lines", f["server"].new_log(), [])


def test_replayed_header_is_refused_with_401(f):
    r = client(f["server"], f["billing_key"], "svc-billing", "--repeat-header")
    expect_equal("client output", r.stdout, "HTTP 200\nhello svc-billing\nHTTP 401\nunauthorized\n")
    expect_equal("client exit status (first accepted, replay refused)", r.returncode, 0)
    # Two connections, two worker threads: the two lines may be written in either order.
    lines = sorted(access_messages(f["server"], 2))
    expect_equal("log line count", len(lines), 2)
    expect_equal("the accepted request's log line", lines[0], "accepted svc-billing")
    if not lines[1].startswith("rejected nonce_replayed: "):
        raise AssertionError(f"the replay's log line is {lines[1]!r}, want 'rejected nonce_replayed: ...'")


def test_token_from_unregistered_key_is_refused_with_401(f):
    r = client(f["server"], f["stranger_key"], "svc-billing")
    expect_equal("client output", r.stdout, "HTTP 401\nunauthorized\n")
    expect_equal("client exit status", r.returncode, 1)
    expect_log(f["server"], r"rejected bad_signature: .+")


def test_token_for_unknown_user_is_refused_with_401(f):
    r = client(f["server"], f["stranger_key"], "svc-nobody")
    expect_equal("client output", r.stdout, "HTTP 401\nunauthorized\n")
    expect_equal("client exit status", r.returncode, 1)
    expect_log(f["server"], r'rejected unknown_user: .*svc-nobody.*')


def test_token_made_five_minutes_ago_is_refused_as_stale(f):
    r = client(f["server"], f["billing_key"], "svc-billing", "--time", str(int(time.time()) - 300))
    expect_equal("client output", r.stdout, "HTTP 401\nunauthorized\n")
    expect_equal("client exit status", r.returncode, 1)
    expect_log(f["server"], r"rejected time_out_of_window: .+")


def test_token_from_the_future_is_refused_as_out_of_window(f):
    r = client(f["server"], f["billing_key"], "svc-billing", "--time", str(int(time.time()) + 300))
    expect_equal("client output", r.stdout, "HTTP 401\nunauthorized\n")
    expect_log(f["server"], r"rejected time_out_of_window: .+")


def test_token_made_by_python_library_is_accepted_by_a_server_not_requiring_binding(f):
    token = python_library_token(f["billing_private"], "svc-billing")
    status, _, body = f["tolerant_server"].get("/whoami", {"Authorization": "JWT " + token})
    expect_equal("status", status, 200)
    expect_equal("body", body, "hello svc-billing\n")
    expect_log(f["tolerant_server"], r"accepted svc-billing")


def test_unbound_token_made_by_python_library_is_refused_by_a_server_requiring_binding(f):
    token = python_library_token(f["billing_private"], "svc-billing")
    status, _, body = f["server"].get("/whoami", {"Authorization": "JWT " + token})
    expect_equal("status", status, 401)
    expect_log(f["server"], r"rejected request_mismatch: .*htm.*missing.*")


def test_token_bound_by_a_python_client_with_hashlib_is_accepted(f):
    token = python_library_token(f["billing_private"], "svc-billing", bind=("GET", f["server"].url, b""))
    status, _, body = f["server"].get("/whoami", {"Authorization": "JWT " + token})
    expect_equal("status", status, 200)
    expect_log(f["server"], r"accepted svc-billing")


def test_each_token_sent_four_times_at_once_is_accepted_exactly_once(f):
    # The server's worker threads share one verifier and nonce store: concurrent replays must not race.
    tokens = [python_library_token(f["billing_private"], "svc-billing", bind=("GET", f["server"].url, b""))
              for _ in range(10)]
    statuses = {t: [] for t in tokens}

    def send(token):
        status, _, _ = f["server"].get("/whoami", {"Authorization": "JWT " + token})
        statuses[token].append(status)  # list.append is atomic in CPython

    threads = [threading.Thread(target=send, args=(t,)) for t in tokens * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for token, got in statuses.items():
        expect_equal("statuses of one token sent 4 times", sorted(got), [200, 401, 401, 401])
    lines = access_messages(f["server"], 40)
    expect_equal("accepted log lines", sum(line == "accepted svc-billing" for line in lines), 10)
    expect_equal("nonce_replayed log lines", sum(line.startswith("rejected nonce_replayed: ") for line in lines), 30)


def test_valid_token_with_bearer_scheme_is_refused_as_wrong_scheme(f):
    token = python_library_token(f["billing_private"], "svc-billing")
    status, headers, body = f["server"].get("/whoami", {"Authorization": "Bearer " + token})
    expect_equal("status", status, 401)
    expect_equal("WWW-Authenticate", headers.get("WWW-Authenticate"), "JWT")
    expect_equal("body", body, "unauthorized\n")
    expect_log(f["server"], r"rejected wrong_scheme: .+")


def test_request_without_authorization_gets_generic_401(f):
    status, headers, body = f["server"].get("/whoami")
    expect_equal("status", status, 401)
    expect_equal("WWW-Authenticate", headers.get("WWW-Authenticate"), "JWT")
    expect_equal("Content-Type", headers.get("Content-Type"), "text/plain")
    expect_equal("body", body, "unauthorized\n")
    # Logged as what it is, not as a malformed header.
    expect_log(f["server"], r"rejected: no Authorization header")


def test_garbage_token_gets_generic_401_and_its_reason_is_logged(f):
    status, _, body = f["server"].get("/whoami", {"Authorization": "JWT not.a.token"})
    expect_equal("status", status, 401)
    expect_equal("body (the reason is not disclosed)", body, "unauthorized\n")
    expect_log(f["server"], r"rejected malformed_token: .+")


def test_client_without_binding_is_refused_by_a_server_requiring_binding_and_accepted_by_one_that_does_not(f):
    r = client(f["server"], f["billing_key"], "svc-billing", "--no-binding")
    expect_equal("client output", r.stdout, "HTTP 401\nunauthorized\n")
    expect_equal("client exit status", r.returncode, 1)
    expect_log(f["server"], r"rejected request_mismatch: .+")
    r = client(f["tolerant_server"], f["billing_key"], "svc-billing", "--no-binding")
    expect_equal("client output (--no-require-binding)", r.stdout, "HTTP 200\nhello svc-billing\n")
    expect_log(f["tolerant_server"], r"accepted svc-billing")


def test_token_made_by_the_cli_for_another_path_is_refused_with_request_mismatch(f):
    server = f["server"]
    other = cli_header(f["billing_key"], "svc-billing", "--method", "GET", "--url", server.base + "/other")
    status, _, body = server.get("/whoami", {"Authorization": other})
    expect_equal("status", status, 401)
    expect_equal("body", body, "unauthorized\n")
    expect_log(server, r"rejected request_mismatch: .*URL.*")
    # The same kind of token made for /whoami is accepted: the path alone made the difference.
    right = cli_header(f["billing_key"], "svc-billing", "--method", "GET", "--url", server.url)
    status, _, _ = server.get("/whoami", {"Authorization": right})
    expect_equal("status of a token for /whoami", status, 200)
    expect_log(server, r"accepted svc-billing")


def test_client_bind_url_of_another_endpoint_is_refused(f):
    r = client(f["server"], f["billing_key"], "svc-billing", "--bind-url", f["server"].base + "/admin")
    expect_equal("client output", r.stdout, "HTTP 401\nunauthorized\n")
    expect_log(f["server"], r"rejected request_mismatch: .+")


def test_token_bound_to_get_is_refused_for_post_and_for_another_query(f):
    server = f["server"]
    token = cli_header(f["billing_key"], "svc-billing", "--method", "GET", "--url", server.url)
    status, _, _ = server.request("POST", "/whoami", {"Authorization": token})
    expect_equal("GET token sent as POST", status, 401)
    expect_log(server, r"rejected request_mismatch: .*method.*")
    token = cli_header(f["billing_key"], "svc-billing", "--method", "GET", "--url", server.url + "?x=1")
    status, _, _ = server.get("/whoami?x=2", {"Authorization": token})
    expect_equal("token for ?x=1 sent with ?x=2", status, 401)
    expect_log(server, r"rejected request_mismatch: .*query.*")
    # The server sees the request target with its query: the same query is accepted.
    token = cli_header(f["billing_key"], "svc-billing", "--method", "GET", "--url", server.url + "?x=1")
    status, _, _ = server.get("/whoami?x=1", {"Authorization": token})
    expect_equal("token for ?x=1 sent with ?x=1", status, 200)
    expect_log(server, r"accepted svc-billing")


def test_post_body_is_bound_and_another_body_is_refused(f):
    server = f["server"]
    body = f["keys"].write_text("body.json", '{"amount": 5}')
    args = ["--method", "POST", "--url", server.url, "--body-file", body]
    status, _, _ = server.request("POST", "/whoami", {"Authorization": cli_header(f["billing_key"], "svc-billing", *args),
                                                      "Content-Type": "application/json"}, b'{"amount": 5}')
    expect_equal("the bound body", status, 200)
    expect_log(server, r"accepted svc-billing")
    status, _, _ = server.request("POST", "/whoami", {"Authorization": cli_header(f["billing_key"], "svc-billing", *args),
                                                      "Content-Type": "application/json"}, b'{"amount": 5000}')
    expect_equal("another body", status, 401)
    expect_log(server, r"rejected request_mismatch: .*body.*")


def test_audience_is_checked_by_the_server(f):
    r = client(f["tolerant_server"], f["billing_key"], "svc-billing", "--audience", "svc-api")
    expect_equal("the server's audience", r.stdout, "HTTP 200\nhello svc-billing\n")
    expect_log(f["tolerant_server"], r"accepted svc-billing")
    r = client(f["tolerant_server"], f["billing_key"], "svc-billing", "--audience", "svc-other")
    expect_equal("another audience", r.stdout, "HTTP 401\nunauthorized\n")
    expect_log(f["tolerant_server"], r"rejected audience_mismatch: .+")
    r = client(f["server"], f["billing_key"], "svc-billing", "--audience", "svc-api")
    expect_equal("aud sent to a server expecting none", r.stdout, "HTTP 401\nunauthorized\n")
    expect_log(f["server"], r"rejected audience_mismatch: .+")


def test_two_servers_sharing_redis_refuse_each_others_replays(f):
    # Replicas behind one load balancer: the same --origin, one Redis. Binding stays required.
    servers = []
    try:
        for _ in range(2):
            servers.append(Server(f["work"], ["--authorized-keys", f["authorized_keys"], "--redis", f["redis_url"](),
                                              "--origin", "http://api.test"]))
        a, b = servers
        for first, second in ((a, b), (b, a)):
            header = cli_header(f["billing_key"], "svc-billing", "--method", "GET", "--url", "http://api.test/whoami")
            status, _, _ = first.get("/whoami", {"Authorization": header})
            expect_equal("first replica", status, 200)
            expect_log(first, r"accepted svc-billing")
            status, _, _ = second.get("/whoami", {"Authorization": header})
            expect_equal("the same header at the other replica", status, 401)
            expect_log(second, r"rejected nonce_replayed: .+")
    finally:
        for server in servers:
            server.stop()


def test_two_servers_with_memory_stores_each_accept_the_same_header(f):
    # What --redis prevents: without it each process remembers only its own nonces.
    servers = []
    try:
        for _ in range(2):
            servers.append(Server(f["work"], ["--authorized-keys", f["authorized_keys"], "--origin", "http://api.test"]))
        header = cli_header(f["billing_key"], "svc-billing", "--method", "GET", "--url", "http://api.test/whoami")
        for server in servers:
            status, _, _ = server.get("/whoami", {"Authorization": header})
            expect_equal("each replica alone", status, 200)
    finally:
        for server in servers:
            server.stop()


def test_server_with_redis_down_refuses_with_nonce_store_unavailable(f):
    server = Server(f["work"], ["--authorized-keys", f["authorized_keys"], "--redis",
                                f"redis://127.0.0.1:{free_port()}"])
    try:
        r = client(server, f["billing_key"], "svc-billing")
        expect_equal("client output", r.stdout, "HTTP 401\nunauthorized\n")
        expect_log(server, r"rejected nonce_store_unavailable: .+")
        if not any(line.startswith("server: warning: Redis does not answer yet: ") for line in server.all_log().splitlines()):
            raise AssertionError(f"no start-up warning about Redis; log: {server.all_log()!r}")
    finally:
        server.stop()


def test_server_with_a_bad_redis_url_or_origin_exits_2(f):
    for args, fragment in ((["--redis", "rediss://127.0.0.1"], "Redis URL"), (["--redis", "redis://h:0"], "Redis URL"),
                           (["--origin", "http://api.test/path"], "--origin"), (["--origin", "api.test"], "--origin"),
                           (["--origin", "ftp://api.test"], "--origin"), (["--audience", ""], "--audience")):
        r = run([example("server"), "--port", "0", "--authorized-keys", f["authorized_keys"], *args])
        expect_equal(f"exit status with {args}", r.returncode, 2)
        expect_equal(f"stdout with {args} (it never listened)", r.stdout, "")
        if fragment not in r.stderr:
            raise AssertionError(f"{args}: the error does not name {fragment}: {r.stderr!r}")


def test_jwks_endpoint_serves_signing_key_jwk_with_python_kid(f):
    status, headers, body = f["server"].get("/.well-known/jwks.json")
    expect_equal("status", status, 200)
    expect_equal("Content-Type", headers.get("Content-Type"), "application/json")
    doc = json.loads(body)
    expect_equal("number of keys", len(doc.get("keys", [])), 1)
    jwk = doc["keys"][0]
    want = p256_jwk(f["signing_private"])
    for member in ("kty", "crv", "x", "y"):
        expect_equal(f"JWK member {member}", jwk.get(member), want[member])
    expect_equal("JWK kid", jwk.get("kid"), python_kid(f["signing_private"]))
    if "d" in jwk:
        raise AssertionError("the JWKS endpoint leaks the private member d")


def test_jwks_endpoint_is_absent_without_signing_key(f):
    status, _, _ = f["tolerant_server"].get("/.well-known/jwks.json")
    expect_equal("status", status, 404)


def test_tolerance_option_widens_the_time_window(f):
    r = client(f["tolerant_server"], f["billing_key"], "svc-billing", "--time", str(int(time.time()) - 300))
    expect_equal("client output with --tolerance 600", r.stdout, "HTTP 200\nhello svc-billing\n")
    expect_log(f["tolerant_server"], r"accepted svc-billing")


def test_server_with_bad_authorized_keys_file_exits_2_naming_it(f):
    bad = f["keys"].write_text("bad_authorized_keys", "svc-billing not-a-key\n")
    r = run([example("server"), "--port", "0", "--authorized-keys", bad])
    expect_equal("exit status", r.returncode, 2)
    if "bad_authorized_keys" not in r.stderr:
        raise AssertionError(f"the error does not name the file: {r.stderr!r}")
    expect_equal("stdout (it never listened)", r.stdout, "")


def test_server_without_any_users_refuses_to_start(f):
    r = run([example("server"), "--port", "0"])
    expect_equal("exit status", r.returncode, 2)


def test_server_exits_1_when_its_port_is_taken(f):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run([example("server"), "--port", str(port), "--authorized-keys", f["authorized_keys"]])
    expect_equal("exit status", r.returncode, 1)
    expect_equal("stdout (it never listened)", r.stdout, "")


def test_client_exits_2_when_nobody_listens(f):
    # A port that was just free: bind, read, close.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = run([example("client"), "--key", f["billing_key"], "--user", "svc-billing",
             "--url", f"http://127.0.0.1:{port}/whoami"])
    expect_equal("exit status", r.returncode, 2)


# A service following another service's published keys (--jwks USER=URL): server A serves its signing keys
# at /.well-known/jwks.json; servers B follow that URL for the user svc.

def start_jwks_followers(f):
    """Starts A (signing key KA) and two followers: B with --jwks-cooldown 1, B30 with the default 30 s."""
    keys = f["keys"]
    f["ka"] = keys.write_private("svc-a.pem", ed25519.Ed25519PrivateKey.generate())
    f["kb"] = keys.write_private("svc-b.pem", ed25519.Ed25519PrivateKey.generate())
    f["jwks_a"] = Server(f["work"], ["--authorized-keys", f["authorized_keys"], "--signing-key", f["ka"]])
    url = f"{f['jwks_a'].base}/.well-known/jwks.json"
    f["jwks_b"] = Server(f["work"], ["--authorized-keys", f["authorized_keys"], "--jwks", f"svc={url}",
                                     "--allow-http-jwks", "--jwks-cooldown", "1"])
    f["jwks_b30"] = Server(f["work"], ["--jwks", f"svc={url}", "--allow-http-jwks"])


def test_server_with_jwks_url_accepts_tokens_signed_with_a_key_the_other_server_publishes(f):
    start_jwks_followers(f)
    for name in ("jwks_b", "jwks_b30"):
        r = client(f[name], f["ka"], "svc")
        expect_equal(f"{name}: client output", r.stdout, "HTTP 200\nhello svc\n")
        expect_log(f[name], r"accepted svc")
    f["jwks_fetched_at"] = time.monotonic()
    # Users from files and users from the URL side by side.
    r = client(f["jwks_b"], f["billing_key"], "svc-billing")
    expect_equal("a user from --authorized-keys", r.stdout, "HTTP 200\nhello svc-billing\n")
    r = client(f["jwks_b"], f["billing_key"], "svc")
    expect_equal("svc signing with a key A does not publish", r.stdout, "HTTP 401\nunauthorized\n")
    expect_log(f["jwks_b"], r"rejected bad_signature: .*")


def test_server_with_jwks_url_skips_an_unusable_key_logs_why_and_uses_the_others(f):
    """RFC 7517 section 5: a key of a fetched JWKS that is out of policy (here a small-order Ed25519 point,
    with which anyone could sign) is ignored, the server's log says which and why, and the document's
    other keys keep working."""
    import http.server
    good = ed25519.Ed25519PrivateKey.generate()
    good_path = f["keys"].write_private("jwks-good.pem", good)
    raw = good.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    document = json.dumps({"keys": [
        {"kty": "OKP", "crv": "Ed25519", "x": b64url(bytes(32)), "kid": "zeros"},
        {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)},
    ]}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args):
            pass

    publisher = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=publisher.serve_forever, daemon=True)
    thread.start()
    server = None
    try:
        url = f"http://127.0.0.1:{publisher.server_address[1]}/jwks.json"
        server = Server(f["work"], ["--jwks", f"svc-pub={url}", "--allow-http-jwks"])
        r = client(server, good_path, "svc-pub")
        expect_equal("client output", r.stdout, "HTTP 200\nhello svc-pub\n")
        line = expect_log(server, r".*JWKS key skipped: .*")
        if "small-order" not in line or "#0" not in line:
            raise AssertionError(f"the skipped key's log line does not say which key and why: {line!r}")
    finally:
        if server:
            server.stop()
        publisher.shutdown()
        publisher.server_close()


def test_server_with_jwks_url_follows_a_key_rotation_without_restart(f):
    if "jwks_fetched_at" not in f:
        raise AssertionError("needs the servers of the previous test")
    a = f["jwks_a"]
    expect_equal("A's exit status", a.stop(), 0)
    f["jwks_a"] = a = Server(f["work"], ["--authorized-keys", f["authorized_keys"], "--signing-key", f["ka"],
                                         "--signing-key", f["kb"]], port=a.port)
    status, _, body = a.get("/.well-known/jwks.json")
    expect_equal("keys A publishes after the restart", (status, len(json.loads(body)["keys"])), (200, 2))
    # B fetched A's document on its first svc token; one second later its cooldown allows the refresh that
    # KB's unknown kid triggers.
    time.sleep(max(0.0, 1.1 - (time.monotonic() - f["jwks_fetched_at"])))
    r = client(f["jwks_b"], f["kb"], "svc")
    expect_equal("B: a KB token after A's rotation", r.stdout, "HTTP 200\nhello svc\n")
    expect_log(f["jwks_b"], r"accepted svc")
    r = client(f["jwks_b"], f["ka"], "svc")
    expect_equal("B: KA still published", r.stdout, "HTTP 200\nhello svc\n")
    # B30 fetched less than 30 s ago: the unknown kid cannot refresh yet, and the token is refused.
    r = client(f["jwks_b30"], f["kb"], "svc")
    expect_equal("B30: a KB token within the cooldown", r.stdout, "HTTP 401\nunauthorized\n")
    expect_log(f["jwks_b30"], r"rejected bad_signature: .*")
    for name in ("jwks_a", "jwks_b", "jwks_b30"):
        expect_equal(f"{name}: exit status", f[name].stop(), 0)


def test_server_with_jwks_url_of_a_server_that_is_down_refuses_with_key_repository_unavailable(f):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/.well-known/jwks.json"
    server = Server(f["work"], ["--jwks", f"svc={url}", "--allow-http-jwks"])
    try:
        r = client(server, f["billing_key"], "svc")
        expect_equal("client output", r.stdout, "HTTP 401\nunauthorized\n")
        expect_log(server, r"rejected key_repository_unavailable: key repository failed: .*" + re.escape(url) + r".*fetch failed.*")
    finally:
        server.stop()


def test_server_with_http_jwks_url_without_allow_http_jwks_or_a_malformed_one_exits_2(f):
    url = "http://127.0.0.1:1/.well-known/jwks.json"
    for args, fragments in ((["--jwks", f"svc={url}"], [url, "--allow-http-jwks"]),
                            (["--jwks", "svc=https://", "--allow-http-jwks"], ["https://", "no host"]),
                            (["--jwks", url], ["USER=URL"]),
                            (["--jwks", f"svc={url}", "--allow-http-jwks", "--jwks-cooldown", "-1"],
                             ["--jwks-cooldown"])):
        r = run([example("server"), "--port", "0", *args])
        expect_equal(f"exit status with {args}", r.returncode, 2)
        expect_equal(f"stdout with {args} (it never listened)", r.stdout, "")
        for fragment in fragments:
            if fragment not in r.stderr:
                raise AssertionError(f"{args}: the error does not name {fragment!r}: {r.stderr!r}")


def test_keys_demo_signs_and_verifies_every_key_type(f):
    r = run([example("keys_demo")])
    expect_equal("exit status", r.returncode, 0)
    for kind in ("rsa", "ed25519", "ec-p256"):
        if f"=== {kind} ===" not in r.stdout:
            raise AssertionError(f"keys_demo shows no {kind} key")
    expect_equal("verified tokens", r.stdout.count("verified: payload"), 3)
    expect_equal("refused tampered copies", r.stdout.count("tampered copy refused: bad_signature"), 3)


def test_custom_nonce_store_example_behaves(f):
    r = run([example("custom_nonce_store")])
    expect_equal("exit status", r.returncode, 0)
    if "FAILED" in r.stdout:
        raise AssertionError(r.stdout)


def test_demo_script_succeeds(f):
    cli = os.environ.get("AJWT_CLI", "")
    if not cli or not os.access(cli, os.X_OK):
        raise AssertionError(f"the ajwt tool is needed by examples/demo.sh but is not built (AJWT_CLI={cli!r})")
    r = run(["bash", os.path.join(SOURCE_DIR, "examples", "demo.sh"), BUILD_DIR])
    if r.returncode != 0:
        raise AssertionError(f"demo.sh exit status {r.returncode}\n{r.stdout}{r.stderr}")
    # Six steps, plus the key database's two (a key added, then revoked, live) when the server has --keys-db.
    with_db = "--keys-db" in run([example("server"), "--help"]).stdout
    expect_equal("PASS marks", r.stdout.count("[PASS]"), 8 if with_db else 6)
    expect_equal("FAIL marks", r.stdout.count("[FAIL]"), 0)
    if with_db and "A key added to the key database while the server runs is accepted" not in r.stdout:
        raise AssertionError(f"demo.sh did not show the key database steps:\n{r.stdout}")


def test_server_with_keys_db_follows_adds_and_removals_live_and_records_last_used(f):
    """--keys-db: a key added with `ajwt keys add` while the server runs is accepted, its last-used time is
    written (at the latest when the server stops), and once removed it is refused, with no restart."""
    if "--keys-db" not in run([example("server"), "--help"]).stdout:
        raise AssertionError("the example server was built without --keys-db (ajwt::sqlite not found)")
    db = "sqlite://" + os.path.join(f["work"], f"keys-{secrets.token_hex(4)}.db")
    ajwt = cli()
    expect_equal("keys list on a new database", run([ajwt, "keys", "list", "--db", db]).returncode, 0)
    server = Server(f["work"], ["--keys-db", db])
    try:
        status, _, body = server.get("/healthz")
        expect_equal("/healthz with the key database up", (status, body.strip()), (200, "ok"))
        r = client(server, f["billing_key"], "svc-db")
        expect_equal("client output before the key is added", r.stdout, "HTTP 401\nunauthorized\n")
        expect_log(server, r"rejected unknown_user: .*")
        added = run([ajwt, "keys", "add", "--db", db, "svc-db", f["billing_key"], "--comment", "live"])
        expect_equal("keys add exit status", added.returncode, 0)
        kid = added.stdout.strip()
        deadline = time.monotonic() + 1.5  # changes reach a running server within a second
        while True:
            r = client(server, f["billing_key"], "svc-db")
            if r.stdout == "HTTP 200\nhello svc-db\n" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        expect_equal("client output once the key is added", r.stdout, "HTTP 200\nhello svc-db\n")
        expect_equal("keys remove exit status", run([ajwt, "keys", "remove", "--db", db, "svc-db", kid]).returncode, 0)
        deadline = time.monotonic() + 1.5
        while True:
            r = client(server, f["billing_key"], "svc-db")
            if r.stdout == "HTTP 401\nunauthorized\n" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        expect_equal("client output once the key is removed", r.stdout, "HTTP 401\nunauthorized\n")
        # Added again (a new row, never used) and used once: its last-used time is flushed on SIGTERM.
        expect_equal("keys add again", run([ajwt, "keys", "add", "--db", db, "svc-db", f["billing_key"]]).returncode, 0)
        deadline = time.monotonic() + 1.5
        while True:
            r = client(server, f["billing_key"], "svc-db")
            if r.stdout == "HTTP 200\nhello svc-db\n" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        expect_equal("client output after the key is added again", r.stdout, "HTTP 200\nhello svc-db\n")
    finally:
        expect_equal("server exit status on SIGTERM", server.stop(), 0)
    listed = json.loads(run([ajwt, "keys", "list", "--db", db, "--json"]).stdout)
    keys = [k for k in listed if k.get("kind") == "key" and k["username"] == "svc-db"]
    expect_equal("keys of svc-db", len(keys), 1)
    if keys[0]["last_used"] is None:
        raise AssertionError(f"the server did not record when the key was last used: {keys[0]!r}")


# --- The example server as a starting point for a real service: flags, /healthz, the access log, SIGHUP,
# the exclusive bind, draining on SIGTERM; beast_server.

def test_server_client_and_beast_server_print_their_help(f):
    for program, fragments in (("server", ["--listen", "--authorized-keys", "--jwks", "--redis", "--backlog", "SIGHUP"]),
                               ("client", ["--key", "--user", "--url", "--bind-url", "--passphrase-env"]),
                               ("beast_server", ["--port", "--authorized-keys"])):
        r = run([example(program), "--help"])
        expect_equal(f"{program} --help exit status", r.returncode, 0)
        for fragment in fragments:
            if fragment not in r.stdout:
                raise AssertionError(f"{program} --help does not mention {fragment}: {r.stdout!r}")
        r = run([example(program), "--no-such-option"])
        expect_equal(f"{program} with an unknown option: exit status", r.returncode, 2)


def test_server_with_a_bad_listen_address_exits_2(f):
    for value in ("127.0.0.1", "[::1]8080", ":8080", "127.0.0.1:65536", "127.0.0.1:x", "::1:8080"):
        r = run([example("server"), "--listen", value, "--authorized-keys", f["authorized_keys"]])
        expect_equal(f"exit status with --listen {value}", r.returncode, 2)
        if "--listen" not in r.stderr:
            raise AssertionError(f"--listen {value}: the error does not name --listen: {r.stderr!r}")
    r = run([example("server"), "--listen", "127.0.0.1:0", "--port", "0", "--authorized-keys", f["authorized_keys"]])
    expect_equal("exit status with both --listen and --port", r.returncode, 2)


def test_server_listens_where_listen_says_on_ipv4_and_ipv6(f):
    port = free_port()
    server = Server(f["work"], ["--listen", f"127.0.0.1:{port}", "--authorized-keys", f["authorized_keys"]])
    try:
        expect_equal("announced port", server.port, port)
        r = client(server, f["billing_key"], "svc-billing")
        expect_equal("client output", r.stdout, "HTTP 200\nhello svc-billing\n")
    finally:
        server.stop()
    server = Server(f["work"], ["--listen", "[::1]:0", "--authorized-keys", f["authorized_keys"]])
    try:
        expect_equal("announced base", server.base, f"http://[::1]:{server.port}")
        token = python_library_token(f["billing_private"], "svc-billing", bind=("GET", server.url, b""))
        status, _, body = server.get("/whoami", {"Authorization": "JWT " + token})
        expect_equal("status over IPv6", (status, body), (200, "hello svc-billing\n"))
        line = expect_log(server, r"accepted svc-billing")
        if not re.fullmatch(r"\S+ \[::1\]:\d+ GET /whoami 200 accepted svc-billing", line):
            raise AssertionError(f"IPv6 access log line: {line!r}")
        r = client(server, f["billing_key"], "svc-billing")  # the client takes [::1] URLs too
        expect_equal("client output over IPv6", r.stdout, "HTTP 200\nhello svc-billing\n")
    finally:
        server.stop()


def test_second_server_on_the_same_address_exits_1_instead_of_sharing_it(f):
    first = Server(f["work"], ["--authorized-keys", f["authorized_keys"]])
    try:
        r = run([example("server"), "--port", str(first.port), "--authorized-keys", f["authorized_keys"]])
        expect_equal("exit status of the second server", r.returncode, 1)
        expect_equal("its stdout (it never listened)", r.stdout, "")
        if f"127.0.0.1:{first.port}" not in r.stderr:
            raise AssertionError(f"the error does not name the address: {r.stderr!r}")
        status, _, _ = first.get("/healthz")
        expect_equal("the first server still answers", status, 200)
    finally:
        first.stop()


def test_access_log_lines_carry_utc_time_client_method_path_status_and_user_or_reason(f):
    server = f["tolerant_server"]
    before = time.time()
    r = client(server, f["billing_key"], "svc-billing")
    expect_equal("client output", r.stdout, "HTTP 200\nhello svc-billing\n")
    line = expect_log(server, r"accepted svc-billing")
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) 127\.0\.0\.1:(\d+) GET /whoami 200 accepted svc-billing", line)
    if not m:
        raise AssertionError(f"access log line {line!r}")
    logged = time.mktime(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    if not before - 2 <= logged <= time.time() + 2:
        raise AssertionError(f"the logged time {m.group(1)} is not now in UTC")
    # A rejection: its reason; the query string (it may hold secrets) is not logged.
    status, _, _ = server.get("/whoami?secret=hunter2", {"Authorization": "JWT not.a.token"})
    expect_equal("status", status, 401)
    line = expect_log(server, r"rejected malformed_token: .+")
    if not re.fullmatch(r"\S+ 127\.0\.0\.1:\d+ GET /whoami 401 rejected malformed_token: .+", line) or "hunter2" in line:
        raise AssertionError(f"access log line {line!r}")
    # No header at all: said so, and never as malformed_header.
    status, _, _ = server.request("POST", "/whoami", body=b"x")
    expect_equal("status", status, 401)
    line = expect_log(server, r"rejected: no Authorization header")
    if not re.fullmatch(r"\S+ 127\.0\.0\.1:\d+ POST /whoami 401 rejected: no Authorization header", line):
        raise AssertionError(f"access log line {line!r}")
    # Requests that need no token are logged too; a crafted path cannot forge a line.
    status, _, _ = server.get("/nothing%0aaccepted%20admin")
    expect_equal("status", status, 404)
    line = expect_log(server, r"-")
    if not re.fullmatch(r"\S+ 127\.0\.0\.1:\d+ GET /nothing%0Aaccepted%20admin 404 -", line):
        raise AssertionError(f"access log line {line!r}")


def test_healthz_is_200_ok_without_a_token_when_everything_answers(f):
    status, headers, body = f["server"].get("/healthz")
    expect_equal("status and body", (status, body), (200, "ok\n"))
    expect_log(f["server"], r"-")


def test_healthz_is_503_naming_the_nonce_store_when_redis_is_down(f):
    server = Server(f["work"], ["--authorized-keys", f["authorized_keys"], "--redis", f"redis://127.0.0.1:{free_port()}"])
    try:
        status, _, body = server.get("/healthz")
        expect_equal("status and body", (status, body), (503, "unavailable: nonce store (redis)\n"))
        expect_log(server, r"unavailable: nonce store \(redis\): .+")
    finally:
        server.stop()
    # The same server with a Redis that answers is healthy.
    server = Server(f["work"], ["--authorized-keys", f["authorized_keys"], "--redis", f["redis_url"]()])
    try:
        status, _, body = server.get("/healthz")
        expect_equal("status and body with Redis up", (status, body), (200, "ok\n"))
    finally:
        server.stop()


def test_healthz_is_503_naming_the_key_source_when_a_jwks_url_is_down(f):
    url = f"http://127.0.0.1:{free_port()}/.well-known/jwks.json"
    server = Server(f["work"], ["--authorized-keys", f["authorized_keys"], "--jwks", f"svc={url}", "--allow-http-jwks"])
    try:
        status, _, body = server.get("/healthz")
        expect_equal("status and body", (status, body), (503, "unavailable: key source (JWKS URLs)\n"))
        expect_log(server, r"unavailable: key source \(JWKS URLs\): .*" + re.escape(url) + ".*")
    finally:
        server.stop()


def test_sighup_reloads_the_authorized_keys_file_without_dropping_requests(f):
    keys = f["keys"]
    newcomer = ed25519.Ed25519PrivateKey.generate()
    newcomer_file = keys.write_private("newcomer.pem", newcomer)
    path = keys.write_text("reloaded_keys", f"svc-billing {openssh_line(f['billing_private'])}\n")
    server = Server(f["work"], ["--authorized-keys", path])
    try:
        r = client(server, newcomer_file, "svc-new")
        expect_equal("a user the file does not hold yet", r.stdout, "HTTP 401\nunauthorized\n")
        expect_log(server, r"rejected unknown_user: .*svc-new.*")
        with open(path, "a") as out:
            out.write(f"svc-new {openssh_line(newcomer)}\n")
        # Requests flow on four threads while the server reloads ten times: none may fail.
        failures, sent, stop = [], [0], threading.Event()

        def traffic():
            while not stop.is_set():
                token = python_library_token(f["billing_private"], "svc-billing", bind=("GET", server.url, b""))
                try:
                    status, _, _ = server.get("/whoami", {"Authorization": "JWT " + token})
                except OSError as e:
                    status = repr(e)
                sent[0] += 1
                if status != 200:
                    failures.append(status)

        threads = [threading.Thread(target=traffic) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            for _ in range(10):
                server.proc.send_signal(signal.SIGHUP)
                time.sleep(0.05)
        finally:
            stop.set()
            for t in threads:
                t.join()
        expect_equal("requests refused or dropped during the reloads", failures, [])
        if sent[0] < 10:
            raise AssertionError(f"only {sent[0]} requests were sent during the reloads")
        expect_log(server, r"\S+ server: reloaded key files")
        r = client(server, newcomer_file, "svc-new")
        expect_equal("the user added to the file, after SIGHUP", r.stdout, "HTTP 200\nhello svc-new\n")
        # A file that no longer parses: the reload is refused and the keys read before stay.
        with open(path, "a") as out:
            out.write("svc-broken not-a-key\n")
        server.proc.send_signal(signal.SIGHUP)
        expect_log(server, r"\S+ server: reload of key files failed, keeping the keys read before: .*reloaded_keys:3.*")
        r = client(server, newcomer_file, "svc-new")
        expect_equal("after a failed reload", r.stdout, "HTTP 200\nhello svc-new\n")
    finally:
        expect_equal("exit status", server.stop(), 0)


def test_sigterm_lets_the_request_in_progress_finish_then_stops(f):
    server = Server(f["work"], ["--authorized-keys", f["authorized_keys"]])
    try:
        body = b'{"amount": 42}'
        token = python_library_token(f["billing_private"], "svc-billing", bind=("POST", server.url, body))
        head = (f"POST /whoami HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: JWT {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(head.encode() + body[:5])
            time.sleep(0.3)  # the server is reading the body
            server.proc.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            if server.proc.poll() is not None:
                raise AssertionError("the server exited with a request in progress")
            s.sendall(body[5:])
            answer = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
        if not answer.startswith(b"HTTP/1.1 200") or not answer.endswith(b"hello svc-billing\n"):
            raise AssertionError(f"the request in progress got {answer!r}")
        expect_equal("exit status", server.proc.wait(timeout=10), 0)
        with socket.socket() as s:  # and nothing listens any more
            if s.connect_ex(("127.0.0.1", server.port)) == 0:
                raise AssertionError("the port still accepts connections after SIGTERM")
    finally:
        server.stop()


def test_beast_server_accepts_a_bound_token_and_refuses_the_rest(f):
    server = Server(f["work"], ["--authorized-keys", f["authorized_keys"]], program="beast_server")
    try:
        r = client(server, f["billing_key"], "svc-billing")
        expect_equal("client output", r.stdout, "HTTP 200\nhello svc-billing\n")
        expect_log(server, r"accepted svc-billing")
        r = client(server, f["billing_key"], "svc-billing", "--bind-url", server.base + "/admin")
        expect_equal("a token for another endpoint", r.stdout, "HTTP 401\nunauthorized\n")
        expect_log(server, r"rejected request_mismatch: .+")
        status, headers, body = server.get("/whoami")
        expect_equal("no header", (status, headers.get("WWW-Authenticate"), body), (401, "JWT", "unauthorized\n"))
        body = b"payload"
        token = python_library_token(f["billing_private"], "svc-billing", bind=("POST", server.url, body))
        status, _, _ = server.request("POST", "/whoami", {"Authorization": "JWT " + token}, body=b"other")
        expect_equal("POST with another body", status, 401)
    finally:
        expect_equal("beast_server exit status after SIGTERM", server.stop(), 0)


def test_readme_curl_example_is_accepted_by_the_example_server(f):
    # The README's two lines (url=..., curl ...), run as written with the server's real port for 8080.
    with open(os.path.join(SOURCE_DIR, "README.md")) as readme:
        lines = readme.read().splitlines()
    at = next((i for i, line in enumerate(lines) if line.startswith('curl -H "Authorization: $(ajwt header')), None)
    if at is None or not lines[at - 1].startswith("url="):
        raise AssertionError("README.md has no `url=...` line followed by the `curl -H ...ajwt header...` example")
    port = free_port()
    server = Server(f["work"], ["--listen", f"127.0.0.1:{port}", "--authorized-keys", f["authorized_keys"]])
    try:
        script = "\n".join(lines[at - 1:at + 1]).replace("127.0.0.1:8080", f"127.0.0.1:{port}")
        bindir = os.path.join(f["work"], "bin")
        os.makedirs(bindir, exist_ok=True)
        if not os.path.exists(os.path.join(bindir, "ajwt")):
            os.symlink(cli(), os.path.join(bindir, "ajwt"))
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""), NO_PROXY="*", no_proxy="*")
        cwd = os.path.join(f["work"], "readme")  # the README's key file name, client.pem
        os.makedirs(cwd, exist_ok=True)
        shutil.copy(f["billing_key"], os.path.join(cwd, "client.pem"))
        r = subprocess.run(["bash", "-ec", script], cwd=cwd, env=env,
                           capture_output=True, text=True, timeout=TIMEOUT)
        expect_equal("curl output", (r.returncode, r.stdout), (0, "hello svc-billing\n"))
        expect_log(server, r"accepted svc-billing")
    finally:
        server.stop()


def test_server_exits_0_on_sigterm(f):
    expect_equal("exit status after SIGTERM", f["server"].stop(signal.SIGTERM), 0)


def test_server_exits_0_on_sigint(f):
    expect_equal("exit status after SIGINT", f["tolerant_server"].stop(signal.SIGINT), 0)


# ----------------------------------------------------------------------------------------------------------

def make_fixture(work, f):
    """Fills `f` step by step, so the servers already started are stopped even if a later step fails."""
    keys = Keys(work)
    billing = ed25519.Ed25519PrivateKey.generate()
    legacy = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    reports = ec.generate_private_key(ec.SECP256R1())
    stranger = ed25519.Ed25519PrivateKey.generate()
    signing = ec.generate_private_key(ec.SECP256R1())
    f.update({
        "work": work,
        "keys": keys,
        "billing_private": billing,
        "signing_private": signing,
        "billing_key": keys.write_private("billing.pem", billing),
        "encrypted_key": keys.write_private("billing-encrypted.pem", billing, passphrase="correct horse"),
        "legacy_key": keys.write_private("legacy.pem", legacy),
        "reports_key": keys.write_private("reports.pem", reports),
        "stranger_key": keys.write_private("stranger.pem", stranger),
    })
    f["authorized_keys"] = authorized = keys.write_text("authorized_keys", "# users of the test server\n"
                                 f"svc-billing {openssh_line(billing)}\n"
                                 f"svc-legacy {openssh_line(legacy)} legacy@example\n")
    reports_jwks = keys.write_text("reports.jwks", json.dumps({"keys": [p256_jwk(reports)]}))
    signing_key = keys.write_private("signing.pem", signing)
    f["server"] = Server(work, ["--authorized-keys", authorized, "--jwks", f"svc-reports={reports_jwks}",
                                "--signing-key", signing_key])
    # Accepts unbound tokens (clients of the original Python library) and answers to the audience svc-api.
    f["tolerant_server"] = Server(work, ["--authorized-keys", authorized, "--tolerance", "600",
                                         "--no-require-binding", "--audience", "svc-api"])

    def redis_url():
        if "redis" not in f:
            url = os.environ.get("AJWT_TEST_REDIS_URL", "")
            f["redis"] = url or PrivateRedis(work)
        return f["redis"] if isinstance(f["redis"], str) else f["redis"].url

    f["redis_url"] = redis_url


def main():
    if not BUILD_DIR:
        print("FAIL: AJWT_BUILD_DIR is not set (run through CTest, or set it to the build directory)")
        return 1
    tests = [(name, fn) for name, fn in globals().items() if name.startswith("test_") and callable(fn)]
    passed = failed = 0
    work = tempfile.mkdtemp(prefix="ajwt-examples-test.")
    fixture = {}
    try:
        try:
            make_fixture(work, fixture)
        except Exception as e:  # noqa: BLE001 - every test fails with the reason
            print(f"FAIL: cannot start the example servers: {e}")
            return 1
        for name, fn in tests:  # definition order: the SIGTERM/SIGINT tests stop the servers last
            title = name[len("test_"):].replace("_", " ")
            try:
                fn(fixture)
                print(f"PASS: {title}")
                passed += 1
            except Exception as e:  # noqa: BLE001 - a crash in a test is that test's failure
                print(f"FAIL: {title}: {e}")
                if not isinstance(e, AssertionError):
                    traceback.print_exc()
                failed += 1
    finally:
        for value in fixture.values():
            if isinstance(value, Server):
                value.stop()
        if isinstance(fixture.get("redis"), PrivateRedis):
            fixture["redis"].stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
