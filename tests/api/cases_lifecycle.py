"""Garbage input, overload, shutdown, data dirs and keys, timeouts, flags.

Run by server_test.py; each test_* uses the shared server `ctx.F` or starts its own."""
import http.client
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import threading
import time

import ctx
from ctx import check, expect, increment, JWT_SECRET
from domain_support import wait_until
from support import Server, SseClient, jwt_hs256, request, scratch_dir


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
        r = ctx.F.server.request(method, path, body=body if method != "GET" else None,
                             token=ctx.F.admin)
        if r.status >= 500:
            fives.append((method, path, body[:60], r))
        elif r.status >= 400:
            check(r.json and r.json.get("status") == "failure", "error shape: %r" % r)
    check(not fives, "5xx answers: %s" % fives[:5])
    expect(ctx.F.get("/healthz"), 200)


def test_overload_answers_503_with_retry_after():
    root = scratch_dir()
    try:
        s = Server(ctx.TALLY, os.path.join(root, "data"), "--example-domain",
                   "--max-inflight-commands", "0").start()
        r = s.request("POST", "/api/v1/example/counters/o/increment", {}, s.admin_key())
        code = s.stop()
        expect(r, 503, "overloaded")
        check(r.header("Retry-After") == "1", r.headers)
        check(code == 0, "exit %s" % code)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_connections_past_the_cap_get_503_and_are_closed():
    root = scratch_dir()
    try:
        s = Server(ctx.TALLY, os.path.join(root, "data"), "--max-connections", "2").start()
        held = [socket.create_connection(("127.0.0.1", s.port), timeout=5) for _ in range(2)]
        time.sleep(0.2)  # both accepted and counted
        extra = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        answer = b""
        while True:
            chunk = extra.recv(4096)
            if not chunk:
                break
            answer += chunk
        extra.close()
        check(answer.startswith(b"HTTP/1.1 503") and b"Retry-After: 1" in answer and
              b'"overloaded"' in answer, answer)
        for c in held:
            c.close()
        time.sleep(0.2)
        expect(s.request("GET", "/healthz"), 200)  # a place is free again
        metrics = s.request("GET", "/metrics").raw
        check('route="connection_cap",status="503"} 1' in metrics, metrics[-2000:])
        check(s.stop() == 0, "exit code")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def stop_under_load(server, clients):
    """Starts the client threads, SIGTERMs the server a second later, waits for the clients to
    end, and returns the server's exit code."""
    for t in clients:
        t.start()
    time.sleep(1.0)
    code = server.stop()
    for t in clients:
        t.join(timeout=20)
    return code


def test_graceful_shutdown_loses_no_acknowledged_command():
    root = scratch_dir()
    data = os.path.join(root, "data")
    try:
        s = Server(ctx.TALLY, data, "--example-domain", "--quiet").start()
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

        code = stop_under_load(s, [threading.Thread(target=client, args=(n,)) for n in range(8)])
        check(code == 0, "exit code %s: %s" % (code, s.stderr_tail()))
        check(len(acked) > 20 and not errors, (len(acked), errors[:3]))
        s2 = Server(ctx.TALLY, data, "--example-domain").start()
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


def test_shutdown_answers_every_request_sent_on_an_open_connection():
    """Keep-alive clients sending back to back while SIGTERM lands: each request that reached
    an open connection is answered (the last with Connection: close), none meets a bare close."""
    root = scratch_dir()
    try:
        # A grace longer than the default: 16 client threads share one interpreter, and one
        # gap between an answer and the next request must not outlast it on a loaded machine.
        s = Server(ctx.TALLY, os.path.join(root, "data"), "--example-domain", "--quiet",
                   "--shutdown-grace-ms", "2000").start()
        key = s.admin_key()
        cut, closed, answered, lock = [], [], [0], threading.Lock()
        headers = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
        conns = [http.client.HTTPConnection("127.0.0.1", s.port, timeout=15) for _ in range(16)]
        for c in conns:
            c.connect()

        def client(n, conn):
            while True:
                try:
                    conn.request("POST", "/api/v1/example/counters/s%d/increment" % n, '{"by":1}',
                                 headers)
                    r = conn.getresponse()
                    r.read()
                except Exception as e:
                    cut.append(repr(e))
                    return
                with lock:
                    answered[0] += 1
                if r.status not in (200, 503):
                    cut.append("status %d" % r.status)
                if (r.getheader("Connection") or "").lower() == "close":
                    closed.append(n)
                    return

        code = stop_under_load(
            s, [threading.Thread(target=client, args=(n, c)) for n, c in enumerate(conns)])
        check(code == 0, "exit code %s: %s" % (code, s.stderr_tail()))
        check(answered[0] > 20, answered)
        check(not cut, "requests cut without an answer: %s" % cut[:5])
        check(len(closed) == 16, "connections not closed with an answer: %d" % (16 - len(closed)))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_data_dir_refusals_and_admin_key_file():
    root = scratch_dir()
    try:
        data = os.path.join(root, "data")
        s = Server(ctx.TALLY, data).start()
        check(any("admin.key" in line for line in s.stdout_lines), s.stdout_lines)
        mode = os.stat(os.path.join(data, "admin.key")).st_mode & 0o777
        check(mode == 0o600, oct(mode))
        # Nothing in the data dir (the subject key store above all) is readable by others.
        for where, dirs, files in os.walk(data):
            for name in [where] + [os.path.join(where, f) for f in files]:
                mode = os.stat(name).st_mode & 0o077
                check(mode == 0, "%s is open to others: %o" % (name, os.stat(name).st_mode))
        p = subprocess.run([ctx.TALLY, "serve", "--data-dir", data, "--listen", "127.0.0.1:0"],
                           capture_output=True, timeout=20)
        check(p.returncode != 0 and b"lock" in p.stderr.lower(), p)
        check(s.stop() == 0, "exit code")
        foreign = os.path.join(root, "foreign")
        os.makedirs(foreign)
        with open(os.path.join(foreign, "notes.txt"), "w") as f:
            f.write("mine")
        p = subprocess.run([ctx.TALLY, "serve", "--data-dir", foreign, "--listen", "127.0.0.1:0"],
                           capture_output=True, timeout=20)
        check(p.returncode != 0 and b"not a tally data dir" in p.stderr.lower() or
              b"no format" in p.stderr.lower(), p)
        check(sorted(os.listdir(foreign)) == ["notes.txt"], "a foreign dir is left alone")
        # Counts out of range are refused before anything starts: -1 would wrap to a huge
        # number of threads.
        fresh = os.path.join(root, "fresh")
        for flags in (["--io-threads", "-1"], ["--command-shards", "100000"],
                      ["--max-connections", "0"], ["--max-inflight-commands", "-1"]):
            p = subprocess.run([ctx.TALLY, "serve", "--data-dir", fresh, "--listen",
                                "127.0.0.1:0"] + flags, capture_output=True, timeout=20)
            check(p.returncode != 0 and flags[0].encode() in p.stderr, (flags, p))
        for listen in (":18090", "[::1:18090", "127.0.0.1:8080abc"):
            p = subprocess.run([ctx.TALLY, "serve", "--data-dir", fresh, "--listen", listen],
                               capture_output=True, timeout=20)
            check(p.returncode != 0 and b"HOST:PORT" in p.stderr, (listen, p))
        # A port in use is found before the data dir (and an admin key nobody hears of) is made.
        taken = socket.socket()
        try:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            p = subprocess.run([ctx.TALLY, "serve", "--data-dir", fresh, "--listen",
                                "127.0.0.1:%d" % taken.getsockname()[1]], capture_output=True,
                               timeout=20)
            check(p.returncode == 2 and b"Address already in use" in p.stderr, p)
        finally:
            taken.close()
        check(not os.path.exists(fresh), "a refused start made a data dir")
        # A name is resolved before the data dir is opened (/etc/hosts: no network asked).
        p = subprocess.Popen([ctx.TALLY, "serve", "--data-dir", os.path.join(root, "named"),
                              "--listen", "localhost:0"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        try:
            line = p.stdout.readline().decode() + p.stdout.readline().decode()
            check(re.search(r"listening on http://(127\.0\.0\.1|\[::1\]):\d+", line), line)
        finally:
            p.terminate()
            check(p.wait(timeout=20) == 0, "exit code")
        # --admin-key-file: that key is an admin key; keys add works offline.
        keyfile = os.path.join(root, "admin.txt")
        with open(keyfile, "w") as f:
            f.write(" my-own-admin-key-0123456789 \r\n")  # the blanks an editor leaves: dropped
        p = subprocess.run([ctx.TALLY, "keys", "add", "--role", "pos", "--store-id", "S9",
                            "--data-dir", data], capture_output=True, timeout=20)
        check(p.returncode == 0, p)
        line = json.loads(p.stdout.decode())
        check(set(line) == {"key_id", "key"}, line)
        p2 = subprocess.run([ctx.TALLY, "keys", "add", "--role", "pos", "--data-dir", data],
                            capture_output=True, timeout=20)
        check(p2.returncode == 2 and b"store_id" in p2.stderr, p2)
        s = Server(ctx.TALLY, data, "--admin-key-file", keyfile).start()
        expect(s.request("GET", "/api/v1/admin/projections", token="my-own-admin-key-0123456789"),
               200)
        expect(s.request("GET", "/api/v1/log", token=line["key"]), 403, "forbidden")
        # The same through the running server's API.
        url = "http://127.0.0.1:%d" % s.port
        p = subprocess.run([ctx.TALLY, "keys", "add", "--role", "auditor", "--server", url,
                            "--key", keyfile], capture_output=True, timeout=20)
        check(p.returncode == 0, p)
        remote = json.loads(p.stdout.decode())
        expect(s.request("GET", "/api/v1/log", token=remote["key"]), 200)
        p = subprocess.run([ctx.TALLY, "keys", "add", "--role", "customer", "--server", url,
                            "--key", keyfile], capture_output=True, timeout=20)
        check(p.returncode == 2 and b"customer_id" in p.stderr, p)
        check(s.stop() == 0, "exit code")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_slow_clients_are_cut_off_by_the_read_timeouts():
    import socket
    root = scratch_dir()
    try:
        s = Server(ctx.TALLY, os.path.join(root, "data"), "--header-timeout-ms", "500",
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
        s = Server(ctx.TALLY, os.path.join(root, "data")).start()
        r1 = s.request("GET", "/api/v1/admin/test-clock", token=s.admin_key())
        r2 = s.request("POST", "/api/v1/admin/test-clock/advance", {"seconds": 1}, s.admin_key())
        r3 = s.request("POST", "/api/v1/example/counters/x/increment", {}, s.admin_key())
        check(s.stop(signal.SIGHUP) == 0, "SIGHUP (a closed terminal) drains like SIGTERM")
        check("SIGHUP received, draining" in open(s.stderr_path).read(), "no drain on SIGHUP")
        expect(r1, 404, "not_found")
        expect(r2, 404, "not_found")
        expect(r3, 404, "not_found")  # --example-domain is off too
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_a_log_ahead_of_the_clock_is_named_at_start():
    """A data dir run with --test-clock, then without: its times are ahead, and stay so."""
    root = scratch_dir()
    try:
        data = os.path.join(root, "data")
        s = Server(ctx.TALLY, data, "--test-clock").start()
        a = s.admin_key()
        expect(s.request("POST", "/api/v1/admin/test-clock/advance", {"seconds": 7200}, a), 200)
        expect(s.request("POST", "/api/v1/admin/keys", {"role": "auditor"}, a), 201)
        check(s.stop() == 0, "exit code")
        check("warning" not in open(s.stderr_path).read(), "a warning under the test clock")
        s = Server(ctx.TALLY, data).start()
        check(s.stop() == 0, "exit code")
        text = open(s.stderr_path).read()
        check("warning: the log's last event is recorded at" in text, text[-500:])
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_concurrent_clock_advances_never_pass_the_year_9999_together():
    """Each step alone fits before the year 10000, any two do not: exactly one moves the clock."""
    root = scratch_dir()
    try:
        s = Server(ctx.TALLY, os.path.join(root, "data"), "--test-clock").start()
        a = s.admin_key()
        now = s.request("GET", "/api/v1/admin/test-clock", token=a).json["now"]
        left = (9999 - int(now[:4])) * 365 * 86400  # a little under what is left
        step = left * 6 // 10
        answers = []
        def advance():
            answers.append(s.request("POST", "/api/v1/admin/test-clock/advance", {"seconds": step}, a))
        threads = [threading.Thread(target=advance) for _ in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        codes = sorted(r.status for r in answers)
        check(codes == [200] + [400] * 7, codes)
        for r in answers:
            if r.status == 400: expect(r, 400, "invalid_field", "seconds")
        after = s.request("GET", "/api/v1/admin/test-clock", token=a).json["now"]
        year = after.split("-")[0]
        check(len(year) == 4 and now < after, after)  # moved once, not past 9999 nor wrapped
        check(s.stop() == 0, "exit code")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_a_clock_advance_that_cannot_be_stored_does_not_move_the_clock():
    # A time the server hands out must be on disk first, or a crash would take the clock back
    # behind it across the restart (api.md: it "never goes back across restarts").
    root = scratch_dir()
    try:
        data = os.path.join(root, "data")
        s = Server(ctx.TALLY, data, "--test-clock", "--quiet").start()
        a = s.admin_key()
        before = s.request("GET", "/api/v1/admin/test-clock", token=a).json["now"]
        os.mkdir(os.path.join(data, "test-clock.tmp"))  # the next store cannot write its file
        r = s.request("POST", "/api/v1/admin/test-clock/advance", {"seconds": 3600}, a)
        check(r.status == 500, r)
        check(s.request("GET", "/api/v1/admin/test-clock", token=a).json["now"] == before,
              "the clock moved without being stored")
        os.rmdir(os.path.join(data, "test-clock.tmp"))
        moved = s.request("POST", "/api/v1/admin/test-clock/advance", {"seconds": 3600}, a)
        expect(moved, 200)
        check(s.stop(signal.SIGKILL) == -signal.SIGKILL, "killed")
        s = Server(ctx.TALLY, data, "--test-clock", "--quiet").start()
        check(s.request("GET", "/api/v1/admin/test-clock", token=a).json["now"] >=
              moved.json["now"], "the clock went back across the restart")
        check(s.stop() == 0, "exit code")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def small_files_only():
    """In the server: no file may grow past 1 MiB, and a write past it fails with EFBIG (not
    SIGXFSZ, ignored here and so across exec): a disk that runs out under the log."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, resource.RLIM_INFINITY))


def test_a_failed_log_write_stops_appends_and_readiness_says_so():
    root = scratch_dir()
    try:
        s = Server(ctx.TALLY, os.path.join(root, "data"), "--example-domain", "--quiet")
        s.start(preexec_fn=small_files_only)
        key = s.admin_key()
        expect(s.request("GET", "/readyz"), 200)
        statuses, acked, lock = [], [], threading.Lock()

        def client(n):
            conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=15)
            for _ in range(20000):
                conn.request("POST", "/api/v1/example/counters/f%d/increment" % n, '{"by":1}',
                             {"Authorization": "Bearer " + key})
                r = conn.getresponse()
                body = json.loads(r.read())
                with lock:
                    statuses.append(r.status)
                    if r.status == 200:
                        acked.append(("counter-f%d" % n, body["position"]))
                if r.status != 200:
                    return

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        check(statuses.count(200) > 1000 and 500 in statuses, set(statuses))
        # Fail-stop: nothing more is taken, and readiness tells (the process still serves).
        expect(s.request("POST", "/api/v1/example/counters/late/increment", {"by": 1}, key), 500,
               "internal")
        r = s.request("GET", "/readyz")
        expect(r, 503, "not_ready")
        check(r.json["failed"] == ["log"], r.json)
        expect(s.request("GET", "/healthz"), 200)
        metrics = s.request("GET", "/metrics").raw
        check("\ntally_log_up 0\n" in metrics, "tally_log_up is not 0")
        check(s.stop() == 0, "exit code")
        said = [l for l in open(s.stderr_path).read().splitlines() if "takes no more appends" in l]
        check(len(said) == 1 and "File too large" in said[0], said)
        # Every acknowledged increment is there after a restart without the limit.
        s = Server(ctx.TALLY, os.path.join(root, "data"), "--example-domain", "--quiet").start()
        wait_until(lambda: s.request("GET", "/readyz").status == 200, "ready after the restart")
        for stream, position in acked[:: max(1, len(acked) // 50)]:
            r = s.request("GET", "/api/v1/log?limit=1&from=%d" % position, token=key)
            check(r.json["events"][0]["stream"] == stream, (stream, position, r.json))
        expect(s.request("POST", "/api/v1/example/counters/late/increment", {"by": 1}, key), 200)
        check(s.stop() == 0, "exit code")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def filled_data_dir(root, events):
    """ROOT/data, whose log holds EVENTS events (written by `tally bench rebuild`)."""
    data = os.path.join(root, "data")
    subprocess.run([ctx.TALLY, "bench", "rebuild", "--events", str(events), "--runs", "1",
                    "--dir", data], check=True, stdout=subprocess.DEVNULL)
    return data


def test_a_damaged_log_is_told_by_readiness_metrics_and_stderr():
    # A block of events damaged on disk: reads that meet it fail, the rest are answered, and the
    # server says so where an operator looks (stderr once, /readyz, /metrics).
    root = scratch_dir()
    try:
        data = filled_data_dir(root, 3000)
        tables = [os.path.join(data, "log", f) for f in os.listdir(os.path.join(data, "log"))
                  if f.endswith(".sst")]
        largest = max(tables, key=os.path.getsize)  # the events
        with open(largest, "r+b") as f:
            f.seek(os.path.getsize(largest) // 2)
            f.write(b"\xff" * 64)
        s = Server(ctx.TALLY, data, "--quiet").start()
        key = s.admin_key()
        statuses = [s.request("GET", "/api/v1/log?limit=1000&from=%d" % start, token=key).status
                    for start in (1, 1001, 2001)]
        check(500 in statuses and 200 in statuses, statuses)
        # The read models met it too (they read these events at start), so this one is not
        # ready; damage in events they have passed leaves it ready, with the same "damaged".
        r = s.request("GET", "/readyz")
        check(r.json.get("damaged") == ["log"], r.json)
        check("\ntally_log_damaged 1\n" in s.request("GET", "/metrics").raw, "not damaged")
        # tally verify through the running server finds it too (offline it is refused).
        key_file = os.path.join(root, "admin.key")
        with open(key_file, "w") as f:
            f.write(key + "\n")
        p = subprocess.run([ctx.TALLY, "verify", "--server", "http://127.0.0.1:%d" % s.port,
                            "--key", key_file], capture_output=True, timeout=60)
        check(p.returncode == 1 and b"first bad position: " in p.stderr, p)
        p = subprocess.run([ctx.TALLY, "verify", "--data-dir", data], capture_output=True,
                           timeout=60)
        check(p.returncode == 2 and b"--server URL" in p.stderr, p)
        check(s.stop() == 0, "exit code")
        said = [l for l in open(s.stderr_path).read().splitlines() if "found the log damaged" in l]
        check(len(said) == 1 and "tally verify" in said[0], said)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_one_verify_of_the_live_log_at_a_time():
    # A check reads the whole log; a second one asked meanwhile is told to come back, instead
    # of holding another of the wait pool's threads for the same answer.
    root = scratch_dir()
    try:
        data = filled_data_dir(root, 200000)
        s = Server(ctx.TALLY, data, "--quiet").start()
        key = s.admin_key()
        answers, lock = [], threading.Lock()

        def verify():
            r = s.request("POST", "/api/v1/admin/verify", {}, key, timeout=60)
            with lock:
                answers.append(r)

        threads = [threading.Thread(target=verify) for _ in range(4)]
        for t in threads: t.start()
        for t in threads: t.join()
        ok = [r for r in answers if r.status == 200]
        busy = [r for r in answers if r.status == 503]
        check(len(ok) >= 1 and len(ok) + len(busy) == 4 and busy, answers)
        check(all(r.json == {"intact": True, "verified_to": 200000, "status": "success"}
                  for r in ok), ok)
        check(all(r.code() == "overloaded" and r.header("Retry-After") for r in busy), busy)
        expect(s.request("POST", "/api/v1/admin/verify", {}, key, timeout=60), 200)  # free again
        check(s.stop() == 0, "exit code")
    finally:
        shutil.rmtree(root, ignore_errors=True)
