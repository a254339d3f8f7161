#!/usr/bin/python3
"""Tests of `ajwt verify --jwks USER=URL`: keys fetched from a JWKS URL (ajwt::jwks_url_key_repository over
ajwt::curl_fetcher), alone and combined with keys from files, for other users or the same ones.

A JWKS server runs in this process (Python's http.server on 127.0.0.1, port 0, in a thread); each test
publishes there, under a path of its own, documents made by `ajwt jwks KEY.pub` from keys made by
`ajwt keygen`, and counts the fetches. Checked: a published key is accepted; a rotation (A, then A+B) is
followed by the next process; a kid the document lacks is rejected bad_signature (docs/jwks.md: after the
refresh the current keys are served and the verifier rejects); a failing URL (HTTP 500, nothing listening,
a malformed document, a timeout) rejects that user's headers as key_repository_unavailable, with the fetch error in the
-v detail; http:// without --allow-http-jwks and malformed USER=URL values are usage errors (exit 2, nothing
on stdout, nothing fetched).

Environment (set by CTest): AJWT_CLI, the built tool (required: this test fails without it, and fails when
the tool was built without libcurl). Run with Debian's /usr/bin/python3. Prints "N passed, N failed" and
exits 1 on any failure.
"""
import http.server
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import traceback

CLI = os.environ.get("AJWT_CLI", "")
TESTS = []

# libcurl reads proxy settings from the environment: loopback fetches must never go through a proxy.
CHILD_ENV = dict(os.environ, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")


def test(fn):
    """Registers a test; its name, with underscores as spaces, reads as the sentence it checks."""
    TESTS.append(fn)
    return fn


class Result:
    def __init__(self, rc, out, err, seconds=0.0):
        self.rc, self.out, self.err, self.seconds = rc, out, err, seconds

    def __repr__(self):
        return "exit %d\n--- stdout:\n%s--- stderr:\n%s" % (self.rc, self.out[:2000], self.err[:2000])


def run(*args, input=None, timeout=60):
    """Runs the tool; returns Result with text stdout/stderr and the wall time it took."""
    started = time.monotonic()
    proc = subprocess.run([CLI, *[str(a) for a in args]], input=input.encode() if input is not None else None,
                          stdin=None if input is not None else subprocess.DEVNULL, capture_output=True,
                          env=CHILD_ENV, timeout=timeout)
    return Result(proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"),
                  time.monotonic() - started)


def expect(condition, message, result=None):
    if not condition:
        raise AssertionError(message + ("\n" + repr(result) if result is not None else ""))


def expect_ok(r, what):
    expect(r.rc == 0, what + ": expected exit 0", r)


def expect_usage_error(r, *fragments, from_tool=True):
    """Exit 2, nothing on stdout, and each fragment on stderr; `from_tool`: the tool's own "ajwt: ..."
    message rather than one of the option parser's."""
    expect(r.rc == 2, "expected exit 2", r)
    expect(r.out == "", "expected nothing on stdout", r)
    if from_tool:
        expect(r.err.startswith("ajwt: "), "expected the message to start with 'ajwt: '", r)
    for f in fragments:
        expect(f in r.err, "expected %r in stderr" % f, r)


# ---------------------------------------------------------------------------------------------------------
# The JWKS server and the keys, made once for the whole file.

class JwksServer:
    """Serves, per path, a configured answer (status, body, extra delay) and counts the GETs of each path."""

    def __init__(self):
        self.lock = threading.Lock()
        self.routes = {}
        self.hits = {}
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with server.lock:
                    server.hits[self.path] = server.hits.get(self.path, 0) + 1
                    status, body, delay = server.routes.get(self.path, (404, b"not found\n", 0.0))
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def new_path(self):
        """A path no test used yet, so each test counts only its own fetches."""
        return "/%s/jwks.json" % secrets.token_hex(6)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def serve(self, path, status, body, delay=0.0):
        with self.lock:
            self.routes[path] = (status, body.encode() if isinstance(body, str) else body, delay)

    def publish(self, path, *key_files):
        """Serves, with status 200, the document `ajwt jwks KEY...` prints for these keys."""
        r = run("jwks", *key_files)
        expect_ok(r, "ajwt jwks")
        self.serve(path, 200, r.out)

    def fetches(self, path):
        with self.lock:
            return self.hits.get(path, 0)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Fixture:
    pass


F = Fixture()


def setup(tmp):
    F.dir = tmp
    # a and c are Ed25519 (c is never published, so its tokens name a kid no document holds); b is P-256.
    for name, kind in (("a", "ed25519"), ("b", "ec-p256"), ("c", "ed25519"), ("d", "ed25519")):
        path = os.path.join(tmp, name)
        expect_ok(run("keygen", "--type", kind, "--out", path), "keygen --type " + kind)
        setattr(F, name, path)
    F.jwks = JwksServer()


def header_line(key, user="alice"):
    r = run("header", "--key", key, "--user", user)
    expect_ok(r, "header")
    lines = r.out.splitlines()
    expect(len(lines) == 1, "expected one header line", r)
    return lines[0]


def published(*key_files):
    """A fresh path serving the keys' JWKS document; returns (path, url)."""
    path = F.jwks.new_path()
    F.jwks.publish(path, *[k + ".pub" for k in key_files])
    return path, F.jwks.url(path)


def verify_url(user_url, *args, input=None):
    """`ajwt verify --jwks USER=URL --allow-http-jwks -v ...`."""
    return run("verify", "--jwks", user_url, "--allow-http-jwks", "-v", *args, input=input)


# ---------------------------------------------------------------------------------------------------------
# Keys from a URL

@test
def a_header_piped_from_ajwt_header_verifies_against_the_key_published_at_the_url():
    path, url = published(F.a)
    header = subprocess.Popen([CLI, "header", "--key", F.a, "--user", "alice"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, env=CHILD_ENV)
    verify = subprocess.run([CLI, "verify", "--jwks", "alice=" + url, "--allow-http-jwks"], stdin=header.stdout,
                            capture_output=True, env=CHILD_ENV, timeout=60)
    header.stdout.close()
    expect(header.wait(timeout=60) == 0, "ajwt header failed")
    r = Result(verify.returncode, verify.stdout.decode(), verify.stderr.decode())
    expect(r.rc == 0 and r.out == "ok alice\n" and r.err == "", "expected ok alice", r)
    expect(F.jwks.fetches(path) == 1, "expected one fetch, got %d" % F.jwks.fetches(path))


@test
def the_document_is_fetched_once_for_several_headers_of_one_run():
    path, url = published(F.a)
    lines = [header_line(F.a) for _ in range(3)]
    r = verify_url("alice=" + url, input="\n".join(lines) + "\n")
    expect(r.rc == 0 and r.out == "ok alice\n" * 3, "three headers accepted", r)
    expect(F.jwks.fetches(path) == 1, "expected one fetch, got %d" % F.jwks.fetches(path))


@test
def nothing_is_fetched_for_a_run_without_a_header_of_that_user():
    path, url = published(F.a)
    r = run("verify", "--jwks", "alice=" + url, "--allow-http-jwks", "--user-key", "bob=" + F.d + ".pub",
            header_line(F.d, "bob"))
    expect(r.rc == 0 and r.out == "ok bob\n", "bob's key comes from a file", r)
    expect(F.jwks.fetches(path) == 0, "alice's URL was fetched %d times" % F.jwks.fetches(path))


@test
def the_keys_belong_to_the_named_user_only():
    _, url = published(F.a)
    r = verify_url("alice=" + url, header_line(F.a, "bob"))
    expect(r.rc == 1 and r.out == "rejected unknown_user\n", "bob has no keys", r)


@test
def a_rotation_published_between_runs_is_followed_by_the_next_run():
    path, url = published(F.a)
    r = verify_url("alice=" + url, header_line(F.a))
    expect(r.rc == 0 and r.out == "ok alice\n", "key A while only A is published", r)
    # B is a P-256 key: before it is published, no key of alice allows its ES256.
    r = verify_url("alice=" + url, header_line(F.b))
    expect(r.rc == 1 and r.out == "rejected unsupported_algorithm\n", "key B before it is published", r)
    F.jwks.publish(path, F.a + ".pub", F.b + ".pub")
    r = verify_url("alice=" + url, header_line(F.b), header_line(F.a))
    expect(r.rc == 0 and r.out == "ok alice\nok alice\n", "keys B and A once both are published", r)
    # A withdrawn: no Ed25519 key of alice remains, so none allows A's EdDSA.
    F.jwks.publish(path, F.b + ".pub")
    r = verify_url("alice=" + url, header_line(F.b), header_line(F.a))
    expect(r.rc == 1 and r.out == "ok alice\nrejected unsupported_algorithm\n", "key A once withdrawn", r)


@test
def a_user_with_two_urls_holds_the_keys_of_both():
    _, url_a = published(F.a)
    _, url_b = published(F.b)
    r = run("verify", "--jwks", "alice=" + url_a, "--jwks", "alice=" + url_b, "--allow-http-jwks",
            header_line(F.a), header_line(F.b))
    expect(r.rc == 0 and r.out == "ok alice\nok alice\n", "the union of two documents", r)


@test
def a_token_whose_kid_the_document_lacks_is_rejected_bad_signature_after_one_refresh():
    # docs/jwks.md: an unknown kid triggers a refresh; if the refreshed document still lacks the kid, the
    # current keys are served and the verifier rejects the token (bad_signature).
    path, url = published(F.a)
    r = verify_url("alice=" + url, header_line(F.c))
    expect(r.rc == 1 and r.out == "rejected bad_signature\n", "key C is published nowhere", r)
    expect(F.jwks.fetches(path) == 1, "expected one fetch, got %d" % F.jwks.fetches(path))


@test
def an_unknown_kid_right_after_a_fetch_waits_for_the_refresh_cooldown():
    # The first header fetched the document; within refresh_cooldown (30 s) the unknown kid of the second
    # costs the JWKS server nothing more, even though C has been published meanwhile.
    path, url = published(F.a)
    lines = [header_line(F.a), header_line(F.c)]
    proc = subprocess.Popen([CLI, "verify", "--jwks", "alice=" + url, "--allow-http-jwks"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=CHILD_ENV)
    proc.stdin.write((lines[0] + "\n").encode())
    proc.stdin.flush()
    deadline = time.monotonic() + 20
    while F.jwks.fetches(path) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    F.jwks.publish(path, F.a + ".pub", F.c + ".pub")
    out, err = proc.communicate((lines[1] + "\n").encode(), timeout=60)
    r = Result(proc.returncode, out.decode(), err.decode())
    expect(r.rc == 1 and r.out == "ok alice\nrejected bad_signature\n", "C within the cooldown", r)
    expect(F.jwks.fetches(path) == 1, "expected one fetch, got %d" % F.jwks.fetches(path))


# ---------------------------------------------------------------------------------------------------------
# A URL that cannot be used: that user's headers are rejected key_repository_unavailable, the fetch error in the detail

@test
def a_url_answering_500_rejects_the_user_key_repository_unavailable_naming_the_url_and_status():
    path = F.jwks.new_path()
    F.jwks.serve(path, 500, "oops\n")
    url = F.jwks.url(path)
    r = verify_url("alice=" + url, header_line(F.a))
    expect(r.rc == 1 and r.out == "rejected key_repository_unavailable\n", "HTTP 500", r)
    expect(url in r.err and "HTTP status 500" in r.err, "the detail names the URL and the status", r)
    r = run("verify", "--jwks", "alice=" + url, "--allow-http-jwks", header_line(F.a))
    expect(r.rc == 1 and r.out == "rejected key_repository_unavailable\n" and r.err == "", "without -v, stderr is empty", r)


@test
def a_url_nobody_listens_on_rejects_the_user_key_repository_unavailable():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = "http://127.0.0.1:%d/jwks.json" % port
    r = verify_url("alice=" + url, header_line(F.a))
    expect(r.rc == 1 and r.out == "rejected key_repository_unavailable\n", "nothing listening", r)
    expect(url in r.err and "fetch failed" in r.err, "the detail names the URL and the fetch error", r)


@test
def a_malformed_document_rejects_the_user_key_repository_unavailable():
    path = F.jwks.new_path()
    F.jwks.serve(path, 200, '{"keys": [')
    r = verify_url("alice=" + F.jwks.url(path), header_line(F.a))
    expect(r.rc == 1 and r.out == "rejected key_repository_unavailable\n", "malformed JSON", r)
    expect(F.jwks.url(path) in r.err, "the detail names the URL", r)


@test
def jwks_timeout_bounds_a_slow_fetch():
    path = F.jwks.new_path()
    F.jwks.serve(path, 200, run("jwks", F.a + ".pub").out, delay=3.0)
    r = verify_url("alice=" + F.jwks.url(path), "--jwks-timeout", "300", header_line(F.a))
    expect(r.rc == 1 and r.out == "rejected key_repository_unavailable\n", "a fetch slower than --jwks-timeout", r)
    expect(r.seconds < 2.5, "verify took %.1f s with --jwks-timeout 300" % r.seconds, r)
    expect("fetch failed" in r.err, "the detail names the fetch error", r)
    r = verify_url("alice=" + F.jwks.url(path), "--jwks-timeout", "0", header_line(F.a))
    expect_usage_error(r, "--jwks-timeout", from_tool=False)


@test
def a_failing_url_rejects_only_its_own_user():
    path = F.jwks.new_path()
    F.jwks.serve(path, 500, "")
    _, good = published(F.d)
    r = run("verify", "--allow-http-jwks", "--jwks", "alice=" + F.jwks.url(path), "--jwks", "bob=" + good,
            header_line(F.a), header_line(F.d, "bob"))
    expect(r.rc == 1 and r.out == "rejected key_repository_unavailable\nok bob\n", "alice fails, bob passes", r)


# ---------------------------------------------------------------------------------------------------------
# URLs combined with key files

@test
def url_and_file_sources_combine_for_other_users_and_for_the_same_user():
    path, url = published(F.a)
    doc = os.path.join(F.dir, "d.jwks")
    with open(doc, "w") as f:
        f.write(run("jwks", F.d + ".pub").out)
    r = run("verify", "--allow-http-jwks", "--jwks", "alice=" + url, "--user-key", "alice=" + F.b + ".pub",
            "--jwks", "carol=" + doc, "--user-key", "bob=" + F.c + ".pub",
            header_line(F.a), header_line(F.b), header_line(F.d, "carol"), header_line(F.c, "bob"))
    expect(r.rc == 0 and r.out == "ok alice\nok alice\nok carol\nok bob\n", "four sources", r)
    expect(F.jwks.fetches(path) == 1, "expected one fetch, got %d" % F.jwks.fetches(path))


@test
def a_file_key_of_the_user_is_used_without_fetching_and_still_works_while_the_url_fails():
    path = F.jwks.new_path()
    F.jwks.serve(path, 500, "")
    url = F.jwks.url(path)
    r = verify_url("alice=" + url, "--user-key", "alice=" + F.b + ".pub", header_line(F.b))
    expect(r.rc == 0 and r.out == "ok alice\n", "B comes from a file", r)
    expect(F.jwks.fetches(path) == 0, "the URL was fetched for a kid a file holds")
    r = verify_url("alice=" + url, "--user-key", "alice=" + F.b + ".pub", header_line(F.a))
    expect(r.rc == 1 and r.out == "rejected key_repository_unavailable\n", "A needs the failing URL", r)
    expect("HTTP status 500" in r.err, "the detail names the fetch error", r)


# ---------------------------------------------------------------------------------------------------------
# Usage errors: exit 2, nothing on stdout, nothing fetched

@test
def an_http_url_without_allow_http_jwks_is_a_usage_error_naming_it():
    path, url = published(F.a)
    r = run("verify", "--jwks", "alice=" + url, header_line(F.a))
    expect_usage_error(r, url, "--allow-http-jwks")
    r = run("verify", "--jwks", "alice=" + url.replace("http://", "HTTP://"), header_line(F.a))
    expect_usage_error(r, "--allow-http-jwks")
    expect(F.jwks.fetches(path) == 0, "a refused URL was fetched")


@test
def malformed_user_equals_url_values_are_usage_errors():
    _, url = published(F.a)
    line = header_line(F.a)
    for value, fragment in ((url, "USER=URL"), ("=" + url, "--jwks"), ("alice=https://", "no host"),
                            ("alice=https://:443/jwks.json", "no host"),
                            ("alice=https://exa\tmple/jwks.json", "control character")):
        expect_usage_error(run("verify", "--jwks", value, "--allow-http-jwks", line), fragment)


@test
def a_usage_error_after_a_good_url_still_prints_nothing_and_fetches_nothing():
    path, url = published(F.a)
    r = run("verify", "--allow-http-jwks", "--jwks", "alice=" + url, "--jwks", "bob=https://", header_line(F.a))
    expect_usage_error(r, "https://")
    expect(F.jwks.fetches(path) == 0, "the good URL was fetched")


@test
def verify_help_documents_the_url_options():
    r = run("verify", "--help")
    expect_ok(r, "verify --help")
    for word in ("USER=FILE|URL", "--allow-http-jwks", "--jwks-timeout"):
        expect(word in r.out, "--help mentions %s" % word, r)


# ---------------------------------------------------------------------------------------------------------

def built_with_libcurl():
    """Whether the tool can fetch URLs: without libcurl, a --jwks URL is refused with a message saying so."""
    r = run("verify", "--jwks", "alice=https://127.0.0.1/jwks.json", "--user-key", "bob=" + F.a + ".pub",
            header_line(F.a, "bob"))
    return "without libcurl" not in r.err


def main():
    if not CLI or not os.access(CLI, os.X_OK):
        print("FAIL: AJWT_CLI must name the built `ajwt` tool (got %r); build the ajwt_cli target" % CLI)
        print("0 passed, 1 failed")
        return 1
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="ajwt_jwks_url_cli_test_") as tmp:
        try:
            setup(tmp)
        except Exception:
            traceback.print_exc()
            print("FAIL: making the test keys and the JWKS server")
            print("0 passed, 1 failed")
            return 1
        try:
            if not built_with_libcurl():
                print("FAIL: %s was built without libcurl, so --jwks URLs cannot be tested (install "
                      "libcurl4-openssl-dev and reconfigure)" % CLI)
                print("0 passed, 1 failed")
                return 1
            for fn in TESTS:
                name = fn.__name__.replace("_", " ")
                try:
                    fn()
                except Exception as e:  # AssertionError, or an unexpected error (a failure too)
                    failed += 1
                    detail = str(e) if isinstance(e, AssertionError) else traceback.format_exc()
                    print("FAIL: %s\n  %s" % (name, detail.replace("\n", "\n  ")))
                else:
                    passed += 1
                    print("ok: %s" % name)
        finally:
            F.jwks.stop()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
