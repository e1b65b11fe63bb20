"""Starting the real `tally serve` on a free loopback port and talking HTTP to it.

Used by server_test.py. Standard library only; loopback only; every wait is bounded.
"""
import atexit
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time


_running = set()  # servers started and not yet stopped: stopped at exit, whatever failed


@atexit.register
def _stop_leftovers():
    for server in list(_running):
        server.stop(timeout=5)


class Server:
    """One `tally serve` process on 127.0.0.1 with port 0 (the kernel picks a free one)."""

    def __init__(self, tally, data_dir, *extra):
        self.tally = tally
        self.data_dir = data_dir
        self.extra = list(extra)
        self.proc = None
        self.port = None
        self.stdout_lines = []
        self.stderr_path = None

    def start(self, timeout=20, preexec_fn=None):
        """preexec_fn runs in the child before tally starts (limits for a failing disk)."""
        self.stderr_path = self.data_dir + ".stderr"
        err = open(self.stderr_path, "ab")
        args = [self.tally, "serve", "--data-dir", self.data_dir, "--listen", "127.0.0.1:0"]
        self.proc = subprocess.Popen(args + self.extra, stdout=subprocess.PIPE, stderr=err,
                                     preexec_fn=preexec_fn)
        _running.add(self)
        err.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline().decode()
            if not line:
                raise RuntimeError("tally serve exited: %s" % self.stderr_tail())
            self.stdout_lines.append(line)
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                return self
        raise RuntimeError("tally serve did not start in time")

    def stderr_tail(self, n=20):
        try:
            with open(self.stderr_path, "rb") as f:
                return "\n".join(f.read().decode(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Signals the server and returns its exit code."""
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            code = "killed after %ss" % timeout
        self.proc.stdout.close()
        self.proc = None
        _running.discard(self)
        return code

    def admin_key(self):
        with open(os.path.join(self.data_dir, "admin.key")) as f:
            return f.read().strip()

    def request(self, method, path, body=None, token=None, headers=None, timeout=10):
        return request(self.port, method, path, body, token, headers, timeout)


class Answer:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        try:
            self.json = json.loads(raw) if raw else None
        except ValueError:
            self.json = None

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def code(self):
        return self.json.get("code") if isinstance(self.json, dict) else None

    def __repr__(self):
        return "HTTP %s %s" % (self.status, self.raw[:300])


def request(port, method, path, body=None, token=None, headers=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = "Bearer " + token
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    if body is not None:
        h.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    raw = r.read()
    conn.close()
    return Answer(r.status, r.getheaders(), raw.decode(errors="replace"))


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt_signing_input(alg, claims):
    return (_b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode()) + "." +
            _b64url(json.dumps(claims).encode()))


def jwt_hs256(secret, claims, alg="HS256"):
    signing = _jwt_signing_input(alg, claims)
    key = secret if isinstance(secret, bytes) else secret.encode()
    return signing + "." + _b64url(hmac.new(key, signing.encode(), hashlib.sha256).digest())


def rsa_key_pair(directory):
    """A fresh RSA key pair made by the openssl CLI: (private PEM path, public PEM path)."""
    private, public = os.path.join(directory, "jwt.key"), os.path.join(directory, "jwt.pub")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", private], check=True, capture_output=True, timeout=60)
    subprocess.run(["openssl", "pkey", "-in", private, "-pubout", "-out", public], check=True,
                   capture_output=True, timeout=60)
    return private, public


def jwt_rs256(private_key_file, claims):
    signing = _jwt_signing_input("RS256", claims)
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-binary", "-sign", private_key_file],
                         input=signing.encode(), check=True, capture_output=True, timeout=60)
    return signing + "." + _b64url(sig.stdout)


class SseClient:
    """Reads Server-Sent Events from a raw socket, so a test can drop the connection at will."""

    def __init__(self, port, token, path="/api/v1/log/subscribe", last_event_id=None,
                 receive_buffer=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer:  # before connecting, so the window offered is this small
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(10)
        self.sock.connect(("127.0.0.1", port))
        lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1", "Authorization: Bearer " + token]
        if last_event_id is not None:
            lines.append("Last-Event-ID: %s" % last_event_id)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buffer = b""
        head = self._until(b"\r\n\r\n")
        self.status_line = head.split(b"\r\n")[0].decode()
        self.head = head.decode(errors="replace")

    def _until(self, marker):
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the server closed the stream")
            self.buffer += chunk
        part, self.buffer = self.buffer.split(marker, 1)
        return part

    def next_message(self):
        """(id, data) of the next message; comments (heartbeats) are returned as (None, text)."""
        block = self._until(b"\n\n").decode()
        ident, data = None, []
        for line in block.split("\n"):
            if line.startswith(":"):
                return None, line
            if line.startswith("id: "):
                ident = int(line[4:])
            elif line.startswith("data: "):
                data.append(line[6:])
        return ident, json.loads("\n".join(data)) if data else None

    def close(self):
        self.sock.close()


def scratch_dir():
    return tempfile.mkdtemp(prefix="tally-api-")
