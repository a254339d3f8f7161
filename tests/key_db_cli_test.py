#!/usr/bin/python3
"""Tests of `ajwt keys ...` and `ajwt verify --keys-db URL` (docs/keys-db.md), over SQLite files in a
temporary directory and the PostgreSQL server of AJWT_TEST_POSTGRES_URL (scripts/lib/postgres.sh starts one;
each test gets a schema of its own through the URL's search_path).

Checked: the contract of every subcommand (exit codes 0/1/2, the kid printed, list and --json members,
all-or-nothing import, duplicates kept once, bad files, keys, usernames, URLs and unreachable databases
refused with a message and nothing changed); `verify --keys-db` as a long-lived co-process: each result line
arrives as it is decided, a key added is accepted and a key removed is refused within 1 second with no
restart, and two verifier processes on one database both see changes and both write last-used times.

Environment (set by CTest): AJWT_CLI, the built tool; AJWT_TEST_POSTGRES_URL. Without either this test
FAILS (it never skips). Run with Debian's /usr/bin/python3. Prints "N passed, N failed", exits 1 on failure.
"""
import json
import os
import secrets
import select
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback

CLI = os.environ.get("AJWT_CLI", "")
PG = os.environ.get("AJWT_TEST_POSTGRES_URL", "")
TESTS = []
TMP = ""


def test(fn):
    """Registers a test; its name, with underscores as spaces, reads as the sentence it checks."""
    TESTS.append(fn)
    return fn


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def __repr__(self):
        return "exit %d\n--- stdout:\n%s--- stderr:\n%s" % (self.rc, self.out[:2000], self.err[:2000])


def run(*args, input=None, timeout=60):
    proc = subprocess.run([CLI, *[str(a) for a in args]], input=input.encode() if input is not None else None,
                          stdin=None if input is not None else subprocess.DEVNULL, capture_output=True,
                          timeout=timeout)
    return Result(proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"))


def expect(condition, message, result=None):
    if not condition:
        raise AssertionError(message + ("\n" + repr(result) if result is not None else ""))


def expect_ok(r, what):
    expect(r.rc == 0, what + ": expected exit 0", r)


def expect_error(r, code, *fragments):
    expect(r.rc == code, "expected exit %d" % code, r)
    for f in fragments:
        expect(f in r.err, "expected %r in stderr" % f, r)


def path(name):
    return os.path.join(TMP, name)


def keygen(name, kind="ed25519"):
    expect_ok(run("keygen", "--type", kind, "--out", path(name)), "keygen " + name)
    return path(name)


def kid_of(key):
    r = run("fingerprint", key)
    expect_ok(r, "fingerprint")
    return r.out.strip()


def header(key, user):
    r = run("header", "--key", key, "--user", user)
    expect_ok(r, "header")
    return r.out.strip()


def sqlite_url():
    return "sqlite://" + path("db-%s.sqlite" % secrets.token_hex(4))


def postgres_url():
    """A fresh schema on the test server, as a URL whose search_path names it."""
    schema = "cli_" + secrets.token_hex(5)
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", PG, "-c", "CREATE SCHEMA " + schema], check=True,
                   capture_output=True)
    return PG + ("&" if "?" in PG else "?") + "options=-csearch_path%3D" + schema


def both(fn):
    """Registers `fn(url)` twice: over a new SQLite file and over a new PostgreSQL schema."""
    def on_sqlite():
        fn(sqlite_url())

    def on_postgresql():
        fn(postgres_url())

    on_sqlite.__name__ = fn.__name__ + "__sqlite"
    on_postgresql.__name__ = fn.__name__ + "__postgresql"
    TESTS.append(on_sqlite)
    TESTS.append(on_postgresql)
    return fn


def listing(url, *args):
    r = run("keys", "list", "--db", url, "--json", *args)
    expect_ok(r, "keys list --json")
    return json.loads(r.out)


class Verifier:
    """`ajwt verify --keys-db URL` as a co-process: one header a line in, one result line out."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([CLI, "verify", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)

    def check(self, line, timeout=5):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        expect(ready, "verify printed nothing within %d s for one header (is each line flushed?)" % timeout)
        return self.proc.stdout.readline().decode().strip()

    def until(self, key, user, want, limit=1.0):
        """Sends fresh headers until the answer starts with `want`; returns the seconds it took."""
        start = time.monotonic()
        headers = [header(key, user) for _ in range(3)]
        while True:
            h = headers.pop() if headers else header(key, user)
            got = self.check(h)
            if got.startswith(want):
                return time.monotonic() - start
            expect(time.monotonic() - start <= limit, "still %r after %.1f s, wanted %r" % (got, limit, want))

    def close(self):
        self.proc.stdin.close()
        out = self.proc.stdout.read().decode()
        err = self.proc.stderr.read().decode()
        rc = self.proc.wait(timeout=30)
        return Result(rc, out, err)


# ---------------------------------------------------------------------------------------------------------
# keys add, list, remove


@both
def add_prints_the_kid_and_list_shows_the_key(url):
    a = keygen("add-a-" + secrets.token_hex(3))
    r = run("keys", "add", "--db", url, "alice", a + ".pub", "--comment", "laptop")
    expect_ok(r, "keys add")
    expect(r.out.strip() == kid_of(a), "keys add prints the kid", r)
    rows = listing(url)
    expect(len(rows) == 1, "one row", Result(0, json.dumps(rows), ""))
    row = rows[0]
    for member in ("username", "kid", "type", "comment", "created", "last_used", "jwk_kid", "alg", "kind"):
        expect(member in row, "member %s in %r" % (member, row))
    expect(row["username"] == "alice" and row["kid"] == kid_of(a) and row["type"] == "ed25519", repr(row))
    expect(row["comment"] == "laptop" and row["last_used"] is None and row["kind"] == "key", repr(row))
    text = run("keys", "list", "--db", url)
    expect_ok(text, "keys list")
    line = text.out.strip()
    expect(line.startswith("alice " + kid_of(a) + " ed25519 ") and line.endswith(" never laptop"), line, text)


@both
def the_same_key_twice_is_no_error_and_one_row_and_a_private_key_file_gives_its_public_part(url):
    a = keygen("dup-" + secrets.token_hex(3), "ec-p256")
    expect_ok(run("keys", "add", "--db", url, "alice", a), "add from the private key file")
    r = run("keys", "add", "--db", url, "alice", a + ".pub")
    expect_ok(r, "add again")
    expect(r.out.strip() == kid_of(a), "prints the kid again", r)
    expect(len(listing(url, "alice")) == 1, "one row")


@both
def bad_files_keys_and_usernames_exit_2_and_change_nothing(url):
    a = keygen("bad-" + secrets.token_hex(3))
    expect_error(run("keys", "add", "--db", url, "alice", path("missing.pub")), 2, "missing.pub")
    with open(path("garbage.pub"), "w") as f:
        f.write("not a key\n")
    expect_error(run("keys", "add", "--db", url, "alice", path("garbage.pub")), 2, "unrecognised")
    expect_error(run("keys", "add", "--db", url, "", a + ".pub"), 2, "username: must not be empty")
    expect_error(run("keys", "add", "--db", url, "alice", a + ".pub", "--comment", "c" * 101), 2, "100")
    rsa1024 = os.path.join(os.environ.get("AJWT_TEST_DATA_DIR", ""), "keys", "rsa-1024.spki.pem")
    expect_error(run("keys", "add", "--db", url, "alice", rsa1024), 2, "2048")
    expect(listing(url) == [], "nothing was added")


@both
def import_is_all_or_nothing(url):
    a, b = keygen("imp-a-" + secrets.token_hex(3)), keygen("imp-b-" + secrets.token_hex(3))
    lines = []
    for user, key in (("alice", a), ("bob", b)):
        r = run("pubkey", "--format", "openssh", key)
        expect_ok(r, "pubkey")
        lines.append(user + " " + r.out.strip() + " " + user + "@host")
    with open(path("ak-bad"), "w") as f:
        f.write("\n".join(lines) + "\ncarol ssh-ed25519 AAAA\n")
    expect_error(run("keys", "import", "--db", url, path("ak-bad")), 2, "ak-bad:3")
    expect(listing(url) == [], "nothing imported from a bad file")
    with open(path("ak-good"), "w") as f:
        f.write("# users\n" + "\n".join(lines) + "\n")
    r = run("keys", "import", "--db", url, path("ak-good"))
    expect_ok(r, "import")
    expect("imported 2 keys" in r.out, "says how many", r)
    rows = listing(url)
    expect(sorted((x["username"], x["comment"]) for x in rows) == [("alice", "alice@host"), ("bob", "bob@host")],
           repr(rows))


@both
def remove_removes_one_key_and_exits_1_when_there_is_none(url):
    a = keygen("rm-" + secrets.token_hex(3))
    expect_ok(run("keys", "add", "--db", url, "alice", a + ".pub"), "add")
    expect_error(run("keys", "remove", "--db", url, "alice", "0" * 64), 1, "has no key")
    expect_error(run("keys", "remove", "--db", url, "bob", kid_of(a)), 1, "has no key")
    expect_ok(run("keys", "remove", "--db", url, "alice", kid_of(a)), "remove")
    expect(listing(url) == [], "removed")


@both
def jwks_urls_are_trusted_listed_and_untrusted(url):
    expect_ok(run("keys", "trust-jwks", "--db", url, "svc", "https://a.example/jwks.json"), "trust")
    expect_ok(run("keys", "trust-jwks", "--db", url, "svc", "https://b.example/jwks.json"), "trust another")
    rows = listing(url, "svc")
    expect([r["url"] for r in rows] == ["https://a.example/jwks.json", "https://b.example/jwks.json"], repr(rows))
    expect(all(r["kind"] == "jwks_url" and r["last_used"] is None for r in rows), repr(rows))
    expect_error(run("keys", "trust-jwks", "--db", url, "svc", "http://a.example/"), 2, "plain http")
    expect_ok(run("keys", "untrust-jwks", "--db", url, "svc", "https://a.example/jwks.json"), "untrust")
    expect_error(run("keys", "untrust-jwks", "--db", url, "svc", "https://a.example/jwks.json"), 1, "does not trust")
    expect(len(listing(url, "svc")) == 1, "one left")


@test
def bad_urls_and_unreachable_databases_exit_2_for_every_subcommand():
    a = keygen("urls-" + secrets.token_hex(3))
    port = 1
    for url, fragment in (("mysql://u:secret@h/db", "expected sqlite"), ("sqlite://", "names no file"),
                          ("postgresql://u:secret@127.0.0.1:%d/db" % port, "cannot connect")):
        for args in (("add", "--db", url, "alice", a + ".pub"), ("import", "--db", url, a + ".pub"),
                     ("list", "--db", url), ("remove", "--db", url, "alice", "k"),
                     ("trust-jwks", "--db", url, "alice", "https://x.example/"),
                     ("untrust-jwks", "--db", url, "alice", "https://x.example/")):
            r = run("keys", *args)
            expect_error(r, 2, fragment)
            expect("secret" not in r.err, "the password is never printed", r)
    r = run("verify", "--keys-db", "sqlite://", header(a, "alice"))
    expect_error(r, 2, "--keys-db")


@test
def a_corrupt_sqlite_file_or_a_newer_schema_exits_2_with_a_clear_message():
    with open(path("corrupt.db"), "wb") as f:
        f.write(b"x" * 4096)
    expect_error(run("keys", "list", "--db", "sqlite://" + path("corrupt.db")), 2, "not a database")
    url = sqlite_url()
    expect_ok(run("keys", "list", "--db", url), "create")
    con = sqlite3.connect(url[len("sqlite://"):])
    con.execute("INSERT INTO ajwt_schema_version (version, applied) VALUES (99, 0)")
    con.commit()
    con.close()
    expect_error(run("keys", "list", "--db", url), 2, "upgrade ajwt")


# ---------------------------------------------------------------------------------------------------------
# verify --keys-db


@both
def verify_sees_keys_added_and_removed_within_one_second_without_a_restart(url):
    a, b = keygen("live-a-" + secrets.token_hex(3)), keygen("live-b-" + secrets.token_hex(3))
    expect_ok(run("keys", "add", "--db", url, "alice", a + ".pub"), "add")
    v = Verifier("--keys-db", url)
    try:
        expect(v.check(header(a, "alice")) == "ok alice", "a database key verifies")
        expect(v.check(header(b, "bob")) == "rejected unknown_user", "bob is unknown")
        expect_ok(run("keys", "add", "--db", url, "bob", b + ".pub"), "add bob")
        v.until(b, "bob", "ok bob")
        expect_ok(run("keys", "remove", "--db", url, "alice", kid_of(a)), "remove alice's key")
        v.until(a, "alice", "rejected")
    finally:
        r = v.close()
    expect(r.rc == 1, "some header was rejected", r)
    rows = {x["username"]: x for x in listing(url)}
    expect(rows["bob"]["last_used"] is not None, "bob's key's last use is written at exit", r)


@both
def two_verifier_processes_on_one_database_both_see_changes_and_both_write_last_used(url):
    a, b = keygen("two-a-" + secrets.token_hex(3)), keygen("two-b-" + secrets.token_hex(3))
    v1, v2 = Verifier("--keys-db", url), Verifier("--keys-db", url)
    try:
        expect_ok(run("keys", "add", "--db", url, "alice", a + ".pub"), "add alice")
        expect_ok(run("keys", "add", "--db", url, "bob", b + ".pub"), "add bob")
        v1.until(a, "alice", "ok alice")
        v2.until(b, "bob", "ok bob")
    finally:
        v1.close()
        v2.close()
    rows = {x["username"]: x for x in listing(url)}
    expect(rows["alice"]["last_used"] is not None and rows["bob"]["last_used"] is not None, repr(rows))


@test
def verify_keys_db_combines_with_key_files():
    url = sqlite_url()
    a, b = keygen("comb-a-" + secrets.token_hex(3)), keygen("comb-b-" + secrets.token_hex(3))
    expect_ok(run("keys", "add", "--db", url, "alice", a + ".pub"), "add")
    r = run("verify", "--keys-db", url, "--user-key", "bob=" + b + ".pub", header(a, "alice"), header(b, "bob"))
    expect_ok(r, "both users verify")
    expect(r.out == "ok alice\nok bob\n", "one line each", r)


def main():
    global TMP
    problems = []
    if not CLI or not os.access(CLI, os.X_OK):
        problems.append("AJWT_CLI must name the built `ajwt` tool (got %r)" % CLI)
    if not PG:
        problems.append("AJWT_TEST_POSTGRES_URL is not set: run through scripts/test.sh, or source "
                        "scripts/lib/postgres.sh and call start_test_postgres")
    if problems:
        for p in problems:
            print("FAIL: " + p)
        print("0 passed, %d failed" % len(problems))
        return 1
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="ajwt_key_db_cli_test_") as tmp:
        TMP = tmp
        for fn in TESTS:
            name = fn.__name__.replace("__", " (").replace("_", " ") + (")" if "__" in fn.__name__ else "")
            try:
                fn()
            except Exception as e:
                failed += 1
                detail = str(e) if isinstance(e, AssertionError) else traceback.format_exc()
                print("FAIL: %s\n  %s" % (name, detail.replace("\n", "\n  ")))
            else:
                passed += 1
                print("ok: %s" % name)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
