"""Health, metrics, OpenAPI, auth, input codes, 413/404/405, idempotency.

Run by server_test.py; each test_* uses the shared server `ctx.F` or starts its own."""
import calendar
import json
import os
import random
import shutil
import socket
import subprocess
import threading
import time

import ctx
from ctx import check, expect, increment, JWT_SECRET
from support import (Server, SseClient, jwt_hs256, jwt_rs256, request, rsa_key_pair,
                     scratch_dir)


def test_health_ready_and_metrics_pass_promtool():
    expect(ctx.F.get("/healthz"), 200)
    deadline = time.time() + 10
    while ctx.F.get("/readyz").status != 200 and time.time() < deadline:
        time.sleep(0.05)
    expect(ctx.F.get("/readyz"), 200)
    increment("metrics")
    r = ctx.F.get("/metrics")
    check(r.status == 200 and r.header("Content-Type").startswith("text/plain"), r)
    for name in ["tally_http_requests_total", "tally_http_request_duration_seconds_bucket",
                 "tally_log_batches_total", "tally_log_sync_seconds_bucket",
                 "tally_log_batch_events_bucket",
                 "tally_projection_lag_events", "tally_http_errors_total"]:
        check(name in r.raw, "metrics lack " + name)
    batches = [l for l in r.raw.splitlines() if l.startswith("tally_log_batches_total ")]
    in_histogram = [l for l in r.raw.splitlines()
                    if l.startswith('tally_log_batch_events_bucket{le="+Inf"} ')]
    check(batches and in_histogram and float(batches[0].split()[1]) >= 1 and
          batches[0].split()[1] == in_histogram[0].split()[1],
          "every group commit is in the batch-size histogram: %s %s" % (batches, in_histogram))
    check('route="/api/v1/example/counters/{id}/increment"' in r.raw,
          "requests are labelled by route pattern, not raw path")
    promtool = shutil.which("promtool")
    check(promtool is not None, "promtool not installed (scripts/deps.sh installs prometheus)")
    p = subprocess.run([promtool, "check", "metrics"], input=r.raw.encode(), capture_output=True,
                       timeout=30)
    check(p.returncode == 0, "promtool: %s %s" % (p.stdout.decode(), p.stderr.decode()))


def test_openapi_document_lists_every_served_route():
    r = ctx.F.get("/api/v1/openapi.json")
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
    log_params = {p["name"] for p in paths["/api/v1/log"]["get"]["parameters"]}
    check({"from", "limit", "stream_prefix", "type", "min_position"} <= log_params, log_params)
    check(paths["/healthz"]["get"]["security"] == [], "health needs no auth")
    # A real validator: JSON::Validator's OpenAPI v3 schema (libjson-validator-perl).
    checker = os.path.join(os.path.dirname(os.path.abspath(__file__)), "openapi_check.pl")
    doc = os.path.join(ctx.F.root, "openapi.json")
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
    k = ctx.F.keys
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
            r = ctx.F.server.request(method, path, body={} if method == "POST" else None, token=token)
            expect(r, 401, "unauthorized")
        for role, token in k.items():
            if path.endswith("/subscribe") and role in allowed:
                s = SseClient(ctx.F.server.port, token)
                check(" 200 " in s.status_line, "%s on SSE: %s" % (role, s.status_line))
                s.close()
                continue
            body = {"role": "auditor"} if path.endswith("/keys") else {}
            r = ctx.F.server.request(method, path, body=body if method == "POST" else None,
                                 token=token)
            if role in allowed:
                check(r.status not in (401, 403), "%s %s as %s: %r" % (method, path, role, r))
            else:
                expect(r, 403, "forbidden")
    # A malformed header is 401 too.
    expect(ctx.F.get("/api/v1/log", headers={"Authorization": "Basic abc"}), 401, "unauthorized")


def test_input_errors_have_their_exact_codes():
    a = ctx.F.admin
    keys = "/api/v1/admin/keys"
    expect(ctx.F.post(keys, "{not json", a), 400, "invalid_json")
    expect(ctx.F.post(keys, "[1,2]", a), 400, "invalid_json")
    expect(ctx.F.post(keys, "", a), 400, "invalid_json")
    # A member given twice would be read as the last one: refused, not guessed.
    twice = ctx.F.post(keys, '{"role":"auditor","role":"admin"}', a)
    expect(twice, 400, "invalid_json")
    check('"role"' in twice.json["message"], twice.json)
    expect(ctx.F.post(keys, {}, a), 400, "missing_field", "role")
    expect(ctx.F.post(keys, {"role": "pos"}, a), 400, "missing_field", "store_id")
    expect(ctx.F.post(keys, {"role": "customer"}, a), 400, "missing_field", "customer_id")
    expect(ctx.F.post(keys, {"role": "boss"}, a), 400, "invalid_field", "role")
    expect(ctx.F.post(keys, {"role": 7}, a), 400, "invalid_field", "role")
    expect(ctx.F.post(keys, {"role": "pos", "store_id": "a b"}, a), 400, "invalid_field", "store_id")
    # A scope the role does not have is refused, not ignored (the key would look limited).
    expect(ctx.F.post(keys, {"role": "auditor", "store_id": "S1"}, a), 400, "invalid_field",
           "store_id")
    expect(ctx.F.post(keys, {"role": "pos", "store_id": "S1", "customer_id": "C1"}, a), 400,
           "invalid_field", "customer_id")
    expect(ctx.F.post(keys, {"role": "pos", "store_id": "x" * 65}, a), 400, "invalid_field",
           "store_id")
    inc = "/api/v1/example/counters/c/increment"
    for by in [1.5, -1, 0, "5", True, 5.0, 1000001, 2 ** 63]:
        expect(ctx.F.post(inc, {"by": by}, a), 400, "invalid_field", "by")
    expect(ctx.F.post("/api/v1/example/counters/bad.id/increment", {}, a), 400, "invalid_field", "id")
    for q in ["limit=0", "limit=1001", "limit=x", "from=-1", "from=1.5", "min_position=x"]:
        r = ctx.F.get("/api/v1/log?" + q, a)
        expect(r, 400, "invalid_field", q.split("=")[0])
    expect(ctx.F.get("/api/v1/schedules?from=2026-13-01T00:00:00Z", a), 400, "invalid_field", "from")
    expect(ctx.F.get("/api/v1/schedules?to=tomorrow", a), 400, "invalid_field", "to")
    # A misspelt kind is refused, not read as "nothing is due"; a kind of api.md is listed.
    for kind in ["coupon_expiries", ""]:
        expect(ctx.F.get("/api/v1/schedules?kind=" + kind, a), 400, "invalid_field", "kind")
    # Refused at once, not after a wait for a read model that is behind.
    started = time.monotonic()
    expect(ctx.F.get("/api/v1/schedules?kind=x&min_position=%d" % 10 ** 12, a), 400,
           "invalid_field", "kind")
    check(time.monotonic() - started < 1, "it waited for the read model first")
    for kind in ["payment_due", "scheduled_send", "retry", "history_expiry", "coupon_expiry",
                 "counter_reset"]:
        expect(ctx.F.get("/api/v1/schedules?kind=" + kind, a), 200)
    expect(ctx.F.post("/api/v1/admin/test-clock/advance", {"seconds": -5}, a), 400, "invalid_field",
           "seconds")
    expect(ctx.F.post("/api/v1/admin/test-clock/advance", {}, a), 400, "missing_field", "seconds")
    # Past the year 9999 the clock would wrap or print a year no client reads: refused, unmoved.
    before = ctx.F.get("/api/v1/admin/test-clock", a).json["now"]
    for far in [999999999999, 2 ** 63 - 1, 300000000000]:
        expect(ctx.F.post("/api/v1/admin/test-clock/advance", {"seconds": far}, a), 400,
               "invalid_field", "seconds")
    check(ctx.F.get("/api/v1/admin/test-clock", a).json["now"] == before, "the clock moved")


def test_413_404_405():
    big = "{\"x\":\"" + "a" * (1 << 20) + "\"}"
    r = ctx.F.post("/api/v1/admin/keys", big, ctx.F.admin)
    expect(r, 413, "payload_too_large")
    r = ctx.F.post("/api/v1/admin/keys", "{\"role\":\"auditor\",\"pad\":\"" + "a" * 1000000 + "\"}",
               ctx.F.admin)
    expect(r, 201)  # just under 1 MiB is fine
    expect(ctx.F.get("/api/v1/nothing/here"), 404, "not_found")
    expect(ctx.F.get("/"), 404, "not_found")
    r = ctx.F.server.request("DELETE", "/api/v1/log", token=ctx.F.admin)
    expect(r, 405, "method_not_allowed")
    check(r.header("Allow") == "GET", r.headers)
    r = ctx.F.server.request("PUT", "/api/v1/admin/keys", body={}, token=ctx.F.admin)
    expect(r, 405, "method_not_allowed")
    check(r.header("Allow") == "POST", r.headers)
    expect(ctx.F.get("/healthz"), 200)


def test_malformed_requests_get_400_not_a_bare_close():
    def raw(head):
        s = socket.create_connection(("127.0.0.1", ctx.F.server.port), timeout=10)
        try:
            s.sendall(head)
            got = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return got
                got += chunk
        except ConnectionResetError:
            return got
        finally:
            s.close()

    post = b"POST /api/v1/admin/keys HTTP/1.1\r\nHost: x\r\n"
    for head, field in [
            (post + b"Content-Length: abc\r\n\r\n", b"request"),
            (post + b"Content-Length: -1\r\n\r\n", b"request"),
            (post + b"Content-Length: 99999999999999999999\r\n\r\n", b"request"),
            (post + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
             b"request"),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n",
             b"headers"),
            (b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", b"headers")]:
        answer = raw(head)
        check(answer.startswith(b"HTTP/1.1 400"), (head[:80], answer[:200]))
        check(b'"code":"invalid_field"' in answer and b'"field":"' + field + b'"' in answer,
              answer[:400])
        check(b"Connection: close" in answer, answer[:400])
    expect(ctx.F.get("/healthz"), 200)
    # A field that holds one value, given twice, is refused, never read as the last one (two
    # Authorization headers are not the second one's key, two Idempotency-Keys not a third).
    for name, value in ((b"Authorization", b"Bearer " + ctx.F.admin.encode()),
                        (b"Idempotency-Key", b"k1"), (b"X-Correlation-Id", b"c1")):
        twice = raw(b"GET /api/v1/log HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    b"Authorization: Bearer %s\r\n%s: nonsense\r\n%s: %s\r\n\r\n" %
                    (ctx.F.admin.encode(), name, name, value))
        check(twice.startswith(b"HTTP/1.1 400") and b'"field":"' + name + b'"' in twice,
              (name, twice[:300]))
    # A target that does not decode: malformed, not an unknown path.
    for target in ("/api/v1/schedules?limit=%ZZ", "/api/v1/customers/%ZZ/status", "*"):
        answer = raw(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" %
                     target.encode())
        check(answer.startswith(b"HTTP/1.1 400") and b'"field":"target"' in answer,
              (target, answer[:300]))
    # The absolute-form a proxy sends names the same resource (RFC 9112 §3.2.2).
    answer = raw(b"GET http://elsewhere.example:81/api/v1/log?limit=1 HTTP/1.1\r\n"
                 b"Host: x\r\nConnection: close\r\nAuthorization: Bearer %s\r\n\r\n" %
                 ctx.F.admin.encode())
    check(answer.startswith(b"HTTP/1.1 200") and b'"status":"success"' in answer, answer[:300])


def test_expect_100_continue_is_answered_before_the_body():
    body = json.dumps({"role": "auditor", "pad": "x" * 2000}).encode()
    c = socket.create_connection(("127.0.0.1", ctx.F.server.port), timeout=5)
    c.sendall(b"POST /api/v1/admin/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
              ctx.F.admin.encode() + b"\r\nContent-Type: application/json\r\n"
              b"Expect: 100-continue\r\nContent-Length: " + str(len(body)).encode() +
              b"\r\n\r\n")
    c.settimeout(0.5)  # curl waits 1 s for it; the server answers at once
    interim = c.recv(4096)
    check(interim.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"), interim)
    c.settimeout(5)
    c.sendall(body)
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += c.recv(4096)
    c.close()
    check(answer.startswith(b"HTTP/1.1 201"), answer[:200])
    # Over the limit, the 413 comes instead of the 100: the body is never asked for.
    c = socket.create_connection(("127.0.0.1", ctx.F.server.port), timeout=5)
    c.sendall(b"POST /api/v1/admin/keys HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
              b"Content-Length: 2000000\r\n\r\n")
    answer = c.recv(4096)
    c.close()
    check(answer.startswith(b"HTTP/1.1 413"), answer[:200])


def test_one_json_log_line_per_request_without_secrets():
    r = increment("logline", headers={"X-Correlation-Id": "corr-logline-1"})
    expect(r, 200)
    check(r.header("X-Correlation-Id") == "corr-logline-1", r.headers)
    time.sleep(0.2)
    with open(ctx.F.server.stderr_path) as f:
        text = f.read()
    lines = [json.loads(l) for l in text.splitlines() if l.startswith("{")]
    mine = [l for l in lines if l.get("correlation_id") == "corr-logline-1"]
    check(len(mine) == 1, mine)
    line = mine[0]
    check(line["msg"] == "request" and line["method"] == "POST" and line["status"] == 200, line)
    check(line["route"] == "/api/v1/example/counters/{id}/increment", "the pattern, not the path")
    check(line["key_id"] == "admin" and isinstance(line["latency_us"], int), line)
    logged = calendar.timegm(time.strptime(line["time"][:19], "%Y-%m-%dT%H:%M:%S"))
    check(abs(logged - time.time()) < 60 and line["time"].endswith("Z"), line)
    for role, key in ctx.F.keys.items():
        check(key not in text, "the %s key appears in the log" % role)
    check(JWT_SECRET not in text, "the JWT secret appears in the log")


def test_rs256_customer_jwt():
    """RS256 under --jwt-public-key-file, beside HS256; the public key signs nothing."""
    claims = {"sub": "C2", "role": "customer", "exp": int(time.time()) + 600}
    r = increment("rs256", jwt_rs256(ctx.F.rsa_private, claims))
    expect(r, 200)
    expect(increment("rs256", ctx.F.keys["jwt"]), 200)  # HS256 still
    with open(ctx.F.rsa_public, "rb") as f:
        public_pem = f.read()
    root = scratch_dir()
    try:
        other_private, _ = rsa_key_pair(root)
        refused = [
            jwt_hs256(public_pem, claims),  # the public key as an HMAC secret: a forgery
            jwt_rs256(other_private, claims),  # another key pair
            jwt_rs256(ctx.F.rsa_private, dict(claims, exp=1000)),  # expired
            jwt_rs256(ctx.F.rsa_private, dict(claims, role="admin")),
        ]
        for token in refused:
            expect(increment("rs256", token), 401, "unauthorized")
        # A file that is not an RSA public key is refused at start, naming the file, before
        # the data dir is made.
        data = os.path.join(root, "data")
        p = subprocess.run([ctx.TALLY, "serve", "--data-dir", data, "--listen", "127.0.0.1:0",
                            "--jwt-public-key-file", ctx.F.secret_file],
                           capture_output=True, timeout=20)
        check(p.returncode != 0 and b"jwt.secret" in p.stderr and b"public key" in p.stderr, p)
        check(not os.path.exists(data), "the data dir was made")
        # The public key given as the HS256 secret would let anyone sign; a short secret is weak.
        short = os.path.join(root, "short.secret")
        with open(short, "w") as f:
            f.write("s3cret\n")
        for secret, why in [(ctx.F.rsa_public, b"PEM"), (short, b"32 bytes")]:
            p = subprocess.run([ctx.TALLY, "serve", "--data-dir", data, "--listen", "127.0.0.1:0",
                                "--jwt-secret-file", secret], capture_output=True, timeout=20)
            check(p.returncode != 0 and why in p.stderr, p)
        check(not os.path.exists(data), "the data dir was made")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_idempotency_key_replays_and_conflicts():
    h = {"Idempotency-Key": "idem-1"}
    first = ctx.F.post("/api/v1/example/counters/idem/increment", {"by": 2}, ctx.F.admin, headers=h)
    expect(first, 200)
    check(isinstance(first.json["position"], int) and first.json["position"] > 0, first)
    check(first.header("Idempotent-Replayed") is None, first.headers)
    again = ctx.F.post("/api/v1/example/counters/idem/increment", {"by": 2}, ctx.F.admin, headers=h)
    expect(again, 200)
    check(again.json["position"] == first.json["position"], (first, again))
    check(again.header("Idempotent-Replayed") == "true", again.headers)
    other = ctx.F.post("/api/v1/example/counters/idem/increment", {"by": 3}, ctx.F.admin, headers=h)
    expect(other, 409, "idempotency_conflict")
    # Keys are the caller's own: another caller with the same key is a new command.
    mine = ctx.F.post("/api/v1/example/counters/idem/increment", {"by": 2}, ctx.F.keys["operator"],
                  headers=h)
    expect(mine, 200)
    check(mine.json["position"] != first.json["position"], mine)
