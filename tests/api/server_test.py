"""Integration tests of `tally serve`: the real binary on a free loopback port, a temp data dir.

Usage: server_test.py PATH/TO/tally [test-name ...]
Each test is a function named test_*; the exit code is the number of failed tests.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import Server, SseClient, jwt_hs256, request, scratch_dir  # noqa: E402

TALLY = None
JWT_SECRET = "a-test-secret-for-hs256"


class Fixture:
    """One server shared by the tests that do not restart it, with a key per role."""

    def __init__(self):
        self.root = scratch_dir()
        self.secret_file = os.path.join(self.root, "jwt.secret")
        with open(self.secret_file, "w") as f:
            f.write(JWT_SECRET + "\n")  # the trailing newline is ignored
        self.data = os.path.join(self.root, "data")
        self.server = Server(TALLY, self.data, "--jwt-secret-file", self.secret_file,
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


F = None


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


# ---------------------------------------------------------------------------------------------
def test_health_ready_and_metrics_pass_promtool():
    expect(F.get("/healthz"), 200)
    deadline = time.time() + 10
    while F.get("/readyz").status != 200 and time.time() < deadline:
        time.sleep(0.05)
    expect(F.get("/readyz"), 200)
    increment("metrics")
    r = F.get("/metrics")
    check(r.status == 200 and r.header("Content-Type").startswith("text/plain"), r)
    for name in ["tally_http_requests_total", "tally_http_request_duration_seconds_bucket",
                 "tally_log_batches_total", "tally_log_sync_seconds_total",
                 "tally_projection_lag_events", "tally_http_errors_total"]:
        check(name in r.raw, "metrics lack " + name)
    check('route="/api/v1/example/counters/{id}/increment"' in r.raw,
          "requests are labelled by route pattern, not raw path")
    promtool = shutil.which("promtool")
    check(promtool is not None, "promtool not installed (scripts/deps.sh installs prometheus)")
    p = subprocess.run([promtool, "check", "metrics"], input=r.raw.encode(), capture_output=True,
                       timeout=30)
    check(p.returncode == 0, "promtool: %s %s" % (p.stdout.decode(), p.stderr.decode()))


def test_openapi_document_lists_every_served_route():
    r = F.get("/api/v1/openapi.json")
    check(r.status == 200 and r.json["openapi"].startswith("3."), r)
    check("status" not in r.json, "the document is not wrapped in the envelope")
    paths = r.json["paths"]
    for method, path in [("get", "/healthz"), ("get", "/readyz"), ("get", "/metrics"),
                         ("get", "/api/v1/log"), ("get", "/api/v1/log/subscribe"),
                         ("get", "/api/v1/streams/{stream}"), ("get", "/api/v1/schedules"),
                         ("post", "/api/v1/admin/keys"), ("get", "/api/v1/admin/projections"),
                         ("post", "/api/v1/admin/projections/{name}/rebuild"),
                         ("post", "/api/v1/coupon/redeem"), ("post", "/api/v1/payments")]:
        check(method in paths.get(path, {}), "openapi lacks %s %s" % (method, path))
    # A real validator: JSON::Validator's OpenAPI v3 schema (libjson-validator-perl).
    checker = os.path.join(os.path.dirname(os.path.abspath(__file__)), "openapi_check.pl")
    doc = os.path.join(F.root, "openapi.json")
    with open(doc, "w") as f:
        f.write(r.raw)
    p = subprocess.run(["perl", checker, doc], capture_output=True, timeout=60)
    check(p.returncode == 0, "openapi: %s %s" % (p.stdout.decode(), p.stderr.decode()))
    broken = dict(r.json)
    broken["info"] = {"title": "no version"}
    with open(doc, "w") as f:
        json.dump(broken, f)
    p = subprocess.run(["perl", checker, doc], capture_output=True, timeout=60)
    check(p.returncode == 1 and b"version" in p.stdout, "the validator must catch a bad document")


def test_auth_matrix_per_route_group():
    k = F.keys
    expired = jwt_hs256(JWT_SECRET, {"sub": "C2", "role": "customer", "exp": 1000})
    admin_jwt = jwt_hs256(JWT_SECRET, {"sub": "C2", "role": "admin", "exp": int(time.time()) + 60})
    forged = jwt_hs256("another-secret", {"sub": "C2", "role": "customer"})
    none_alg = jwt_hs256(JWT_SECRET, {"sub": "C2", "role": "customer"}, alg="none")
    unauthorized = [None, "nonsense", "tk_" + "0" * 64, expired, admin_jwt, forged, none_alg]
    groups = {
        ("GET", "/api/v1/log"): {"auditor", "admin"},
        ("GET", "/api/v1/streams/counter-x"): {"auditor", "admin"},
        ("GET", "/api/v1/log/subscribe"): {"auditor", "admin"},
        ("GET", "/api/v1/schedules"): {"operator", "admin"},
        ("GET", "/api/v1/admin/projections"): {"admin"},
        ("POST", "/api/v1/admin/keys"): {"admin"},
        ("POST", "/api/v1/admin/projections/schedules/rebuild"): {"admin"},
        ("GET", "/api/v1/admin/test-clock"): {"admin"},
        ("POST", "/api/v1/example/counters/auth/increment"): set(k),
    }
    for (method, path), allowed in groups.items():
        for token in unauthorized:
            r = F.server.request(method, path, body={} if method == "POST" else None, token=token)
            expect(r, 401, "unauthorized")
        for role, token in k.items():
            if path.endswith("/subscribe") and role in allowed:
                s = SseClient(F.server.port, token)
                check(" 200 " in s.status_line, "%s on SSE: %s" % (role, s.status_line))
                s.close()
                continue
            body = {"role": "auditor"} if path.endswith("/keys") else {}
            r = F.server.request(method, path, body=body if method == "POST" else None,
                                 token=token)
            if role in allowed:
                check(r.status not in (401, 403), "%s %s as %s: %r" % (method, path, role, r))
            else:
                expect(r, 403, "forbidden")
    # A malformed header is 401 too.
    expect(F.get("/api/v1/log", headers={"Authorization": "Basic abc"}), 401, "unauthorized")


def test_input_errors_have_their_exact_codes():
    a = F.admin
    keys = "/api/v1/admin/keys"
    expect(F.post(keys, "{not json", a), 400, "invalid_json")
    expect(F.post(keys, "[1,2]", a), 400, "invalid_json")
    expect(F.post(keys, "", a), 400, "invalid_json")
    expect(F.post(keys, {}, a), 400, "missing_field", "role")
    expect(F.post(keys, {"role": "pos"}, a), 400, "missing_field", "store_id")
    expect(F.post(keys, {"role": "customer"}, a), 400, "missing_field", "customer_id")
    expect(F.post(keys, {"role": "boss"}, a), 400, "invalid_field", "role")
    expect(F.post(keys, {"role": 7}, a), 400, "invalid_field", "role")
    expect(F.post(keys, {"role": "pos", "store_id": "a b"}, a), 400, "invalid_field", "store_id")
    expect(F.post(keys, {"role": "pos", "store_id": "x" * 65}, a), 400, "invalid_field",
           "store_id")
    inc = "/api/v1/example/counters/c/increment"
    for by in [1.5, -1, 0, "5", True, 5.0, 1000001, 2 ** 63]:
        expect(F.post(inc, {"by": by}, a), 400, "invalid_field", "by")
    expect(F.post("/api/v1/example/counters/bad.id/increment", {}, a), 400, "invalid_field", "id")
    for q in ["limit=0", "limit=1001", "limit=x", "from=-1", "from=1.5", "min_position=x"]:
        r = F.get("/api/v1/log?" + q, a)
        expect(r, 400, "invalid_field", q.split("=")[0])
    expect(F.get("/api/v1/schedules?from=2026-13-01T00:00:00Z", a), 400, "invalid_field", "from")
    expect(F.get("/api/v1/schedules?to=tomorrow", a), 400, "invalid_field", "to")
    expect(F.post("/api/v1/admin/test-clock/advance", {"seconds": -5}, a), 400, "invalid_field",
           "seconds")
    expect(F.post("/api/v1/admin/test-clock/advance", {}, a), 400, "missing_field", "seconds")


def test_413_404_405():
    big = "{\"x\":\"" + "a" * (1 << 20) + "\"}"
    r = F.post("/api/v1/admin/keys", big, F.admin)
    expect(r, 413, "payload_too_large")
    r = F.post("/api/v1/admin/keys", "{\"role\":\"auditor\",\"pad\":\"" + "a" * 1000000 + "\"}",
               F.admin)
    expect(r, 201)  # just under 1 MiB is fine
    expect(F.get("/api/v1/nothing/here"), 404, "not_found")
    expect(F.get("/"), 404, "not_found")
    r = F.server.request("DELETE", "/api/v1/log", token=F.admin)
    expect(r, 405, "method_not_allowed")
    check(r.header("Allow") == "GET", r.headers)
    r = F.server.request("PUT", "/api/v1/admin/keys", body={}, token=F.admin)
    expect(r, 405, "method_not_allowed")
    check(r.header("Allow") == "POST", r.headers)
    expect(F.get("/healthz"), 200)


def test_idempotency_key_replays_and_conflicts():
    h = {"Idempotency-Key": "idem-1"}
    first = F.post("/api/v1/example/counters/idem/increment", {"by": 2}, F.admin, headers=h)
    expect(first, 200)
    check(isinstance(first.json["position"], int) and first.json["position"] > 0, first)
    check(first.header("Idempotent-Replayed") is None, first.headers)
    again = F.post("/api/v1/example/counters/idem/increment", {"by": 2}, F.admin, headers=h)
    expect(again, 200)
    check(again.json["position"] == first.json["position"], (first, again))
    check(again.header("Idempotent-Replayed") == "true", again.headers)
    other = F.post("/api/v1/example/counters/idem/increment", {"by": 3}, F.admin, headers=h)
    expect(other, 409, "idempotency_conflict")
    # Keys are the caller's own: another caller with the same key is a new command.
    mine = F.post("/api/v1/example/counters/idem/increment", {"by": 2}, F.keys["operator"],
                  headers=h)
    expect(mine, 200)
    check(mine.json["position"] != first.json["position"], mine)


def test_log_paging_filters_and_streams():
    for i in range(25):
        expect(increment("page%d" % (i % 3)), 200)
    a = F.keys["auditor"]
    positions, cursor = [], 1
    while True:
        r = F.get("/api/v1/log?limit=10&from=%d" % cursor, a)
        expect(r, 200)
        check(len(r.json["events"]) <= 10, r)
        check(r.json["as_of_position"] >= max([e["position"] for e in r.json["events"]] + [0]), r)
        positions += [e["position"] for e in r.json["events"]]
        if "next" not in r.json:
            break
        cursor = r.json["next"]
    check(positions == list(range(1, len(positions) + 1)), "gap or repeat in %s" % positions)
    check(len(positions) >= 25, positions)
    e = F.get("/api/v1/log?limit=1", a).json["events"][0]
    for field in ["position", "stream", "version", "event_id", "type", "recorded_at",
                  "correlation_id", "actor", "data", "prev_hash", "hash"]:
        check(field in e, "event lacks " + field)
    check(e["recorded_at"].endswith("Z"), e)
    r = F.get("/api/v1/log?stream_prefix=counter-page1&limit=1000", a)
    check(r.json["events"] and all(x["stream"] == "counter-page1" for x in r.json["events"]), r)
    r = F.get("/api/v1/log?type=apikey.created&limit=1000", a)
    check(r.json["events"] and all(x["type"] == "apikey.created" for x in r.json["events"]), r)
    check(all("key_hash" in x["data"] and "key" not in x["data"] for x in r.json["events"]),
          "keys are stored hashed")
    r = F.get("/api/v1/streams/counter-page0", a)
    expect(r, 200)
    check(r.json["events"][0]["type"] == "counter.incremented", r)
    check(r.json["events"][0]["data"].get("by") == 1, "data is the payload as JSON: %r" % r)
    versions = [x["version"] for x in r.json["events"]]
    check(versions == list(range(1, 10)), versions)
    r = F.get("/api/v1/streams/counter-page0?from_version=5&limit=2", a)
    check([x["version"] for x in r.json["events"]] == [5, 6] and r.json["next"] == 7, r)
    expect(F.get("/api/v1/streams/counter-nosuch", a), 404, "stream_not_found")


def test_min_position_waits_then_answers_stale():
    head = F.get("/api/v1/log?limit=1", F.admin).json["as_of_position"]
    r = F.get("/api/v1/log?limit=1&min_position=%d" % head, F.admin)
    expect(r, 200)
    check(r.json["as_of_position"] >= head, r)
    started = time.time()
    r = F.get("/api/v1/schedules?min_position=%d" % (head + 1000), F.keys["operator"])
    took = time.time() - started
    expect(r, 503, "stale_read_model")
    check(1.5 < took < 5, "waited %.2f s" % took)
    # A write made while waiting is seen: read-your-writes.
    t = threading.Timer(0.3, lambda: increment("ryw"))
    t.start()
    r = F.get("/api/v1/schedules?min_position=%d" % (F.get(
        "/api/v1/log?limit=1", F.admin).json["as_of_position"] + 1), F.keys["operator"])
    t.join()
    expect(r, 200)
    check(isinstance(r.json["items"], list), r)


def test_admin_projections_and_rebuild():
    r = F.get("/api/v1/admin/projections", F.admin)
    expect(r, 200)
    names = {p["name"]: p for p in r.json["projections"]}
    check("schedules" in names and "api_keys" in names, names)
    for p in names.values():
        check(p["state"] in ("live", "catching_up", "rebuilding") and p["lag"] >= 0, p)
    r = F.post("/api/v1/admin/projections/schedules/rebuild", {}, F.admin)
    expect(r, 202)
    check(r.json == {"name": "schedules", "state": "rebuilding", "status": "success"}, r)
    expect(F.post("/api/v1/admin/projections/nosuch/rebuild", {}, F.admin), 404,
           "projection_not_found")
    expect(F.get("/api/v1/schedules", F.keys["operator"]), 200)  # still served


def test_sse_resume_has_no_gap_and_no_repeat():
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            increment("sse%d" % random.randint(0, 5))

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    seen = []
    try:
        last = None
        for _ in range(4):  # read a while, drop the connection, resume
            s = SseClient(F.server.port, F.keys["auditor"], last_event_id=last) if last else \
                SseClient(F.server.port, F.keys["auditor"], "/api/v1/log/subscribe?from=1")
            check(" 200 " in s.status_line and "text/event-stream" in s.head, s.head)
            for _ in range(random.randint(20, 60)):
                ident, data = s.next_message()
                if ident is None:
                    continue
                check(data["position"] == ident, (ident, data))
                seen.append(ident)
                last = ident
            s.close()
    finally:
        stop.set()
        for t in threads:
            t.join()
    check(seen == list(range(1, len(seen) + 1)), "gap or repeat: %s" % seen)
    # Live: an event written now reaches a caught-up subscriber.
    head = F.get("/api/v1/log?limit=1", F.admin).json["as_of_position"]
    s = SseClient(F.server.port, F.keys["auditor"], last_event_id=head)
    r = increment("live")
    ident, data = s.next_message()
    s.close()
    check(ident == r.json["position"] == head + 1, (ident, r, head))


def test_a_stalled_sse_client_does_not_stall_others():
    stalled = SseClient(F.server.port, F.keys["auditor"], "/api/v1/log/subscribe?from=1")
    stalled.sock.setsockopt(__import__("socket").SOL_SOCKET, __import__("socket").SO_RCVBUF, 4096)
    for i in range(200):  # the stalled client reads nothing of this
        increment("stall%d" % (i % 10))
    head = F.get("/api/v1/log?limit=1", F.admin).json["as_of_position"]
    other = SseClient(F.server.port, F.keys["auditor"], last_event_id=head - 1)
    started = time.time()
    ident, _ = other.next_message()
    check(ident == head and time.time() - started < 2, ident)
    other.close()
    stalled.close()
    expect(F.get("/healthz"), 200)


def test_test_clock_advances_and_never_goes_back():
    r = F.get("/api/v1/admin/test-clock", F.admin)
    expect(r, 200)
    before = r.json["now"]
    r = F.post("/api/v1/admin/test-clock/advance", {"seconds": 86400 * 400}, F.admin)
    expect(r, 200)
    check(r.json["now"] > before and r.json["now"][:4] > before[:4], (before, r))


def test_test_clock_survives_a_restart():
    root = scratch_dir()
    try:
        data = os.path.join(root, "data")
        s = Server(TALLY, data, "--test-clock").start()
        r = s.request("POST", "/api/v1/admin/test-clock/advance", {"seconds": 86400 * 365 * 3},
                      s.admin_key())
        check(s.stop() == 0, "exit code")
        expect(r, 200)
        s = Server(TALLY, data, "--test-clock").start()
        again = s.request("GET", "/api/v1/admin/test-clock", token=s.admin_key())
        s.stop()
        check(again.json["now"] >= r.json["now"], (r, again))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_garbage_bodies_never_5xx():
    rng = random.Random(4)
    targets = [("POST", "/api/v1/admin/keys"), ("POST", "/api/v1/example/counters/g/increment"),
               ("POST", "/api/v1/admin/test-clock/advance"),
               ("POST", "/api/v1/admin/projections/schedules/rebuild"), ("GET", "/api/v1/log"),
               ("PUT", "/api/v1/admin/keys"), ("POST", "/api/v1/nothing")]
    pieces = ['{', '}', '[', ']', '"', ':', ',', 'null', 'true', '1e999', '-0', '"role"',
              '"by"', '"seconds"', '"admin"', '\\u0000', '\\ud800', '\xff', '9' * 30, ' ']
    fives = []
    for i in range(1000):
        method, path = rng.choice(targets)
        kind = i % 3
        if kind == 0:
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
        elif kind == 1:
            body = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 30))).encode(
                "utf-8", "surrogateescape")
        else:
            body = json.dumps({rng.choice(["role", "by", "seconds", "store_id", "x"]):
                               rng.choice([None, -1, 0, 1.5, "", "pos", [], {}, 2 ** 70, "é"])})
        if method == "GET":
            path += "?" + rng.choice(["from=", "limit=%d" % rng.randrange(-5, 2000), "from=%ff",
                                      "min_position=0", "type=%00", "stream_prefix=%E9"])
        r = F.server.request(method, path, body=body if method != "GET" else None,
                             token=F.admin)
        if r.status >= 500:
            fives.append((method, path, body[:60], r))
        elif r.status >= 400:
            check(r.json and r.json.get("status") == "failure", "error shape: %r" % r)
    check(not fives, "5xx answers: %s" % fives[:5])
    expect(F.get("/healthz"), 200)


def test_overload_answers_503_with_retry_after():
    root = scratch_dir()
    try:
        s = Server(TALLY, os.path.join(root, "data"), "--example-domain",
                   "--max-inflight-commands", "0").start()
        r = s.request("POST", "/api/v1/example/counters/o/increment", {}, s.admin_key())
        code = s.stop()
        expect(r, 503, "overloaded")
        check(r.header("Retry-After") == "1", r.headers)
        check(code == 0, "exit %s" % code)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_graceful_shutdown_loses_no_acknowledged_command():
    root = scratch_dir()
    data = os.path.join(root, "data")
    try:
        s = Server(TALLY, data, "--example-domain", "--quiet").start()
        key = s.admin_key()
        acked, lock, errors = [], threading.Lock(), []

        def client(n):
            i = 0
            while True:
                try:
                    r = request(s.port, "POST", "/api/v1/example/counters/g%d/increment" % n,
                                {"by": 1}, key, timeout=5)
                except Exception:  # refused or cut: the server is going
                    return
                if r.status == 200:
                    with lock:
                        acked.append(("counter-g%d" % n, r.json["position"]))
                elif r.status != 503:
                    errors.append(r)
                i += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        code = s.stop()
        for t in threads:
            t.join(timeout=10)
        check(code == 0, "exit code %s: %s" % (code, s.stderr_tail()))
        check(len(acked) > 20 and not errors, (len(acked), errors[:3]))
        s2 = Server(TALLY, data, "--example-domain").start()
        k2 = s2.admin_key()
        check(k2 == key, "the admin key stays the same across restarts")
        by_pos = {}
        cursor = 1
        while cursor:
            r = s2.request("GET", "/api/v1/log?limit=1000&from=%d" % cursor, token=k2)
            for e in r.json["events"]:
                by_pos[e["position"]] = e["stream"]
            cursor = r.json.get("next")
        s2.stop()
        missing = [(st, p) for st, p in acked if by_pos.get(p) != st]
        check(not missing, "acknowledged but not in the log: %s" % missing[:5])
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_data_dir_refusals_and_admin_key_file():
    root = scratch_dir()
    try:
        data = os.path.join(root, "data")
        s = Server(TALLY, data).start()
        check(any("admin.key" in line for line in s.stdout_lines), s.stdout_lines)
        mode = os.stat(os.path.join(data, "admin.key")).st_mode & 0o777
        check(mode == 0o600, oct(mode))
        p = subprocess.run([TALLY, "serve", "--data-dir", data, "--listen", "127.0.0.1:0"],
                           capture_output=True, timeout=20)
        check(p.returncode != 0 and b"lock" in p.stderr.lower(), p)
        check(s.stop() == 0, "exit code")
        foreign = os.path.join(root, "foreign")
        os.makedirs(foreign)
        with open(os.path.join(foreign, "notes.txt"), "w") as f:
            f.write("mine")
        p = subprocess.run([TALLY, "serve", "--data-dir", foreign, "--listen", "127.0.0.1:0"],
                           capture_output=True, timeout=20)
        check(p.returncode != 0 and b"not a tally data dir" in p.stderr.lower() or
              b"no format" in p.stderr.lower(), p)
        check(sorted(os.listdir(foreign)) == ["notes.txt"], "a foreign dir is left alone")
        # --admin-key-file: that key is an admin key; keys add works offline.
        keyfile = os.path.join(root, "admin.txt")
        with open(keyfile, "w") as f:
            f.write("my-own-admin-key-0123456789\n")
        p = subprocess.run([TALLY, "keys", "add", "--role", "pos", "--store-id", "S9",
                            "--data-dir", data], capture_output=True, timeout=20)
        check(p.returncode == 0, p)
        line = json.loads(p.stdout.decode())
        check(set(line) == {"key_id", "key"}, line)
        p2 = subprocess.run([TALLY, "keys", "add", "--role", "pos", "--data-dir", data],
                            capture_output=True, timeout=20)
        check(p2.returncode == 2 and b"store_id" in p2.stderr, p2)
        s = Server(TALLY, data, "--admin-key-file", keyfile).start()
        expect(s.request("GET", "/api/v1/admin/projections", token="my-own-admin-key-0123456789"),
               200)
        expect(s.request("GET", "/api/v1/log", token=line["key"]), 403, "forbidden")
        check(s.stop() == 0, "exit code")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_slow_clients_are_cut_off_by_the_read_timeouts():
    import socket
    root = scratch_dir()
    try:
        s = Server(TALLY, os.path.join(root, "data"), "--header-timeout-ms", "500",
                   "--body-timeout-ms", "500").start()
        cases = {
            "half a header": b"GET /healthz HTTP/1.1\r\nHost: x\r\n",
            "half a body": b"POST /api/v1/admin/keys HTTP/1.1\r\nHost: x\r\n"
                           b"Content-Length: 100\r\n\r\n{\"role\":",
            "idle keep-alive": b"",
        }
        for what, data in cases.items():
            c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
            if data:
                c.sendall(data)
            started = time.time()
            try:
                got = c.recv(4096)
            except ConnectionResetError:
                got = b""
            took = time.time() - started
            c.close()
            check(got == b"" and took < 3, "%s: %r after %.2f s" % (what, got[:80], took))
        expect(s.request("GET", "/healthz"), 200)  # and it still serves the patient
        check(s.stop() == 0, "exit code")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_without_test_clock_its_paths_are_404():
    root = scratch_dir()
    try:
        s = Server(TALLY, os.path.join(root, "data")).start()
        r1 = s.request("GET", "/api/v1/admin/test-clock", token=s.admin_key())
        r2 = s.request("POST", "/api/v1/admin/test-clock/advance", {"seconds": 1}, s.admin_key())
        r3 = s.request("POST", "/api/v1/example/counters/x/increment", {}, s.admin_key())
        s.stop()
        expect(r1, 404, "not_found")
        expect(r2, 404, "not_found")
        expect(r3, 404, "not_found")  # --example-domain is off too
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    global TALLY, F
    TALLY = os.path.abspath(sys.argv[1])
    wanted = sys.argv[2:]
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_") and callable(f)]
    tests.sort(key=lambda t: t[1].__code__.co_firstlineno)
    if wanted:
        tests = [t for t in tests if any(w in t[0] for w in wanted)]
    F = Fixture()
    failures = 0
    try:
        for name, f in tests:
            started = time.time()
            try:
                f()
                print("PASS %s (%.1fs)" % (name, time.time() - started), flush=True)
            except Exception:
                failures += 1
                print("FAIL %s\n%s" % (name, traceback.format_exc()), flush=True)
    finally:
        code = F.close()
        if code != 0:
            failures += 1
            print("FAIL the shared server exited with %s" % code)
    print("%d test(s) failed" % failures if failures else "all server tests passed")
    sys.exit(failures)


if __name__ == "__main__":
    main()
