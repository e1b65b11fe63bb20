"""The shared server of the API tests and the assertions they use."""
import os
import shutil
import time

from support import Server, jwt_hs256, rsa_key_pair, scratch_dir

TALLY = None
JWT_SECRET = "a-test-secret-for-hs256-of-32-bytes"
F = None


class Fixture:
    """One server shared by the tests that do not restart it, with a key per role."""

    def __init__(self):
        self.root = scratch_dir()
        self.secret_file = os.path.join(self.root, "jwt.secret")
        with open(self.secret_file, "w") as f:
            f.write(JWT_SECRET + "\n")  # the trailing newline is ignored
        self.rsa_private, self.rsa_public = rsa_key_pair(self.root)
        self.data = os.path.join(self.root, "data")
        self.server = Server(TALLY, self.data, "--jwt-secret-file", self.secret_file,
                             "--jwt-public-key-file", self.rsa_public,
                             "--test-clock", "--example-domain").start()
        self.admin = self.server.admin_key()
        self.keys = {"admin": self.admin}
        for role, scope in [("pos", {"store_id": "S1"}), ("customer", {"customer_id": "C1"}),
                            ("operator", {}), ("auditor", {})]:
            r = self.post("/api/v1/admin/keys", dict(role=role, **scope), self.admin)
            assert r.status == 201, r
            self.keys[role] = r.json["key"]
        now = int(time.time())
        self.keys["jwt"] = jwt_hs256(JWT_SECRET, {"sub": "C2", "role": "customer", "exp": now + 600})

    def get(self, path, token=None, **kw):
        return self.server.request("GET", path, token=token, **kw)

    def post(self, path, body, token=None, **kw):
        return self.server.request("POST", path, body=body, token=token, **kw)

    def close(self):
        code = self.server.stop()
        shutil.rmtree(self.root, ignore_errors=True)
        return code


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def expect(r, status, code=None, field=None):
    check(r.status == status, "want %s, got %r" % (status, r))
    if code is not None:
        check(r.code() == code, "want code %s, got %r" % (code, r))
        check(r.json.get("status") == "failure", "failure body without status: %r" % r)
        check(isinstance(r.json.get("message"), str), "no message: %r" % r)
    if field is not None:
        check(r.json.get("field") == field, "want field %s, got %r" % (field, r))
    if 200 <= status < 300 and r.json is not None and "openapi" not in r.json:
        check(r.json.get("status") == "success", "success body without status: %r" % r)


def increment(counter, token=None, **kw):
    return F.post("/api/v1/example/counters/%s/increment" % counter, {"by": 1},
                  token or F.admin, **kw)
