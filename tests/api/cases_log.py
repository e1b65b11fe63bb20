"""The log, streams, read-your-writes, read models, SSE, the test clock.

Run by server_test.py; each test_* uses the shared server `ctx.F` or starts its own."""
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
from support import Server, SseClient, jwt_hs256, request, scratch_dir


def test_log_paging_filters_and_streams():
    for i in range(25):
        expect(increment("page%d" % (i % 3)), 200)
    a = ctx.F.keys["auditor"]
    positions, cursor = [], 1
    while True:
        r = ctx.F.get("/api/v1/log?limit=10&from=%d" % cursor, a)
        expect(r, 200)
        check(len(r.json["events"]) <= 10, r)
        check(r.json["as_of_position"] >= max([e["position"] for e in r.json["events"]] + [0]), r)
        positions += [e["position"] for e in r.json["events"]]
        if "next" not in r.json:
            break
        cursor = r.json["next"]
    check(positions == list(range(1, len(positions) + 1)), "gap or repeat in %s" % positions)
    check(len(positions) >= 25, positions)
    # `next` goes back as from or as cursor (api.md, Lists): both continue the same list.
    by_cursor = ctx.F.get("/api/v1/log?limit=10&cursor=11", a)
    check([e["position"] for e in by_cursor.json["events"]] == positions[10:20], by_cursor)
    expect(ctx.F.get("/api/v1/log?from=1&cursor=11", a), 400, "invalid_field", "cursor")
    e = ctx.F.get("/api/v1/log?limit=1", a).json["events"][0]
    for field in ["position", "stream", "version", "event_id", "type", "recorded_at",
                  "correlation_id", "actor", "data", "prev_hash", "hash"]:
        check(field in e, "event lacks " + field)
    check(e["recorded_at"].endswith("Z"), e)
    r = ctx.F.get("/api/v1/log?stream_prefix=counter-page1&limit=1000", a)
    check(r.json["events"] and all(x["stream"] == "counter-page1" for x in r.json["events"]), r)
    r = ctx.F.get("/api/v1/log?type=apikey.created&limit=1000", a)
    check(r.json["events"] and all(x["type"] == "apikey.created" for x in r.json["events"]), r)
    check(all("key_hash" in x["data"] and "key" not in x["data"] for x in r.json["events"]),
          "keys are stored hashed")
    r = ctx.F.get("/api/v1/streams/counter-page0", a)
    expect(r, 200)
    check(r.json["events"][0]["type"] == "counter.incremented", r)
    check(r.json["events"][0]["data"].get("by") == 1, "data is the payload as JSON: %r" % r)
    versions = [x["version"] for x in r.json["events"]]
    check(versions == list(range(1, 10)), versions)
    r = ctx.F.get("/api/v1/streams/counter-page0?from_version=5&limit=2", a)
    check([x["version"] for x in r.json["events"]] == [5, 6] and r.json["next"] == 7, r)
    for name in ("cursor", "from"):  # next goes back under any of the names
        page = ctx.F.get("/api/v1/streams/counter-page0?%s=7&limit=2" % name, a)
        check([x["version"] for x in page.json["events"]] == [7, 8], (name, page))
    expect(ctx.F.get("/api/v1/streams/counter-page0?from_version=5&cursor=7", a), 400,
           "invalid_field", "cursor")
    expect(ctx.F.get("/api/v1/streams/counter-nosuch", a), 404, "stream_not_found")


def test_min_position_waits_then_answers_stale():
    head = ctx.F.get("/api/v1/log?limit=1", ctx.F.admin).json["as_of_position"]
    r = ctx.F.get("/api/v1/log?limit=1&min_position=%d" % head, ctx.F.admin)
    expect(r, 200)
    check(r.json["as_of_position"] >= head, r)
    started = time.time()
    r = ctx.F.get("/api/v1/schedules?min_position=%d" % (head + 1000), ctx.F.keys["operator"])
    took = time.time() - started
    expect(r, 503, "stale_read_model")
    check(1.5 < took < 5, "waited %.2f s" % took)
    # A write made while waiting is seen: read-your-writes.
    t = threading.Timer(0.3, lambda: increment("ryw"))
    t.start()
    r = ctx.F.get("/api/v1/schedules?min_position=%d" % (ctx.F.get(
        "/api/v1/log?limit=1", ctx.F.admin).json["as_of_position"] + 1), ctx.F.keys["operator"])
    t.join()
    expect(r, 200)
    check(isinstance(r.json["items"], list), r)


def test_admin_projections_and_rebuild():
    r = ctx.F.get("/api/v1/admin/projections", ctx.F.admin)
    expect(r, 200)
    names = {p["name"]: p for p in r.json["projections"]}
    check("schedules" in names and "api_keys" in names, names)
    for p in names.values():
        check(p["state"] in ("live", "catching_up", "rebuilding") and p["lag"] >= 0, p)
    r = ctx.F.post("/api/v1/admin/projections/schedules/rebuild", {}, ctx.F.admin)
    expect(r, 202)
    check(r.json == {"name": "schedules", "state": "rebuilding", "status": "success"}, r)
    expect(ctx.F.post("/api/v1/admin/projections/nosuch/rebuild", {}, ctx.F.admin), 404,
           "projection_not_found")
    expect(ctx.F.get("/api/v1/schedules", ctx.F.keys["operator"]), 200)  # still served


def test_tally_rebuild_through_the_running_server():
    root = scratch_dir()
    try:
        key_file = os.path.join(root, "admin.key")
        with open(key_file, "w") as f:
            f.write(ctx.F.admin + "\n")
        url = "http://127.0.0.1:%d" % ctx.F.server.port

        def rebuild(*args):
            p = subprocess.run([ctx.TALLY, "rebuild", "--server", url, "--key", key_file] +
                               list(args), capture_output=True, timeout=60)
            return p.returncode, p.stdout.decode(), p.stderr.decode()

        head = ctx.F.get("/api/v1/log?limit=1", ctx.F.admin).json["as_of_position"]
        code, out, err = rebuild("balances", "schedules")
        check(code == 0, (code, out, err))
        for name in ("balances", "schedules"):
            line = [l for l in out.splitlines() if l.startswith(name + ": rebuilt, live at")]
            check(len(line) == 1 and int(line[0].split("position ")[1].split()[0]) >= head, out)
        states = {p["name"]: p["state"]
                  for p in ctx.F.get("/api/v1/admin/projections", ctx.F.admin).json["projections"]}
        check(states["balances"] != "rebuilding" and states["schedules"] != "rebuilding", states)
        code, out, err = rebuild("--all")
        check(code == 0 and "api_keys: rebuilt" in out and "purchase_history: rebuilt" in out,
              (code, out, err))
        # tally verify checks the live log the same way (exit 0 when intact).
        p = subprocess.run([ctx.TALLY, "verify", "--server", url, "--key", key_file],
                           capture_output=True, timeout=60)
        check(p.returncode == 0 and p.stdout.decode().startswith("log intact: positions 1.."), p)
        # The URL is http://HOST:PORT; an IPv6 literal in brackets names its host.
        for bad, said in (("http://127.0.0.1:%d/api" % ctx.F.server.port, "no path"),
                          ("https://127.0.0.1:1", "plain http"), ("http://[::1", "unclosed")):
            p = subprocess.run([ctx.TALLY, "rebuild", "--server", bad, "--key", key_file,
                                "balances"], capture_output=True, timeout=60)
            check(p.returncode == 2 and said.encode() in p.stderr, (bad, p))
        p = subprocess.run([ctx.TALLY, "rebuild", "--server", "http://[::1]:1", "--key", key_file,
                            "balances"], capture_output=True, timeout=60)
        check(p.returncode == 1 and b"cannot connect to http://[::1]:1" in p.stderr, p)
        code, out, err = rebuild("nosuch")
        check(code == 2 and "no read model named nosuch" in err and "balances" in err, (code, err))
        code, out, err = rebuild()
        check(code == 2 and "name a read model or pass --all" in err, (code, err))
        with open(key_file, "w") as f:
            f.write("not-a-key\n")
        code, out, err = rebuild("balances")
        check(code == 2 and "401" in err, (code, err))
        p = subprocess.run([ctx.TALLY, "verify", "--server", url, "--key", key_file],
                           capture_output=True, timeout=60)
        check(p.returncode == 2 and b"401" in p.stderr, p)  # not checked: not "damaged"
    finally:
        shutil.rmtree(root, ignore_errors=True)


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
            s = SseClient(ctx.F.server.port, ctx.F.keys["auditor"], last_event_id=last) if last else \
                SseClient(ctx.F.server.port, ctx.F.keys["auditor"], "/api/v1/log/subscribe?from=1")
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
    head = ctx.F.get("/api/v1/log?limit=1", ctx.F.admin).json["as_of_position"]
    s = SseClient(ctx.F.server.port, ctx.F.keys["auditor"], last_event_id=head)
    r = increment("live")
    ident, data = s.next_message()
    s.close()
    check(ident == r.json["position"] == head + 1, (ident, r, head))


def test_a_stalled_sse_client_is_dropped_without_stalling_others():
    root = scratch_dir()
    try:
        s = Server(ctx.TALLY, os.path.join(root, "data"), "--example-domain",
                   "--write-timeout-ms", "2000").start()
        a = s.admin_key()
        stalled = SseClient(s.port, a, "/api/v1/log/subscribe?from=1", receive_buffer=4096)
        live = SseClient(s.port, a)
        # Far more than the stalled client's window and the server's send buffer hold.
        n, errors = 12000, []

        def work(i):
            for j in range(i, n, 8):
                r = s.request("POST", "/api/v1/example/counters/st%d/increment" % (j % 50),
                              body={"by": 1}, token=a)
                if r.status != 200:
                    errors.append(r)

        # The subscriber that reads keeps up: it sees every event, in order, as they come.
        got = []

        def follow():
            try:
                while len(got) < n:
                    ident, _ = live.next_message()
                    if ident is not None:
                        got.append(ident)
            except (OSError, EOFError) as e:
                got.append(repr(e))

        reader = threading.Thread(target=follow)
        reader.start()
        started = time.time()
        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        check(not errors and time.time() - started < 60, (errors[:3], time.time() - started))
        reader.join(20)
        check(got == list(range(1, n + 1)), "live subscriber: %d events, last %s" %
              (len(got), got[-3:]))
        time.sleep(3)  # past the write timeout with the stalled client's window shut
        # What it was sent before the cut is all it gets: a prefix of the log, then the end.
        seen, ended = [], False
        try:
            while True:
                ident, _ = stalled.next_message()
                if ident is not None:
                    seen.append(ident)
        except (EOFError, ConnectionResetError):
            ended = True
        except socket.timeout:
            pass
        check(ended and seen == list(range(1, len(seen) + 1)) and len(seen) < n,
              "stalled client: ended=%s, %d events" % (ended, len(seen)))
        live.close()
        expect(s.request("GET", "/healthz"), 200)
        check(s.stop() == 0, "exit")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_test_clock_advances_and_never_goes_back():
    r = ctx.F.get("/api/v1/admin/test-clock", ctx.F.admin)
    expect(r, 200)
    before = r.json["now"]
    r = ctx.F.post("/api/v1/admin/test-clock/advance", {"seconds": 86400 * 400}, ctx.F.admin)
    expect(r, 200)
    check(r.json["now"] > before and r.json["now"][:4] > before[:4], (before, r))


def test_test_clock_survives_a_restart():
    root = scratch_dir()
    try:
        data = os.path.join(root, "data")
        s = Server(ctx.TALLY, data, "--test-clock").start()
        r = s.request("POST", "/api/v1/admin/test-clock/advance", {"seconds": 86400 * 365 * 3},
                      s.admin_key())
        check(s.stop() == 0, "exit code")
        expect(r, 200)
        s = Server(ctx.TALLY, data, "--test-clock").start()
        again = s.request("GET", "/api/v1/admin/test-clock", token=s.admin_key())
        s.stop()
        check(again.json["now"] >= r.json["now"], (r, again))
    finally:
        shutil.rmtree(root, ignore_errors=True)
