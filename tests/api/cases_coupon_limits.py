"""Coupons under load and time (api.md, Coupons): the look-up throttle, 50 threads on one
balance coupon and 40 on one voucher, read-your-writes, a rebuild of balances and coupon
transactions, expiry through the test clock, a kill in the middle of redeems.

Run by server_test.py; each test_* uses the shared server `ctx.F` or starts its own."""
import os
import shutil
import signal
import threading
import time

import ctx
from ctx import check, expect
from domain_support import (FAR, LAST, issue, pos, post, product, rfc3339, run_threads, server_now,
                            transaction_pages, uid, wait_pruned, wait_until)
from support import Server, request, scratch_dir

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
        # Unused again: refunded whole even after its expiry (domain.md §1 makes no exception).
        whole = pos("refund", {"coupon_code": code}, a, s)
        expect(whole, 200)
        check(whole.json["coupon_status"] == "void" and whole.json["refunded_amount"] == 50, whole)
        # Past the idempotency records' retention (30 days), a retried POS transaction and a
        # retried refund still answer the first: same body and position, replayed.
        post("/api/v1/admin/test-clock/advance", {"seconds": 31 * 86400}, a, s)
        issue(server=s, token=a, kind="balance", face_value=1, expires_at=FAR)  # prunes after it
        wait_pruned(s)
        again = pos("redeem", {"coupon_code": code, "transaction_id": "E1", "amount": 5}, a, s)
        expect(again, 200)
        check(again.json == ok.json and again.header("Idempotent-Replayed") == "true", again)
        again = pos("refund", {"coupon_code": code, "transaction_id": "E1"}, a, s)
        expect(again, 200)
        check(again.json == rev.json and again.header("Idempotent-Replayed") == "true", again)
        check(s.stop() == 0, "exit")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_a_kill_loses_no_acknowledged_redeem_and_retries_settle_the_rest():
    # SIGKILL while 8 tills redeem: after the restart every acknowledged redeem answers its
    # first outcome again, and once the tills retry what was in flight, the coupon has lost
    # exactly one unit per transaction attempted, in its balance and its transactions alike.
    root = scratch_dir()
    data = os.path.join(root, "data")
    try:
        s = Server(ctx.TALLY, data, "--quiet").start()
        a = s.admin_key()
        face = 10 ** 6
        code = issue(server=s, token=a, kind="balance", face_value=face)
        acked, attempted, errors, lock = {}, set(), [], threading.Lock()

        def till(n):
            for i in range(100000):
                txn = "K%d-%d" % (n, i)
                with lock:
                    attempted.add(txn)
                body = {"coupon_code": code, "store_id": "S1", "transaction_id": txn, "amount": 1}
                try:
                    r = request(s.port, "POST", "/api/v1/coupon/redeem", body, a, timeout=5)
                except Exception:  # refused or cut: the server is gone
                    return
                with lock:
                    if r.status == 200:
                        acked[txn] = r.json
                    else:
                        errors.append(r)

        threads = [threading.Thread(target=till, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        check(all(t.is_alive() for t in threads), "every till is still redeeming at the kill")
        check(s.stop(signal.SIGKILL) == -signal.SIGKILL, "killed")
        for t in threads:
            t.join(timeout=10)
        check(len(acked) > 50 and not errors, (len(acked), errors[:3]))
        s2 = Server(ctx.TALLY, data, "--quiet").start()
        LAST.pop(s2.port, None)  # the port may be an earlier server's, with a longer log
        for txn, first in acked.items():
            r = pos("redeem", {"coupon_code": code, "transaction_id": txn, "amount": 1}, a, s2)
            expect(r, 200)
            check(r.json == first and r.header("Idempotent-Replayed") == "true", (txn, first, r))
        for txn in attempted - set(acked):
            expect(pos("redeem", {"coupon_code": code, "transaction_id": txn, "amount": 1}, a, s2),
                   200)
        b = pos("balance", {"coupon_code": code}, a, s2)
        expect(b, 200)
        check(b.json["balance"] == face - len(attempted), (b.json, len(attempted)))
        listed, _ = transaction_pages(code, 1000, a, s2)
        ids = [t["transaction_id"] for t in listed]
        check(len(ids) == len(attempted) and set(ids) == attempted, (len(ids), len(attempted)))
        check(s2.stop() == 0, "exit")
    finally:
        shutil.rmtree(root, ignore_errors=True)
