# SPDX-License-Identifier: ISC
"""Helpers shared by tests/*_test.py: loopback ports and a private redis-server."""

import os
import shutil
import socket
import subprocess
import tempfile
import time


def free_port():
    """A loopback port nothing listened on a moment ago (bound and closed again)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def find_redis_server():
    path = os.environ.get("AJWT_REDIS_SERVER") or shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.access(path, os.X_OK):
        raise AssertionError("redis-server not found (AJWT_REDIS_SERVER, PATH, /usr/bin/redis-server): install it")
    return path


class PrivateRedis:
    """A redis-server of the test's own on a free loopback port (AJWT_REDIS_SERVER, PATH or /usr/bin), in
    `directory` or, when none is given, a temporary directory that close() removes."""

    def __init__(self, directory=None):
        self.own_dir = directory is None
        self.dir = tempfile.mkdtemp(prefix="ajwt-redis.") if directory is None else directory
        self.proc = None
        binary = find_redis_server()
        for _ in range(5):
            self.port = free_port()
            self.proc = subprocess.Popen(
                [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--daemonize", "no", "--dir", self.dir, "--logfile", os.path.join(self.dir, "redis.log")],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.proc.poll() is None and not redis_answers(self.port):
                time.sleep(0.02)
            if self.proc.poll() is None and redis_answers(self.port):
                return
            self.stop()  # lost a race for the port, or it did not come up: try another port
        raise AssertionError("redis-server did not start; log:\n" + self.log())

    @property
    def url(self):
        return "redis://127.0.0.1:%d" % self.port

    def log(self):
        try:
            with open(os.path.join(self.dir, "redis.log")) as f:
                return f.read()[-2000:]
        except OSError:
            return "(no log)"

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def close(self):
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
