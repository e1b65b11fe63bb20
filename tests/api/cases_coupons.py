"""Coupons through HTTP (api.md, Coupons): every route, role rules, every error code, races,
idempotent retries, read-your-writes, expiry under the test clock, a rebuild of balances.

Run by server_test.py; each test_* uses the shared server `ctx.F` or starts its own."""
import calendar
import os
import shutil
import threading
import time
import uuid

import ctx
from ctx import JWT_SECRET, check, expect
from support import Server, jwt_hs256, scratch_dir

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


def put(path, body, token, server=None):
    return (server or ctx.F.server).request("PUT", path, body=body, token=token)


def post(path, body, token, server=None, **kw):
    return (server or ctx.F.server).request("POST", path, body=body, token=token, **kw)


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
    return post("/api/v1/coupon/" + path, body, token or ctx.F.keys["pos"], server, **kw)


def wait_until(f, what, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if f():
            return
        time.sleep(0.05)
    raise AssertionError("timed out: " + what)


def test_coupon_issue_and_products():
    a = ctx.F.admin
    pid = product(500)
    expect(put("/api/v1/products/" + pid, {"name": "x", "price": 0}, a), 400, "invalid_field", "price")
    expect(put("/api/v1/products/" + pid, {"price": 10}, a), 400, "missing_field", "name")
    expect(put("/api/v1/products/bad%20id", {"name": "x", "price": 1}, a), 400, "invalid_field")
    expect(put("/api/v1/products/" + pid, {"name": "x", "price": 1}, ctx.F.keys["pos"]), 403,
           "forbidden")
    code = uid("CODE")
    check(issue(coupon_code=code, kind="exchange", face_value=500, product_id=pid) == code, code)
    # An explicit code in use is coupon_exists, whatever the Idempotency-Key.
    for h in ({}, {"Idempotency-Key": "same"}, {"Idempotency-Key": "same"}):
        r = post("/api/v1/coupons", {"coupon_code": code, "kind": "balance", "face_value": 5,
                                     "expires_at": FAR}, a, headers=h)
        expect(r, 409, "coupon_exists")
    # Generated codes: 16+ characters; a retry with its Idempotency-Key answers the same one.
    h = {"Idempotency-Key": uid("k")}
    body = {"kind": "balance", "face_value": 700, "expires_at": FAR}
    first = post("/api/v1/coupons", body, a, headers=h)
    expect(first, 201)
    check(len(first.json["coupon_code"]) >= 16, first)
    again = post("/api/v1/coupons", body, a, headers=h)
    expect(again, 201)
    check(again.json == first.json and again.header("Idempotent-Replayed") == "true", again)
    check(first.header("Idempotent-Replayed") is None, first.headers)
    other = post("/api/v1/coupons", dict(body, face_value=701), a, headers=h)
    expect(other, 409, "idempotency_conflict")
    check(issue(kind="balance", face_value=10) != first.json["coupon_code"], "codes differ")
    # Codes never reach the log: streams and payloads use the internal id.
    log = ctx.F.get("/api/v1/log?limit=1000&stream_prefix=coupon-", ctx.F.keys["auditor"])
    expect(log, 200)
    check(log.json["events"] and code not in log.raw and first.json["coupon_code"] not in log.raw,
          "a code in the log")
    bad = [({"kind": "balance", "expires_at": FAR}, 400, "missing_field", "face_value"),
           ({"face_value": 5, "expires_at": FAR}, 400, "missing_field", "kind"),
           ({"kind": "gift", "face_value": 5, "expires_at": FAR}, 400, "invalid_field", "kind"),
           ({"kind": "balance", "face_value": 0, "expires_at": FAR}, 400, "invalid_field",
            "face_value"),
           ({"kind": "balance", "face_value": 1.5, "expires_at": FAR}, 400, "invalid_field",
            "face_value"),
           ({"kind": "balance", "face_value": 5, "expires_at": "2199-01-01"}, 400,
            "invalid_field", "expires_at"),
           ({"kind": "balance", "face_value": 5}, 400, "missing_field", "expires_at"),
           ({"kind": "exchange", "face_value": 5, "expires_at": FAR}, 400, "missing_field",
            "product_id"),
           ({"kind": "balance", "face_value": 5, "expires_at": FAR, "coupon_code": "a b"}, 400,
            "invalid_field", "coupon_code"),
           ({"kind": "exchange", "face_value": 5, "expires_at": FAR, "product_id": uid("NOPE")},
            404, "product_not_found", None)]
    for body, status, code_, field in bad:
        expect(post("/api/v1/coupons", body, a), status, code_, field)
    for role in ("pos", "customer", "operator", "auditor", "jwt"):
        expect(post("/api/v1/coupons", {"kind": "balance", "face_value": 5, "expires_at": FAR},
                    token(role)), 403, "forbidden")
    expect(post("/api/v1/coupons", {}, None), 401, "unauthorized")


def test_balance_coupon_redeem_refund_and_transactions():
    code = issue(kind="balance", face_value=1000)
    r = pos("check", {"coupon_code": code})
    expect(r, 200)
    check(r.json["coupon_status"] == "active" and r.json["kind"] == "balance" and
          r.json["balance"] == 1000 and r.json["face_value"] == 1000 and
          r.json["expiry_date"] == FAR and isinstance(r.json["message"], str), r)
    first = pos("redeem", {"coupon_code": code, "transaction_id": "T1", "amount": 300})
    expect(first, 200)
    check(first.json["redeemed_amount"] == 300 and first.json["remaining_balance"] == 700 and
          first.json["transaction_id"] == "T1" and first.json["coupon_status"] == "active", first)
    again = pos("redeem", {"coupon_code": code, "transaction_id": "T1", "amount": 300})
    check(again.json == first.json and again.header("Idempotent-Replayed") == "true", again)
    expect(pos("redeem", {"coupon_code": code, "transaction_id": "T1", "amount": 301}), 409,
           "idempotency_conflict")
    expect(pos("redeem", {"coupon_code": code, "transaction_id": "T2", "amount": 701}), 409,
           "insufficient_balance")
    expect(pos("redeem", {"coupon_code": code, "transaction_id": "T2"}), 400, "missing_field",
           "amount")
    for amount in (0, -5, 2.5, "10"):
        expect(pos("redeem", {"coupon_code": code, "transaction_id": "T2", "amount": amount}),
               400, "invalid_field", "amount")
    expect(pos("redeem", {"coupon_code": code, "amount": 5}), 400, "missing_field",
           "transaction_id")
    r = pos("balance", {"coupon_code": code})
    expect(r, 200)
    check(r.json["balance"] == 700 and r.json["expiry_date"] == FAR and "message" in r.json, r)
    # Refunds: a whole reversal, by the store that made it, once.
    expect(pos("refund", {"coupon_code": code, "transaction_id": "T1", "amount": 300}), 422,
           "partial_refund_not_supported")
    expect(pos("refund", {"coupon_code": code}), 422, "partial_refund_not_supported")
    expect(pos("refund", {"coupon_code": code, "transaction_id": "T404"}), 404,
           "transaction_not_found")
    expect(pos("refund", {"coupon_code": code, "transaction_id": "T1", "store_id": "S2"},
               ctx.F.admin), 422, "store_mismatch")
    ref = pos("refund", {"coupon_code": code, "transaction_id": "T1"})
    expect(ref, 200)
    check(ref.json["refunded_amount"] == 300 and ref.json["remaining_balance"] == 1000 and
          ref.json["coupon_status"] == "active", ref)
    again = pos("refund", {"coupon_code": code, "transaction_id": "T1"})
    check(again.json == ref.json and again.header("Idempotent-Replayed") == "true", again)
    expect(pos("refund", {"coupon_code": code, "transaction_id": "T1", "refund_id": "R2"}), 409,
           "transaction_already_refunded")
    # A refund_id keys the refund itself.
    pos("redeem", {"coupon_code": code, "transaction_id": "T3", "amount": 1000})
    exhausted = pos("check", {"coupon_code": code})
    check(exhausted.json["coupon_status"] == "exhausted" and exhausted.json["balance"] == 0,
          exhausted)
    expect(pos("redeem", {"coupon_code": code, "transaction_id": "T4", "amount": 1}), 409,
           "coupon_not_redeemable")
    r3 = pos("refund", {"coupon_code": code, "transaction_id": "T3", "refund_id": "R3"})
    expect(r3, 200)
    check(r3.json["coupon_status"] == "active" and r3.json["remaining_balance"] == 1000, r3)
    again = pos("refund", {"coupon_code": code, "transaction_id": "T3", "refund_id": "R3"})
    check(again.json == r3.json and again.header("Idempotent-Replayed") == "true", again)
    r = pos("transactions", {"coupon_code": code})
    expect(r, 200)
    got = [(t["type"], t["transaction_id"], t["amount"], t["store_id"]) for t in r.json["transactions"]]
    check(got == [("redeem", "T1", 300, "S1"), ("refund", "T1", 300, "S1"),
                  ("redeem", "T3", 1000, "S1"), ("refund", "T3", 1000, "S1")], got)
    check(all(t["at"].endswith("Z") for t in r.json["transactions"]), r)
    day = r.json["transactions"][0]["at"][:10]
    same_day = pos("transactions", {"coupon_code": code, "start_date": day, "end_date": day})
    check(len(same_day.json["transactions"]) == 4, same_day)
    later = pos("transactions", {"coupon_code": code, "start_date": "2198-01-01"})
    check(later.json["transactions"] == [], later)
    expect(pos("transactions", {"coupon_code": code, "end_date": "yesterday"}), 400,
           "invalid_field", "end_date")
    # An unused coupon is refunded whole and is void for good.
    whole = issue(kind="balance", face_value=250)
    w = pos("refund", {"coupon_code": whole})
    expect(w, 200)
    check(w.json["refunded_amount"] == 250 and w.json["remaining_balance"] == 0 and
          w.json["coupon_status"] == "void", w)
    r = pos("redeem", {"coupon_code": whole, "transaction_id": "TV", "amount": 1})
    expect(r, 409, "coupon_not_redeemable")
    check(r.json["coupon_status"] == "void", r)


def test_exchange_voucher_swap_rule_and_reversal():
    designated, cheap, dear = product(500), product(400), product(600)
    code = issue(kind="exchange", face_value=500, product_id=designated)
    r = pos("check", {"coupon_code": code})
    check(r.json["kind"] == "exchange" and r.json["balance"] == 500 and
          r.json["product_id"] == designated, r)
    expect(pos("redeem", {"coupon_code": code, "transaction_id": "X1", "product_id": dear}), 422,
           "product_not_allowed")
    expect(pos("redeem", {"coupon_code": code, "transaction_id": "X1", "product_id": uid("NO")}),
           404, "product_not_found")
    r = pos("redeem", {"coupon_code": code, "transaction_id": "X1", "product_id": cheap})
    expect(r, 200)
    check(r.json["redeemed_amount"] == 500 and r.json["remaining_balance"] == 0 and
          r.json["coupon_status"] == "redeemed", r)
    r = pos("redeem", {"coupon_code": code, "transaction_id": "X2"})
    expect(r, 409, "coupon_not_redeemable")
    check(r.json["coupon_status"] == "redeemed", r)
    check(pos("balance", {"coupon_code": code}).json["balance"] == 0, "a used voucher shows 0")
    rev = pos("refund", {"coupon_code": code, "transaction_id": "X1"})
    expect(rev, 200)
    check(rev.json["refunded_amount"] == 500 and rev.json["remaining_balance"] == 500 and
          rev.json["coupon_status"] == "active", rev)
    r = pos("redeem", {"coupon_code": code, "transaction_id": "X3"})  # the designated product
    expect(r, 200)
    check(r.json["coupon_status"] == "redeemed", r)
    expect(pos("refund", {"coupon_code": code}), 409, "coupon_not_redeemable")


def test_coupon_roles_and_unknown_codes():
    code = issue(kind="balance", face_value=100)
    routes = [("check", {}), ("balance", {}), ("transactions", {}),
              ("redeem", {"transaction_id": "RR", "amount": 1}), ("refund", {"transaction_id": "RR"})]
    for path, extra in routes:
        body = dict(extra, coupon_code=code)
        expect(pos(path, dict(body, store_id="S2")), 403, "forbidden")  # another store
        for role in ("customer", "operator", "auditor", "jwt"):
            expect(pos(path, dict(body), token(role)), 403, "forbidden")
        expect(pos(path, dict(body), "nonsense"), 401, "unauthorized")
        check(pos(path, dict(body, store_id="S7"), ctx.F.admin).status in (200, 404), path)
        # Unknown codes are coupon_not_found before anything else (the product, the store…).
        r = pos(path, dict(extra, coupon_code=uid("NOPE"), product_id=uid("NO")), ctx.F.admin)
        expect(r, 404, "coupon_not_found")
        expect(pos(path, {"store_id": "S1"}), 400, "missing_field", "coupon_code")
        expect(pos(path, {"coupon_code": code, "store_id": "no store"}), 400, "invalid_field",
               "store_id")
        expect(post("/api/v1/coupon/" + path, "{not json", ctx.F.keys["pos"]), 400, "invalid_json")


def test_throttle_after_20_failed_lookups():
    root = scratch_dir()
    try:
        s = Server(ctx.TALLY, os.path.join(root, "data"), "--test-clock").start()
        a = s.admin_key()
        keys = [post("/api/v1/admin/keys", {"role": "pos", "store_id": "S1"}, a, s).json["key"]
                for _ in range(2)]
        good = issue(server=s, token=a, kind="balance", face_value=10)
        for i in range(20):
            expect(pos("check", {"coupon_code": "guess%d" % i}, keys[0], s), 404, "coupon_not_found")
        for path in ("check", "redeem", "balance"):
            r = pos(path, {"coupon_code": good, "transaction_id": "T", "amount": 1}, keys[0], s)
            expect(r, 429, "too_many_attempts")
            check(0 < int(r.header("Retry-After")) <= 60, r.headers)
        expect(pos("check", {"coupon_code": good}, keys[1], s), 200)  # per key
        # Refused look-ups do not extend the window: it ends 60 s after the 20th failure.
        post("/api/v1/admin/test-clock/advance", {"seconds": 40}, a, s)
        r = pos("check", {"coupon_code": "guess-again"}, keys[0], s)
        expect(r, 429, "too_many_attempts")
        check(int(r.header("Retry-After")) <= 20, r.headers)
        post("/api/v1/admin/test-clock/advance", {"seconds": 21}, a, s)
        expect(pos("check", {"coupon_code": good}, keys[0], s), 200)
        # Failures spread over more than 60 s never add up to 20.
        for i in range(19):
            expect(pos("check", {"coupon_code": "g%d" % i}, keys[1], s), 404, "coupon_not_found")
        post("/api/v1/admin/test-clock/advance", {"seconds": 61}, a, s)
        for i in range(19):
            expect(pos("check", {"coupon_code": "h%d" % i}, keys[1], s), 404, "coupon_not_found")
        expect(pos("check", {"coupon_code": good}, keys[1], s), 200)
        check(s.stop() == 0, "exit")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_threads(n, work):
    results, threads = [None] * n, []
    for i in range(n):
        t = threading.Thread(target=lambda i=i: results.__setitem__(i, work(i)))
        threads.append(t)
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_races_never_overdraw_and_a_voucher_goes_once():
    code = issue(kind="balance", face_value=1000)

    race = uid("r")

    def spend(i):  # each thread redeems 20 until the coupon says no: 50 x 20 = 1000
        accepted, n = [], 0
        while True:
            n += 1
            r = pos("redeem", {"coupon_code": code, "transaction_id": "%s-%d-%d" % (race, i, n),
                               "amount": 20}, timeout=30)
            if r.status != 200:
                return accepted, r
            accepted.append(r.json)

    results = run_threads(50, spend)
    redeemed = [a for acc, _ in results for a in acc]
    check(sum(a["redeemed_amount"] for a in redeemed) == 1000, "accepted sum != 1000")
    check(all(a["remaining_balance"] >= 0 for a in redeemed), "negative")
    check(sorted(a["remaining_balance"] for a in redeemed) == list(range(0, 1000, 20)),
          "each accepted redemption saw its own balance")
    refusals = ("insufficient_balance", "coupon_not_redeemable")  # the latter once at 0
    check(all(r.status == 409 and r.code() in refusals for _, r in results),
          [r for _, r in results if r.code() not in refusals][:3])
    check(pos("check", {"coupon_code": code}).json["coupon_status"] == "exhausted", "exhausted")
    # Duplicates of one POS transaction in flight together: one redemption, one position.
    code2 = issue(kind="balance", face_value=100)
    dup = run_threads(10, lambda i: pos("redeem", {"coupon_code": code2, "transaction_id": race,
                                                   "amount": 10}, timeout=30))
    check(all(r.status == 200 for r in dup) and len({r.json["position"] for r in dup}) == 1, dup)
    check(sum(r.header("Idempotent-Replayed") is None for r in dup) == 1, "one original")
    check(pos("balance", {"coupon_code": code2}).json["balance"] == 90, "deducted once")

    voucher = issue(kind="exchange", face_value=300, product_id=product(300))
    answers = run_threads(40, lambda i: pos("redeem", {"coupon_code": voucher,
                                                       "transaction_id": "v%d" % i}, timeout=30))
    ok = [r for r in answers if r.status == 200]
    check(len(ok) == 1, [r.status for r in answers])
    check(all(r.code() == "coupon_not_redeemable" and r.json["coupon_status"] == "redeemed"
              for r in answers if r.status != 200), "the losers see redeemed")


def test_read_your_writes_and_balances_rebuild():
    code = issue(kind="balance", face_value=900)
    r = pos("redeem", {"coupon_code": code, "transaction_id": "Y1", "amount": 100})
    p = r.json["position"]
    b = pos("balance?min_position=%d" % p, {"coupon_code": code})
    expect(b, 200)
    check(b.json["as_of_position"] >= p and b.json["balance"] == 800, b)
    expect(pos("check?min_position=x", {"coupon_code": code}), 400, "invalid_field",
           "min_position")
    started = time.time()
    expect(pos("check?min_position=%d" % (p + 10 ** 9), {"coupon_code": code}), 503,
           "stale_read_model")
    check(time.time() - started < 5, "bounded wait")
    before = [pos(path, {"coupon_code": code}).json for path in ("check", "balance", "transactions")]
    expect(post("/api/v1/admin/projections/balances/rebuild", {}, ctx.F.admin), 202)
    expect(post("/api/v1/admin/projections/coupon_transactions/rebuild", {}, ctx.F.admin), 202)

    def live():
        names = {m["name"]: m for m in ctx.F.get("/api/v1/admin/projections",
                                                 ctx.F.admin).json["projections"]}
        return all(names[n]["state"] == "live" for n in ("balances", "coupon_transactions"))

    wait_until(live, "rebuilt")
    after = [pos(path, {"coupon_code": code}).json for path in ("check", "balance", "transactions")]
    for x, y in zip(before, after):
        x.pop("as_of_position")
        y.pop("as_of_position")
    check(before == after, (before, after))


def test_coupon_expiry_through_the_test_clock():
    root = scratch_dir()
    try:
        s = Server(ctx.TALLY, os.path.join(root, "data"), "--test-clock").start()
        a = s.admin_key()
        soon = rfc3339(server_now(s, a) + 120)
        code = issue(server=s, token=a, kind="balance", face_value=50, expires_at=soon)
        ok = pos("redeem", {"coupon_code": code, "transaction_id": "E1", "amount": 5}, a, s)
        expect(ok, 200)

        def items():
            r = s.request("GET", "/api/v1/schedules?kind=coupon_expiry&min_position=%d" %
                          ok.json["position"], token=a)
            return r.json["items"]

        listed = items()
        check(len(listed) == 1 and listed[0]["due_at"] == soon and code not in str(listed), listed)
        post("/api/v1/admin/test-clock/advance", {"seconds": 121}, a, s)
        r = pos("redeem", {"coupon_code": code, "transaction_id": "E2", "amount": 5}, a, s)
        expect(r, 409, "coupon_expired")
        check(r.json["coupon_status"] == "expired", r)
        wait_until(lambda: items() == [], "the process runner fired the expiry")
        log = s.request("GET", "/api/v1/log?type=coupon.expired", token=a)
        check(len(log.json["events"]) == 1 and log.json["events"][0]["actor"].startswith("process"),
              log)
        check(pos("check", {"coupon_code": code}, a, s).json["coupon_status"] == "expired", "check")
        # After expiry a reversal is still recorded, and the coupon stays expired.
        rev = pos("refund", {"coupon_code": code, "transaction_id": "E1"}, a, s)
        expect(rev, 200)
        check(rev.json["coupon_status"] == "expired" and rev.json["remaining_balance"] == 50, rev)
        check(s.stop() == 0, "exit")
    finally:
        shutil.rmtree(root, ignore_errors=True)
