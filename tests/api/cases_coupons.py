"""Coupons through HTTP (api.md, Coupons): every route, role rules and error codes, the
exchange voucher's swap rule, refunds. Races, the throttle, expiry and rebuilds:
cases_coupon_limits.py.

Run by server_test.py; each test_* uses the shared server `ctx.F`."""
import time

import ctx
from ctx import check, expect
from domain_support import (FAR, after_writes, issue, pos, post, product, put, token,
                            transaction_pages, uid)

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
    # The same body is the same JSON: fields in another order are a retry too.
    reordered = post("/api/v1/coupons", {k: body[k] for k in reversed(list(body))}, a, headers=h)
    check(reordered.json == first.json and reordered.header("Idempotent-Replayed") == "true",
          reordered)
    other = post("/api/v1/coupons", dict(body, face_value=701), a, headers=h)
    expect(other, 409, "idempotency_conflict")
    check(issue(kind="balance", face_value=10) != first.json["coupon_code"], "codes differ")
    # A time with an offset names its instant; answers give it in UTC.
    zoned = issue(kind="balance", face_value=10, expires_at="2199-01-01T09:00:00+09:00")
    checked = pos("check", {"coupon_code": zoned})
    check(checked.json["expiry_date"] == "2199-01-01T00:00:00Z", checked)
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
           ({"kind": "balance", "face_value": 5, "expires_at": "2001-01-01T00:00:00Z"}, 400,
            "invalid_field", "expires_at"),
           ({"kind": "exchange", "face_value": 5, "expires_at": FAR}, 400, "missing_field",
            "product_id"),
           ({"kind": "balance", "face_value": 5, "expires_at": FAR, "coupon_code": "a b"}, 400,
            "invalid_field", "coupon_code"),
           ({"kind": "exchange", "face_value": 5, "expires_at": FAR, "product_id": uid("NOPE")},
            404, "product_not_found", None),
           ({"kind": "balance", "face_value": 5, "expires_at": FAR, "product_id": uid("NOPE")},
            404, "product_not_found", None),
           ({"kind": "balance", "face_value": 5, "expires_at": FAR, "product_id": "a b"}, 400,
            "invalid_field", "product_id")]
    for body, status, code_, field in bad:
        expect(post("/api/v1/coupons", body, a), status, code_, field)
    for role in ("pos", "customer", "operator", "auditor", "jwt"):
        expect(post("/api/v1/coupons", {"kind": "balance", "face_value": 5, "expires_at": FAR},
                    token(role)), 403, "forbidden")
    expect(post("/api/v1/coupons", {}, None), 401, "unauthorized")


def test_transactions_are_paged():
    # A coupon's transactions grow with every redemption: pages of 100 unless a limit says
    # otherwise (api.md, Lists), and walking the pages gives every row once, oldest first.
    code = issue(kind="balance", face_value=5000)
    for i in range(1001):
        expect(pos("redeem", {"coupon_code": code, "transaction_id": "W%d" % i, "amount": 1}), 200)
    whole, sizes = transaction_pages(code)
    check(sizes == [100] * 10 + [1], sizes)
    check([t["transaction_id"] for t in whole] == ["W%d" % i for i in range(1001)], whole[:3])
    # A limit in the body with the cursor in the query: the same rows in the same order.
    paged, sizes = transaction_pages(code, limit=400)
    check(sizes == [400, 400, 201] and paged == whole, sizes)
    last = pos("transactions", {"coupon_code": code, "limit": 1000})
    check(len(last.json["transactions"]) == 1000 and "next" in last.json, last.json.keys())
    first = pos("transactions?limit=1", {"coupon_code": code})
    rest = pos("transactions", {"coupon_code": code, "cursor": first.json["next"]})
    check(len(rest.json["transactions"]) == 100 and rest.json["transactions"] == whole[1:101], rest)
    # next goes back as from too (api.md: "as from/cursor"), in the body or the query.
    for alias in (pos("transactions", {"coupon_code": code, "from": first.json["next"]}),
                  pos("transactions?from=" + first.json["next"], {"coupon_code": code})):
        check(alias.json["transactions"] == whole[1:101], alias)
    for bad in ({"limit": 0}, {"limit": 1001}, {"limit": "5"}, {"limit": 1.5}, {"limit": True},
                {"limit": -1}):
        expect(pos("transactions", dict(bad, coupon_code=code)), 400, "invalid_field", "limit")
    for query in ("limit=x", "limit=-1", "limit=0"):
        expect(pos("transactions?" + query, {"coupon_code": code}), 400, "invalid_field", "limit")
    expect(pos("transactions?cursor=abc", {"coupon_code": code}), 400, "invalid_field", "cursor")
    # A bad parameter is refused at once, not after waiting for a read model that lags.
    started = time.monotonic()
    expect(pos("transactions?limit=0&min_position=%d" % 10 ** 12, {"coupon_code": code}), 400,
           "invalid_field", "limit")
    check(time.monotonic() - started < 1, "it waited for the read model first")
    for bad in ("", "abc", first.json["next"] + "0", 7):
        expect(pos("transactions", {"coupon_code": code, "cursor": bad}), 400, "invalid_field",
               "cursor")


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
    # An unknown code is coupon_not_found before anything else, also before a used transaction.
    expect(pos("redeem", {"coupon_code": uid("NOPE"), "transaction_id": "T1", "amount": 300}), 404,
           "coupon_not_found")
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
    for amount in (0, -5, 2.5, "10"):  # an amount is positive before it is anything else
        expect(pos("refund", {"coupon_code": code, "transaction_id": "T1", "amount": amount}),
               400, "invalid_field", "amount")
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
    expect(pos("refund", {"coupon_code": uid("NOPE"), "transaction_id": "T3", "refund_id": "R3"}),
           404, "coupon_not_found")
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
    # The look-ups' own parameters come after it too: a bad limit, cursor, date, min_position.
    for path, body in [("transactions", {"limit": 0}), ("transactions", {"cursor": "x"}),
                       ("transactions", {"start_date": "someday"}),
                       ("check?min_position=x", {}), ("transactions?limit=x", {})]:
        expect(pos(path, dict(body, coupon_code=uid("NOPE")), ctx.F.admin), 404,
               "coupon_not_found")
        expect(pos(path, {"store_id": "S1"}), 400, "missing_field", "coupon_code")
        expect(pos(path, {"coupon_code": code, "store_id": "no store"}), 400, "invalid_field",
               "store_id")
        expect(post("/api/v1/coupon/" + path, "{not json", ctx.F.keys["pos"]), 400, "invalid_json")


def test_schedules_page_by_cursor_through_items_due_together():
    # Coupons issued together expire together: one due time, more items than one page.
    at = "2198-03-07T00:00:00Z"  # no other test's coupons expire then
    for _ in range(5):
        issue(kind="balance", face_value=10, expires_at=at)
    a = ctx.F.admin
    query = "/api/v1/schedules?kind=coupon_expiry&from=%s&to=%s&limit=2" % (at, at[:-1] + ".000001Z")
    path, refs, pages = after_writes(query), [], 0
    while True:
        r = ctx.F.get(path, a)
        expect(r, 200)
        pages += 1
        refs += [item["ref"] for item in r.json["items"]]
        check(all(item["due_at"] == at for item in r.json["items"]), r)
        if "next" not in r.json:
            break
        check(len(r.json["items"]) == 2 and pages < 10, r)
        path = query + "&cursor=" + r.json["next"]
    check(len(refs) == 5 and len(set(refs)) == 5 and refs == sorted(refs) and pages == 3, refs)
    expect(ctx.F.get(query + "&cursor=nope", a), 400, "invalid_field", "cursor")
    # The same instant with an offset, its '+' escaped or not (a query string reads '+' as ' ').
    for plus in ("%2B", "+"):
        zoned = "/api/v1/schedules?kind=coupon_expiry&from=2198-03-07T09:00:00%s09:00&limit=5" % plus
        r = ctx.F.get(after_writes(zoned), a)
        expect(r, 200)
        check([item["ref"] for item in r.json["items"]] == refs, r)
