"""Helpers of the coupon and membership HTTP tests (cases_coupons*.py, cases_membership.py)."""
import calendar
import threading
import time
import uuid

import ctx
from ctx import JWT_SECRET, check, expect
from support import jwt_hs256

FAR = "2199-01-01T00:00:00Z"


def uid(prefix):
    return prefix + uuid.uuid4().hex[:10]


def server_now(server=None, token=None):
    """The server's clock (the test clock) as Unix seconds."""
    s = server or ctx.F.server
    now = s.request("GET", "/api/v1/admin/test-clock", token=token or ctx.F.admin).json["now"]
    return calendar.timegm(time.strptime(now[:19], "%Y-%m-%dT%H:%M:%S"))


def rfc3339(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def token(role):
    """A key of the shared server; "jwt" is a customer JWT of C2 valid on the server's clock."""
    if role == "jwt":
        return jwt_hs256(JWT_SECRET, {"sub": "C2", "role": "customer", "exp": server_now() + 3600})
    return ctx.F.keys[role]


# The last command position each server answered (by port): queries made through these
# helpers read their writes by passing it as min_position (api.md, Conventions).
LAST = {}


def seen(server, r):
    if isinstance(r.json, dict) and isinstance(r.json.get("position"), int):
        LAST[server.port] = max(LAST.get(server.port, 0), r.json["position"])
    return r


def after_writes(path, server=None):
    """`path` with min_position = the last position this server answered, unless it has one."""
    s = server or ctx.F.server
    if "min_position=" in path:
        return path
    return path + ("&" if "?" in path else "?") + "min_position=%d" % LAST.get(s.port, 0)


def put(path, body, token, server=None):
    s = server or ctx.F.server
    return seen(s, s.request("PUT", path, body=body, token=token))


def post(path, body, token, server=None, **kw):
    s = server or ctx.F.server
    return seen(s, s.request("POST", path, body=body, token=token, **kw))


def product(price, server=None, token=None):
    pid = uid("P")
    r = put("/api/v1/products/" + pid, {"name": "product " + pid, "price": price},
            token or ctx.F.admin, server)
    expect(r, 200)
    return pid


def issue(server=None, token=None, **body):
    body.setdefault("expires_at", FAR)
    r = post("/api/v1/coupons", body, token or ctx.F.admin, server)
    expect(r, 201)
    check(isinstance(r.json["position"], int), r)
    return r.json["coupon_code"]


def pos(path, body, token=None, server=None, **kw):
    body.setdefault("store_id", "S1")
    if path.split("?")[0] in ("check", "balance", "transactions"):
        path = after_writes(path, server)
    return post("/api/v1/coupon/" + path, body, token or ctx.F.keys["pos"], server, **kw)


def transaction_pages(code, limit=None, token=None, server=None):
    """Every transaction of the coupon, page by page (the limit in the body, the cursor passed
    back in the query), and the size of each page."""
    rows, cursor, sizes = [], None, []
    while True:
        body = {"coupon_code": code}
        if limit:
            body["limit"] = limit
        page = pos("transactions" + ("?cursor=" + cursor if cursor else ""), body, token, server)
        expect(page, 200)
        sizes.append(len(page.json["transactions"]))
        rows += page.json["transactions"]
        cursor = page.json.get("next")
        check(len(sizes) <= 100, "more pages than a test writes")
        if not cursor:
            return rows, sizes


def wait_pruned(server):
    """Waits until `server` pruned idempotency records past their retention."""
    def pruned():
        m = server.request("GET", "/metrics").raw
        return any(line.startswith("tally_idempotency_pruned_total ") and
                   float(line.split()[1]) > 0 for line in m.splitlines())
    wait_until(pruned, "the records past the retention were pruned")


def wait_until(f, what, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if f():
            return
        time.sleep(0.05)
    raise AssertionError("timed out: " + what)


def run_threads(n, work):
    results, threads = [None] * n, []
    for i in range(n):
        t = threading.Thread(target=lambda i=i: results.__setitem__(i, work(i)))
        threads.append(t)
        t.start()
    for t in threads:
        t.join(60)
    return results
